// The wizard's last step: the check interval, notifications, a summary of the account, and adding it.

import { button, h, replace, toggle } from "../../dom";
import { t } from "../../i18n";
import type { Account } from "../../bindings/Account";
import type { AccountSetup } from "../../bindings/AccountSetup";
import { serverSettings } from "../../setup";
import { intervalField } from "../common";
import { setBusy, stepError } from "../form";
import { actions, panel, type WizardCore } from "./shared";

export class FinishStep {
  readonly interval = intervalField(300, { test: "wizard-interval" });
  /** An error of the step as a whole. */
  readonly error = stepError("wizard-finish-error");
  readonly panel: HTMLElement;
  private readonly notify: HTMLLabelElement;
  private readonly summary = h("dl", { class: "facts-list summary", data: { test: "wizard-summary" } });
  private readonly addBtn: HTMLButtonElement;

  constructor(private readonly w: WizardCore) {
    const app = w.app;
    this.addBtn = button(t("accounts-add"), () => w.submit(), { class: "primary", data: { test: "wizard-add" } });
    this.notify = toggle(t("wizard-notifications"), app.notifications() ?? true, (on) => app.setNotifications(on), { data: { test: "wizard-notifications" } });
    this.panel = panel(
      "finish",
      h("h2", null, t("wizard-finish-title")),
      this.interval.row,
      h("div", { class: "field" }, this.notify, h("p", { class: "hint" }, t("wizard-notifications-hint"))),
      this.summary,
      this.error.el,
      actions(w, "folders", this.addBtn),
    );
  }

  /** The global notification setting may have changed meanwhile (not while it is being set). */
  update(): void {
    const input = this.notify.querySelector("input")!;
    const on = this.w.app.notifications();
    if (on !== null && !input.disabled) input.checked = on;
  }

  fill(): void {
    const w = this.w;
    const s = serverSettings(w.server.form());
    const server = "ok" in s ? `${s.ok.host}:${s.ok.port} · ${s.ok.security.toUpperCase()} · ${s.ok.username}` : "";
    const name = w.address.name.value.trim();
    const email = w.address.email.value.trim();
    const offer = w.credential.provider;
    const rows: [string, string][] = [
      [t("wizard-summary-account"), name ? `${name} (${email})` : email],
      [t("wizard-summary-server"), server],
      [t("wizard-summary-sign-in"), w.credential.oauthMode && offer ? t("wizard-summary-oauth", { provider: offer.name }) : t("wizard-summary-password")],
      [t("wizard-summary-folders"), w.folders.chosen().join(", ")],
    ];
    replace(this.summary, ...rows.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
  }

  /** The step's main action: adds the account, with the password or the sign-in in the browser. */
  async add(): Promise<void> {
    const w = this.w;
    this.error.show(null);
    this.interval.clearError();
    const checked = serverSettings(w.server.form());
    if ("err" in checked) return w.place(checked.err);
    const candidate = w.server.chosenCandidate();
    const quirks = candidate && candidate.host === checked.ok.host ? candidate.quirks : [];
    const setup: AccountSetup = {
      display_name: w.address.name.value.trim(),
      email: w.address.email.value.trim(),
      server: checked.ok,
      folders: w.folders.chosen(),
      interval_secs: Number(this.interval.value),
      quirks,
    };
    const credential = w.credential.current();
    if (w.credential.oauthMode && !("grant" in credential)) return w.place({ field: "oauth", message: t("wizard-sign-in-first"), advice: null });
    setBusy(this.addBtn, t("busy-adding"));
    let account: Account;
    try {
      account = "grant" in credential ? await w.app.api.addOAuthAccount(setup, credential.grant) : await w.app.api.addAccount(setup, credential.password);
    } catch (e) {
      return w.placeRefusal(e);
    } finally {
      setBusy(this.addBtn, null);
    }
    if ("grant" in credential) w.credential.handOver();
    w.app.added(account);
  }
}
