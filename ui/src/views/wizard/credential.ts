// The sign-in step's credential: the password, or the sign-in in the browser (OAuth2) where the provider offers one.

import { button, h, replace, type Child } from "../../dom";
import { t } from "../../i18n";
import { toAppError } from "../../bridge";
import type { Offer } from "../../bindings/Offer";
import { sentence } from "../../format";
import { placeError, sameOffer, serverSettings, usableOffer } from "../../setup";
import { passwordField, setBusy, setLabel } from "../form";
import { BrowserSignIn } from "../signin";
import type { Credential, Slot, WizardCore } from "./shared";

/** How long the server's name must rest before the sign-in it offers is asked again. */
const OFFER_DEBOUNCE_MS = 400;

export class CredentialPart {
  readonly password = passwordField({ label: t("wizard-password"), test: "wizard-password", hint: t("wizard-password-hint") });
  readonly oauthBox: HTMLElement;
  readonly useOAuthLine: HTMLElement;
  /** Why the provider's sign-in in the browser cannot be used: said calmly, beside the password. */
  readonly unavailable = h("div", { class: "calm-hint", data: { test: "wizard-oauth-unavailable" } });
  readonly signIn: BrowserSignIn;
  /** The sign-in in the browser as a field: its errors, and focus on its button. */
  readonly slot: Slot;
  private readonly oauthIntro = h("p", { class: "hint oauth-intro" });
  private readonly oauthBtn: HTMLButtonElement;
  private readonly oauthDone = h("p", { class: "passed oauth-done", data: { test: "wizard-oauth-done" }, attrs: { role: "status" } });
  private readonly oauthError = h("div", { class: "field-error", data: { test: "wizard-oauth-error" }, attrs: { role: "alert", id: "wizard-oauth-error" } });
  private readonly usePasswordBtn: HTMLButtonElement;
  private readonly useOAuthBtn: HTMLButtonElement;
  private offer: Offer | null = null;
  private offerToken = 0;
  private offerTimer: ReturnType<typeof setTimeout> | null = null;
  /** The user chose a password although the provider offers a sign-in in the browser. */
  private usePassword = false;
  /** The finished sign-in (its run id), until the account is added or it is given up. */
  private grant: number | null = null;

  constructor(private readonly w: WizardCore) {
    this.signIn = new BrowserSignIn(w.app.api, "wizard-signin");
    this.oauthBtn = button(t("wizard-sign-in"), () => w.submit(), { class: "primary", data: { test: "wizard-oauth-sign-in" } });
    this.usePasswordBtn = button(t("wizard-use-password"), () => this.choosePassword(true), { class: "link", data: { test: "wizard-use-password" } });
    this.useOAuthBtn = button(t("wizard-use-oauth"), () => this.choosePassword(false), { class: "link", data: { test: "wizard-use-oauth" } });
    this.useOAuthLine = h("p", { class: "use-oauth" }, this.useOAuthBtn);
    this.oauthError.hidden = true;
    this.oauthBox = h(
      "div",
      { class: "oauth", data: { test: "wizard-oauth" } },
      this.oauthIntro,
      h("div", { class: "oauth-actions" }, this.oauthBtn, this.oauthDone, h("span", { class: "spacer" }), this.usePasswordBtn),
      this.oauthError,
      this.signIn.root,
    );
    this.unavailable.hidden = true;
    this.slot = { showError: (...c) => this.showError(...c), clearError: () => this.clearError(), focus: () => this.control().focus() };
    this.password.input.addEventListener("input", () => w.live.edited(this.password));
  }

  /** Signing in in the browser rather than with a password. */
  get oauthMode(): boolean {
    return usableOffer(this.offer) && !this.usePassword;
  }

  /** The provider's sign-in in the browser, as the server offers it (usable or not). */
  get provider(): Offer | null {
    return this.offer;
  }

  /** The sign-in step's main action: sign in in the browser first where that is the way, then
   * test the connection (or go on when it passed with these settings already). */
  async action(): Promise<void> {
    if (this.oauthMode && this.grant === null) return this.signInWithBrowser();
    return this.w.live.test();
  }

  /** What a test signs in with now: the finished sign-in, or the password typed. */
  current(): Credential {
    return this.oauthMode && this.grant !== null ? { grant: this.grant } : { password: this.password.value };
  }

  /** The control the sign-in step starts at: the password, or the sign-in in the browser. */
  control(): HTMLElement {
    if (!this.oauthMode) return this.password.input;
    return this.grant === null ? this.oauthBtn : this.w.live.testBtn;
  }

  focus(): void {
    if (this.signIn.running) this.signIn.focus();
    else this.control().focus();
  }

  /** The wizard is left: a sign-in still waited for, or finished and not used, is given up. */
  dispose(): void {
    if (this.offerTimer) clearTimeout(this.offerTimer);
    this.offerToken++;
    this.signIn.cancel();
    this.dropGrant();
  }

  /** A new address: its sign-in is asked anew. */
  forgetOffer(): void {
    this.offerToken++;
    this.setOffer(null, null);
  }

