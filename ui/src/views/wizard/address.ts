// The wizard's first step: the address (and a name to show), and the discovery of its server settings.

import { button, h } from "../../dom";
import { t } from "../../i18n";
import { toAppError } from "../../bridge";
import type { DiscoveryView } from "../../bindings/DiscoveryView";
import { placeError } from "../../setup";
import { inputField, setBusy, stepError } from "../form";
import { actions, panel, type WizardCore } from "./shared";

export class AddressStep {
  readonly email = inputField({ label: t("wizard-email"), test: "wizard-email", type: "email", autocomplete: "email", placeholder: t("wizard-email-placeholder") });
  readonly name = inputField({ label: t("wizard-name"), test: "wizard-name", optional: true, placeholder: t("wizard-name-placeholder"), hint: t("wizard-name-hint") });
  /** An error of the step as a whole. */
  readonly error = stepError("wizard-address-error");
  readonly panel: HTMLElement;
  private readonly continueBtn: HTMLButtonElement;
  private readonly skipBtn: HTMLButtonElement;
  private discoveryToken = 0;

  constructor(private readonly w: WizardCore) {
    this.continueBtn = button(t("wizard-continue"), () => w.submit(), { class: "primary", data: { test: "wizard-continue" } });
    this.skipBtn = button(t("wizard-skip"), () => this.skipDiscovery(), { class: "secondary", data: { test: "wizard-skip" } });
    this.skipBtn.hidden = true;
    this.email.input.addEventListener("input", () => this.email.clearError());
    this.panel = panel(
      "address",
      h("h2", null, t("wizard-address-title")),
      this.email.row,
      this.name.row,
      this.error.el,
      actions(w, null, this.skipBtn, this.continueBtn),
    );
  }

  /** The step's main action: looks up the address's server settings, then goes on to sign in. */
  async discover(): Promise<void> {
    const w = this.w;
    this.email.clearError();
    this.error.show(null);
    const email = this.email.value.trim();
    if (!email || !email.includes("@")) {
      w.place({ field: "email", message: email ? t("wizard-email-whole") : t("wizard-email-missing"), advice: null });
      return;
    }
    if (w.server.discovered?.email === email) return w.show("server");
    const token = ++this.discoveryToken;
    setBusy(this.continueBtn, t("busy-looking-up"));
    this.skipBtn.hidden = false;
    let view: DiscoveryView;
    try {
      view = await w.app.api.discoverServers(email);
    } catch (e) {
      const p = placeError(toAppError(e));
      if (token !== this.discoveryToken) return;
      if (p.field === "email") return w.place(p);
      view = { domain: email.split("@").pop() ?? "", candidates: [], attempts: [], error: p.message, error_kind: null };
    } finally {
      if (token === this.discoveryToken) {
        setBusy(this.continueBtn, null);
        this.skipBtn.hidden = true;
      }
    }
    if (token !== this.discoveryToken) return;
    w.server.fill(email, view);
    await w.credential.askOffer();
    if (token !== this.discoveryToken) return;
    w.show("server");
  }

  /** Leaves a slow discovery: the settings are typed by hand. */
  private skipDiscovery(): void {
    const w = this.w;
    const email = this.email.value.trim();
    this.discoveryToken++;
    setBusy(this.continueBtn, null);
    this.skipBtn.hidden = true;
    // The discovery still running no longer holds the wizard.
    w.release();
    w.server.fill(email, null);
    w.show("server");
    void w.credential.askOffer();
  }
}
