// An account's editor (a page of Accounts): a new password, tested with the account's stored
// server settings before it is saved (or, for an account that signs in with OAuth2, signing in
// again in the browser); the watched folders; the check interval; where its messages open
// ("Open in…"); and removing the account after a confirmation on the page.
//
// Like the wizard it owns its DOM and updates it in place: a render never takes the typed
// password or the focus away.

import { button, h, replace, toggle } from "../dom";
import { t } from "../i18n";
import { toAppError, type Api } from "../bridge";
import type { Account } from "../bindings/Account";
import type { AccountView } from "../bindings/AccountView";
import type { StepReport } from "../bindings/StepReport";
import { accountView, folderKey } from "../model";
import { needsSignInAgain, nextRun, oauthProviderName, placeError, placeReport, providerHelp } from "../setup";
import { accountIntervalSelect, errorText, watchToggles, type Ctx } from "./common";
import { problemSentence, problemText } from "../problem";
import { certificateBox, errorBody, helpLink, passwordField, setBusy, stepError, TestProgress } from "./form";
import { OpenInChooser } from "./openin";
import { BrowserSignIn } from "./signin";

export type EditorApi = Pick<Api, "testConnection" | "setPassword" | "removeAccount" | "trustCertificate" | "setCaFile" | "chooseCaFile" | "signInAgain" | "oauthOffer" | "oauthOpen" | "oauthCancel" | "openLink" | "openInOptions" | "setOpenIn">;

export type EditorHost = {
  api: EditorApi;
  back: () => void;
  removed: (a: Account) => void;
};

export class Editor {
  readonly root: HTMLElement;
  private readonly title = h("h1", { data: { test: "editor-title" } });
  private readonly facts = h("p", { class: "facts" });
  /** The engine's latest word on the account (e.g. a refused password). */
  private readonly status = h("div", null);
  private readonly password = passwordField({
    label: t("editor-new-password"),
    test: "editor-password",
    hint: t("editor-new-password-hint"),
  });
  private readonly progress = new TestProgress("editor-test-steps");
  private readonly saved = h("p", { class: "passed", data: { test: "editor-password-saved" }, attrs: { role: "status" } });
  private readonly saveBtn: HTMLButtonElement;
  private readonly intervalSlot = h("div", { class: "settings-row" });
  private readonly intervalError = h("div", null);
  private readonly foldersSlot = h("div", { data: { test: "editor-folders" } });
  /** Whether the account rings at all (its mail is listed and counted either way). */
  private readonly notifySlot = h("div", { class: "account-rings" });
  /** The server's certificate: the one under review, the pinned one, or the CA file trusted. */
  private readonly certSlot = h("div", { data: { test: "editor-certificate" } });
  private readonly certCard: HTMLElement;
  private readonly certError = stepError("editor-cert-error");
  private readonly removeBtn: HTMLButtonElement;
  private readonly confirm: HTMLElement;
  private readonly keepBtn: HTMLButtonElement;
  private readonly confirmBtn: HTMLButtonElement;
  private readonly removeError = stepError("editor-remove-error");
  /** What removing deletes from the keyring: the password, or the sign-in. */
  private readonly removeSecret = h("li", null, t("editor-remove-password"));
  private readonly backBtn: HTMLButtonElement;
  // An OAuth2 account's sign-in
  private readonly signedIn = h("p", { class: "signed-in", data: { test: "editor-oauth" } });
  private readonly signInHint = h("p", { class: "hint" });
  private readonly signIn: BrowserSignIn;
  private readonly signInBtn: HTMLButtonElement;
  private readonly signInError = stepError("editor-oauth-error");
  private readonly signInDone = h("p", { class: "passed", data: { test: "editor-signed-in" }, attrs: { role: "status" } });
  private providerName = "";
  /** The provider's name is known (an OAuth2 account's editor asks for it once). */
  private readonly named: Promise<void>;
  private failing = false;
  private account: Account;
  private shown = { interval: "", folders: "", notify: "" };
  private busy = false;