  askOfferSoon(): void {
    if (this.offerTimer) clearTimeout(this.offerTimer);
    this.offerTimer = setTimeout(() => {
      this.offerTimer = null;
      void this.askOffer();
    }, OFFER_DEBOUNCE_MS);
  }

  /** Asks which sign-in the address (or the server) offers; the latest question wins. */
  async askOffer(): Promise<void> {
    const email = this.w.server.discovered?.email;
    if (!email) return;
    const token = ++this.offerToken;
    let offer: Offer | null = null;
    let problem: string | null = null;
    try {
      offer = await this.w.app.api.oauthOffer(email, this.w.server.host.value.trim());
    } catch (e) {
      // A broken providers file: passwords still work.
      problem = t("wizard-oauth-unavailable", { reason: toAppError(e).message });
    }
    if (token === this.offerToken) this.setOffer(offer, problem);
  }

  private setOffer(offer: Offer | null, problem: string | null): void {
    const hadFocus = document.activeElement === this.password.input;
    if (!sameOffer(offer, this.offer)) {
      // Another provider: what was signed in with the last one is of no use.
      this.signIn.cancel();
      this.dropGrant();
      this.offer = offer;
      this.usePassword = false;
      this.w.live.reset();
    }
    // The engine's reason (it names the setting that registers a client) goes under Details.
    const why = problem ?? (offer?.unavailable ? t("signin-no-client", { provider: offer.name }) : null);
    const details = problem ? null : (offer?.unavailable ?? null);
    replace(
      this.unavailable,
      why ? h("p", null, sentence(why)) : null,
      details ? h("details", { class: "problem-details" }, h("summary", null, t("problem-details")), h("pre", { class: "raw-words" }, details)) : null,
    );
    this.unavailable.hidden = !why;
    this.draw();
    if (hadFocus && this.password.row.hidden) this.control().focus();
  }

  /** Shows the sign-in in the browser or the password field, as the offer and the user's choice say. */
  draw(): void {
    const offer = usableOffer(this.offer) ? this.offer : null;
    const oauth = this.oauthMode;
    this.oauthBox.hidden = !oauth;
    this.password.row.hidden = oauth;
    this.useOAuthLine.hidden = !offer || oauth;
    this.w.live.testBtn.hidden = oauth && this.grant === null;
    if (!offer) return;
    this.oauthIntro.textContent = t("wizard-oauth-intro", { provider: offer.name });
    setLabel(this.oauthBtn, t("wizard-sign-in-with", { provider: offer.name }));
    setLabel(this.useOAuthBtn, t("wizard-sign-in-with-instead", { provider: offer.name }));
    this.oauthBtn.hidden = this.grant !== null;
    this.oauthDone.hidden = this.grant === null;
    this.oauthDone.textContent = t("wizard-signed-in-with", { provider: offer.name });
  }

  /** "Use a password instead" (true), or back to the sign-in in the browser (false). */
  private choosePassword(on: boolean): void {
    this.signIn.cancel();
    this.usePassword = on;
    this.w.live.reset();
    this.draw();
    this.control().focus();
  }

  /** Gives a finished sign-in up (the app forgets its tokens). */
  dropGrant(): void {
    if (this.grant === null) return;
    const grant = this.grant;
    this.grant = null;
    this.w.live.forgetSignedIn();
    this.w.app.api.oauthCancel(grant).catch(() => {});
    this.draw();
  }

  /** The added account owns the sign-in now: leaving the wizard must not give it up. */
  handOver(): void {
    this.grant = null;
  }

  private showError(...content: Child[]): void {
    replace(this.oauthError, ...content);
    this.oauthError.hidden = false;
    this.oauthBtn.setAttribute("aria-describedby", this.oauthError.id);
  }

  clearError(): void {
    this.oauthError.hidden = true;
    this.oauthError.replaceChildren();
    this.oauthBtn.removeAttribute("aria-describedby");
  }

  /** Signs in in the browser as the user name of the form, then tests the connection with it. */
  private async signInWithBrowser(): Promise<void> {
    const w = this.w;
    const offer = this.offer;
    if (!usableOffer(offer)) return;
    w.live.error.show(null);
    this.clearError();
    const checked = serverSettings(w.server.form());
    if ("err" in checked) return w.place(checked.err);
    const email = w.server.discovered?.email ?? w.address.email.value.trim();
    const { host, username } = checked.ok;
    setBusy(this.oauthBtn, t("busy-signing-in"));
    let outcome;
    try {
      outcome = await this.signIn.start(offer.name, (run) => w.app.api.oauthSignIn(run, email, host, username));
    } finally {
      setBusy(this.oauthBtn, null);
    }
    if (!sameOffer(offer, this.offer)) {
      // The server changed meanwhile: this sign-in is for another provider.
      if (outcome.ok) w.app.api.oauthCancel(outcome.run).catch(() => {});
      return;
    }
    if (!outcome.ok) {
      if (outcome.error) return w.place({ ...placeError(outcome.error), field: "oauth", advice: t("wizard-oauth-try-again") });
      return this.oauthBtn.focus();
    }
    this.grant = outcome.run;
    this.draw();
    await w.live.test();
  }
}
