// The sign-in step's live connection test: its progress, a failure's help, and whether a pass still vouches for the form.

import { button, h, replace } from "../../dom";
import { certReasonSentence } from "../../engine-words";
import { t } from "../../i18n";
import type { LiveTestReport } from "../../bindings/LiveTestReport";
import type { ServerSettings } from "../../bindings/ServerSettings";
import { certificateAdvice, nextRun, offeredFolders, placeReport, providerHelp, sameSettings, serverSettings } from "../../setup";
import { certificateBox, errorBody, setBusy, setLabel, stepError, TestProgress, type FormField } from "../form";
import { sameCredential, wizardHelpLink, type Credential, type WizardCore } from "./shared";

/** How long a passed test stays on screen before the folders show. */
const PASSED_PAUSE_MS = 700;

export class LiveTestPart {
  readonly progress = new TestProgress("wizard-test-steps");
  readonly passed = h("p", { class: "passed", data: { test: "wizard-test-ok" }, attrs: { role: "status" } });
  /** An error of the step as a whole. */
  readonly error = stepError("wizard-server-error");
  /** What the provider's help pages say about a refused sign-in (e.g. app passwords). */
  readonly providerSlot = h("div", { class: "provider-help", data: { test: "wizard-provider" } });
  readonly testBtn: HTMLButtonElement;
  /** The settings and credential the last test passed with. */
  private tested: { settings: ServerSettings; credential: Credential } | null = null;

  constructor(private readonly w: WizardCore) {
    this.testBtn = button(t("wizard-test"), () => w.submit(), { class: "primary", data: { test: "wizard-test" } });
  }

  /** Any change of the settings or password: the last test no longer vouches for them. */
  edited(f: FormField<HTMLInputElement | HTMLSelectElement>): void {
    f.clearError();
    this.updateLabel();
    this.w.server.updateSummary();
  }

  reset(): void {
    this.tested = null;
    this.progress.hide();
    this.passed.hidden = true;
    this.error.show(null);
    this.w.credential.password.clearError();
    this.w.credential.clearError();
    replace(this.w.server.certSlot);
    replace(this.providerSlot);
    this.updateLabel();
  }

  /** A passed test with the sign-in in the browser vouches for nothing once that is given up. */
  forgetSignedIn(): void {
    if (this.tested && "grant" in this.tested.credential) this.tested = null;
  }

  async test(): Promise<void> {
    const w = this.w;
    this.error.show(null);
    w.credential.clearError();
    for (const f of [w.credential.password, w.server.host, w.server.port, w.server.security, w.server.username, w.server.caFile]) f.clearError();
    const checked = serverSettings(w.server.form());
    if ("err" in checked) return w.place(checked.err);
    const credential = w.credential.current();
    if ("password" in credential && !credential.password) {
      return w.place({ field: "password", message: t("wizard-enter-password"), advice: null });
    }
    const settings = checked.ok;
    if (this.isTested(settings, credential)) return w.show("folders");

    const run = nextRun();
    this.tested = null;
    this.passed.hidden = true;
    replace(w.server.certSlot);
    replace(this.providerSlot);
    this.progress.start(run);
    setBusy(this.testBtn, t("busy-testing"));
    let report: LiveTestReport;
    try {
      report =
        "grant" in credential
          ? await w.app.api.testConnectionSignedIn(run, settings, credential.grant)
          : await w.app.api.testConnection(run, settings, credential.password);
    } catch (e) {
      this.progress.hide();
      return w.placeRefusal(e);
    } finally {
      setBusy(this.testBtn, null);
    }
    this.progress.finish(run, report);
    if (report.ok) {
      this.tested = { settings, credential };
      w.folders.set(report.folders);
      const n = offeredFolders(report.folders).length;
      this.passed.textContent = t("wizard-test-passed", { user: report.username, count: n });
      this.passed.hidden = false;
      this.updateLabel();
      setTimeout(() => {
        if (w.currentStep === "server" && this.tested?.settings === settings) w.show("folders");
      }, PASSED_PAUSE_MS);
      return;
    }
    this.updateLabel();
    this.showFailure(report, "grant" in credential);
  }

  private isTested(settings: ServerSettings, credential: Credential): boolean {
    return !!this.tested && sameSettings(this.tested.settings, settings) && sameCredential(this.tested.credential, credential);
  }

  private updateLabel(): void {
    const s = serverSettings(this.w.server.form());
    setLabel(this.testBtn, "ok" in s && this.isTested(s.ok, this.w.credential.current()) ? t("wizard-continue") : t("wizard-test"));
  }

  private showFailure(r: LiveTestReport, signedIn: boolean): void {
    const w = this.w;
    const p = placeReport(r, signedIn)!;
    // A refused token: only a new sign-in helps.
    if (p.field === "oauth") w.credential.dropGrant();
    const help = signedIn ? null : providerHelp(r);
    if (help) {
      replace(
        this.providerSlot,
        h("p", null, h("strong", null, help.name), ": ", help.note),
        h("p", { class: "help-line" }, t("wizard-how-to"), " ", wizardHelpLink(w.app, help.url)),
      );
    }
    const cert = certificateAdvice(r);
    if (cert && r.certificate) {
      // Why, in the user's language; OpenSSL's words under "Details".
      const message = `${t("cert-not-trusted", { host: r.host })} ${certReasonSentence(r.certificate.reason_kind)}`;
      w.server.caFile.showError(...errorBody({ field: "ca_file", message, advice: null, details: r.certificate.reason || null, said: true }));
      const fp = r.certificate.sha256_fingerprint;
      const trust = h("button", { class: "secondary", data: { test: "wizard-trust-cert" }, attrs: { type: "button" } }, t("cert-trust"));
      trust.addEventListener("click", () => {
        // Tested again with exactly this certificate accepted; pinned when the account is added.
        w.server.pin = fp;
        void this.test();
      });
      replace(
        w.server.certSlot,
        certificateBox(r.certificate),
        h("p", { class: "cert-todo", data: { test: "wizard-ca-todo" } }, cert.text),
        h("p", { class: "hint" }, t("cert-trust-hint", { host: r.host })),
        h("div", { class: "wizard-actions" }, h("span", { class: "spacer" }), trust),
      );
      w.server.expand(true);
      w.server.caFile.input.focus();
      return;
    }
    w.place(p);
  }
}