  constructor(
    private readonly host: EditorHost,
    view: AccountView,
  ) {
    this.account = view.account;
    this.saveBtn = button(t("editor-test-and-save"), () => this.savePassword(), { class: "primary", data: { test: "editor-save-password" } });
    this.removeBtn = button(t("editor-remove-account-ellipsis"), () => this.askRemove(true), { class: "danger", data: { test: "editor-remove" } });
    this.keepBtn = button(t("editor-keep"), () => this.askRemove(false), { class: "secondary", data: { test: "editor-keep" } });
    this.confirmBtn = button(t("editor-remove-account"), () => this.remove(), { class: "danger solid", data: { test: "editor-confirm-remove" } });
    this.backBtn = button(t("editor-back"), () => host.back(), { class: "secondary back", data: { test: "editor-back" } });
    this.signIn = new BrowserSignIn(host.api, "editor-signin");
    this.signInBtn = button(t("account-sign-in-again"), () => this.signInAgain(), { class: "secondary", data: { test: "editor-sign-in-again" } });
    this.signInDone.hidden = true;
    this.named = this.nameProvider(view.account);
    this.password.input.addEventListener("input", () => {
      this.password.clearError();
      this.saved.hidden = true;
    });
    this.password.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.isComposing) {
        ev.preventDefault();
        void this.savePassword();
      }
    });
    this.saved.hidden = true;

    this.confirm = h(
      "div",
      { class: "confirm", data: { test: "editor-confirm" }, attrs: { role: "group", "aria-labelledby": "editor-confirm-title" } },
      h("p", { class: "confirm-title", attrs: { id: "editor-confirm-title" } }, t("editor-remove-question")),
      h(
        "ul",
        null,
        h("li", null, t("editor-remove-stops")),
        this.removeSecret,
        h("li", null, t("editor-remove-stored")),
      ),
      h("p", { class: "hint" }, t("editor-remove-server-unchanged")),
      this.removeError.el,
      h("div", { class: "wizard-actions" }, h("span", { class: "spacer" }), this.keepBtn, this.confirmBtn),
    );
    this.confirm.hidden = true;

    this.root = h(
      "section",
      { class: "view editor", data: { test: "editor", account: view.account.id } },
      h(
        "div",
        { class: "view-head" },
        this.backBtn,
        h("div", { class: "who" }, this.title, this.facts),
      ),
      this.status,
      view.account.oauth
        ? this.card(
            t("editor-card-sign-in"),
            this.signedIn,
            this.signInHint,
            this.signIn.root,
            this.signInError.el,
            this.signInDone,
            h("div", { class: "wizard-actions" }, h("span", { class: "spacer" }), this.signInBtn),
          )
        : this.card(
            t("editor-card-password"),
            this.password.row,
            this.progress.root,
            this.saved,
            h("div", { class: "wizard-actions" }, h("span", { class: "spacer" }), this.saveBtn),
          ),
      (this.certCard = this.card(t("cert-card-title"), this.certSlot, this.certError.el)),
      this.card(t("editor-card-checking"), this.intervalSlot, h("p", { class: "hint" }, t("interval-field-hint")), this.intervalError),
      this.card(t("settings-watched-folders"), this.notifySlot, this.foldersSlot),
      this.card(t("settings-open-in"), new OpenInChooser(host.api, view.account.id).root),
      this.card(
        t("editor-card-remove"),
        h("div", { class: "settings-row" }, h("p", { class: "hint" }, t("editor-remove-hint")), h("span", { class: "spacer" }), this.removeBtn),
        this.confirm,
      ),
    );
  }

  get accountId(): string {
    return this.account.id;
  }

  /** The name the account's sign-in provider goes by: the built-in one's, or what the
   * administrator's providers file calls it (asked once). */
  private async nameProvider(a: Account): Promise<void> {
    const { oauth, email, host } = a;
    if (!oauth) return;
    this.providerName = oauthProviderName(oauth);
    try {
      const offer = await this.host.api.oauthOffer(email, host);
      if (offer && offer.provider === oauth.provider) this.providerName = offer.name;
    } catch {
      // The built-in name or the server's host will do.
    }
    this.describeSignIn();
  }

  private describeSignIn(): void {
    const a = this.account;
    if (!a.oauth) return;
    const name = this.providerName;
    this.signedIn.textContent = this.failing ? t("editor-sign-in-ended", { provider: name }) : t("editor-signed-in-as", { provider: name, user: a.username });
    this.signedIn.classList.toggle("ended", this.failing);
    this.signInHint.textContent = t("editor-sign-in-hint", { provider: name });
    this.removeSecret.textContent = a.oauth.revoke_url ? t("editor-remove-sign-in-revoked", { provider: name }) : t("editor-remove-sign-in");
    this.signInBtn.classList.toggle("primary", this.failing);
    this.signInBtn.classList.toggle("secondary", !this.failing);
  }

  /** Brings the account's data up to date in place. The parts a render may rebuild (interval,
   * folders) are rebuilt only when what they show changed, and keep the focus. */
  update(ctx: Ctx): void {
    const v = accountView(ctx.state, this.account.id);
    if (!v) return;
    const a = (this.account = v.account);
    this.title.textContent = a.display_name || a.email;
    this.facts.textContent = `${a.display_name ? `${a.email} · ` : ""}${a.host}:${a.port} · ${a.security.toUpperCase()} · ${a.username}`;

    replace(this.status, problemText(v.status?.problem, v.status?.error, "editor-account-error"));
    this.showCertificate(v);
    if (a.oauth) {
      this.failing = needsSignInAgain(v);
      this.describeSignIn();
    }

    const intervalKey = `${a.interval_secs}`;
    const select = this.intervalSlot.querySelector("select");
    if (intervalKey !== this.shown.interval && !(select && (select.disabled || document.activeElement === select))) {
      this.shown.interval = intervalKey;
      replace(
        this.intervalSlot,
        h("label", { attrs: { for: "editor-interval" } }, t("interval-field-label")),
        accountIntervalSelect(ctx, a, { test: "editor-interval", id: "editor-interval" }),
      );
    }
    replace(this.intervalError, errorText(ctx.state.actionErrors.get(`interval:${a.id}`)));

    const notifyKey = JSON.stringify([a.notify, ctx.state.actionErrors.get(`notify:${a.id}`) ?? null]);
    if (notifyKey !== this.shown.notify && !this.notifySlot.querySelector("input:disabled")) {
      this.shown.notify = notifyKey;
      const refocus = document.activeElement?.closest('[data-test="account-notify"]') !== null && this.notifySlot.contains(document.activeElement);
      replace(
        this.notifySlot,
        h(
          "div",
          { class: "settings-row" },
          toggle(t("settings-account-rings"), a.notify, (on) => ctx.actions.setAccountNotify(a.id, on), { data: { test: "account-notify" } }),
          a.notify ? null : h("span", { class: "hint" }, t("settings-account-rings-off")),
        ),
        errorText(ctx.state.actionErrors.get(`notify:${a.id}`)),
      );
      if (refocus) this.notifySlot.querySelector("input")?.focus();
    }

    const foldersKey = JSON.stringify(
      v.folders.map((f) => [f.name, f.watched, f.notify, f.special_use, ctx.state.actionErrors.get(`watch:${folderKey(a.id, f.name)}`) ?? null, ctx.state.actionErrors.get(`ring:${folderKey(a.id, f.name)}`) ?? null]),
    );
    const busy = this.foldersSlot.querySelector("input:disabled");
    if (foldersKey !== this.shown.folders && !busy) {
      this.shown.folders = foldersKey;
      // The switch with the focus (a folder's watch or ring switch) gets it back.
      const focused = (document.activeElement?.closest("[data-folder]") as HTMLElement | null)?.dataset;
      replace(this.foldersSlot, v.folders.length ? watchToggles(ctx, v) : h("p", { class: "hint" }, t("settings-folders-after-check")));
      if (focused?.folder !== undefined && this.foldersSlot.isConnected) {
        [...this.foldersSlot.querySelectorAll<HTMLElement>("[data-folder]")].find((el) => el.dataset.folder === focused.folder && el.dataset.test === focused.test)?.querySelector("input")?.focus();
      }
    }
  }

  onTestStep(run: number, step: StepReport): void {
    this.progress.step(run, step);
  }

  /** A `sign_in_url` app event. */
  onSignInUrl(run: number, url: string): void {
    this.signIn.onUrl(run, url);
  }

  /** The editor is left: a sign-in still waited for is given up. */
  dispose(): void {
    this.signIn.cancel();
  }

  /** Shows the card a main button of the account's card opened: its password field, or the
   * certificate under review. */
  reveal(part: "password" | "certificate"): void {
    const target = part === "password" && !this.account.oauth ? this.password.input : (this.certCard.querySelector<HTMLElement>("button.primary") ?? this.certCard.querySelector<HTMLElement>("button"));
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    target.focus();
  }

  private certKey = "";

  /** The certificate card: a certificate the server presents that is not trusted (or not the
   * one trusted before), with "Trust this certificate" and the CA file chooser; else what the
   * account trusts beyond the system's CAs. Hidden when there is nothing to say. */
  private showCertificate(v: AccountView): void {
    const a = v.account;
    const p = v.status?.problem;
    const review = p && (p.kind === "cert_untrusted" || p.kind === "cert_changed") ? p : null;
    const key = JSON.stringify([review?.kind, review?.certificate?.sha256_fingerprint, a.pinned_cert_sha256, a.ca_file]);
    if (key === this.certKey) return;
    this.certKey = key;
    const api = this.host.api;
    const act = (label: string, test: string, primary: boolean, run: () => Promise<unknown>) =>
      button(
        label,
        async () => {
          this.certError.show(null);
          try {
            await run();
          } catch (e) {
            this.certError.show(placeError(toAppError(e)));
          }
        },
        { class: primary ? "primary" : "secondary", data: { test } },
      );
    const chooseCa = act(a.ca_file ? t("cert-choose-another-ca") : t("cert-use-ca-file"), "editor-choose-ca", false, async () => {
      const path = await api.chooseCaFile();
      if (path) await api.setCaFile(a.id, path);
    });
    const parts: (Node | null)[] = [];
    if (review) {
      parts.push(h("p", { class: "cert-lead" }, problemSentence(review)));
      if (review.certificate) {
        parts.push(certificateBox(review.certificate));
        parts.push(
          h("p", { class: "hint" }, t("cert-trust-hint", { host: a.host })),
        );
      }
      if (review.kind === "cert_changed" && review.pinned_sha256) parts.push(h("p", { class: "hint", data: { test: "editor-cert-pinned" } }, t("cert-had-trusted", { sha256: review.pinned_sha256 })));
      const fp = review.certificate?.sha256_fingerprint;
      parts.push(
        h(
          "div",
          { class: "wizard-actions" },
          h("span", { class: "spacer" }),
          chooseCa,
          fp ? act(t("cert-trust"), "editor-trust-cert", true, () => api.trustCertificate(a.id, fp)) : null,
        ),
      );
    } else if (a.pinned_cert_sha256 || a.ca_file) {
      if (a.pinned_cert_sha256) parts.push(h("p", { data: { test: "editor-cert-pinned" } }, t("cert-pinned", { host: a.host, sha256: a.pinned_cert_sha256 })));
      if (a.ca_file) parts.push(h("p", { data: { test: "editor-ca-file" } }, t("cert-ca-file", { path: a.ca_file })));
      parts.push(
        h(
          "div",
          { class: "wizard-actions" },
          h("span", { class: "spacer" }),
          a.pinned_cert_sha256 ? act(t("cert-forget"), "editor-forget-cert", false, () => api.trustCertificate(a.id, null)) : null,
          a.ca_file ? act(t("cert-system-only"), "editor-clear-ca", false, () => api.setCaFile(a.id, null)) : chooseCa,
        ),
      );
    }
    this.certCard.hidden = parts.length === 0;
    replace(this.certSlot, ...parts);
  }

  focus(): void {
    if (!this.account.oauth) return this.password.input.focus();
    if (this.signIn.running) return this.signIn.focus();
    (this.failing ? this.signInBtn : this.backBtn).focus();
  }

  /** Signs the OAuth2 account in again in the browser; the account restarts with it. */
  async signInAgain(): Promise<void> {
    if (this.busy || !this.account.oauth) return;
    this.busy = true;
    this.signInError.show(null);
    this.signInDone.hidden = true;
    setBusy(this.signInBtn, t("busy-signing-in"));
    const id = this.account.id;
    try {
      await this.named;
      const outcome = await this.signIn.start(this.providerName, (run) => this.host.api.signInAgain(run, id));
      if (outcome.ok) {
        this.signInDone.textContent = t("editor-signed-in-again");
        this.signInDone.hidden = false;
      } else if (outcome.error) {
        this.signInError.show({ ...placeError(outcome.error), advice: t("editor-try-again") });
      }
    } finally {
      this.busy = false;
      setBusy(this.signInBtn, null);
    }
    if (!this.signInDone.hidden) this.backBtn.focus();
    else this.signInBtn.focus();
  }

  private card(title: string, ...children: (Node | null)[]): HTMLElement {
    return h("article", { class: "card" }, h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, title))), h("div", { class: "card-body" }, ...children));
  }


  /** Tests the new password with the stored settings; saves it only when the test passes. */
  private async savePassword(): Promise<void> {
    if (this.busy) return;
    this.password.clearError();
    this.saved.hidden = true;
    const password = this.password.value;
    if (!password) {
      this.password.showError(h("p", { class: "error-message" }, t("editor-enter-new-password")));
      this.password.input.focus();
      return;
    }
    const a = this.account;
    const run = nextRun();
    this.busy = true;
    this.progress.start(run);
    setBusy(this.saveBtn, t("busy-testing"));
    try {
      const report = await this.host.api.testConnection(run, { host: a.host, port: a.port, security: a.security, username: a.username, ca_file: a.ca_file, pinned_cert_sha256: a.pinned_cert_sha256 ?? undefined }, password);
      this.progress.finish(run, report);
      if (!report.ok) {
        const help = providerHelp(report);
        this.password.showError(
          ...errorBody(placeReport(report)!),
          report.certificate ? certificateBox(report.certificate) : null,
          help ? h("p", { class: "help-line" }, `${help.name}: ${help.note} `, helpLink(help.url, (u) => this.host.api.openLink(u))) : null,
        );
        this.password.input.focus();
        return;
      }
      setBusy(this.saveBtn, t("busy-saving"));
      await this.host.api.setPassword(a.id, password);
      this.password.value = "";
      this.saved.textContent = t("editor-password-saved");
      this.saved.hidden = false;
    } catch (e) {
      this.password.showError(...errorBody(placeError(toAppError(e))));
      this.password.input.focus();
    } finally {
      this.busy = false;
      setBusy(this.saveBtn, null);
    }
  }

  private askRemove(open: boolean): void {
    this.confirm.hidden = !open;
    this.removeBtn.hidden = open;
    this.removeError.show(null);
    (open ? this.keepBtn : this.removeBtn).focus();
  }

  private async remove(): Promise<void> {
    setBusy(this.confirmBtn, t("busy-removing"));
    this.keepBtn.disabled = true;
    try {
      await this.host.api.removeAccount(this.account.id);
    } catch (e) {
      this.removeError.show(placeError(toAppError(e)));
      return;
    } finally {
      setBusy(this.confirmBtn, null);
      this.keepBtn.disabled = false;
    }
    this.host.removed(this.account);
  }
}
