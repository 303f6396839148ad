// The account setup wizard: address → discovered server settings and password (or, where the
// provider offers it, a sign-in in the browser), with a live connection test → folders to
// watch → check interval and notifications → added.
//
// The wizard owns its DOM: it is built once and updated in place, never rebuilt by a render, so
// engine events that arrive while the user types lose neither text nor focus (main.ts mounts
// `root` and calls `update()`). Its logic (candidates, error placement, progress) is ../setup.ts.

import { button, h, replace, toggle, type Child } from "../dom";
import { toAppError, type Api } from "../bridge";
import type { Account } from "../bindings/Account";
import type { AccountSetup } from "../bindings/AccountSetup";
import type { Candidate } from "../bindings/Candidate";
import type { DiscoveryView } from "../bindings/DiscoveryView";
import type { FolderInfo } from "../bindings/FolderInfo";
import type { LiveTestReport } from "../bindings/LiveTestReport";
import type { Offer } from "../bindings/Offer";
import type { Security } from "../bindings/Security";
import type { ServerSettings } from "../bindings/ServerSettings";
import type { StepReport } from "../bindings/StepReport";
import { sentence, specialUseText } from "../format";
import {
  blankForm,
  candidateLabel,
  certificateAdvice,
  defaultFolders,
  folderCounts,
  formFromCandidate,
  nextRun,
  offeredFolders,
  placeError,
  placeReport,
  portAfterSecurityChange,
  providerHelp,
  sameOffer,
  sameSettings,
  SECURITY_LABELS,
  serverSettings,
  sourceText,
  stepOfField,
  usableOffer,
  WIZARD_STEPS,
  type FieldName,
  type Placement,
  type ServerForm,
  type WizardStep,
} from "../setup";
import { intervalField } from "./common";
import {
  certificateBox,
  errorBody,
  FormField,
  helpLink,
  inputField,
  passwordField,
  selectField,
  setBusy,
  setLabel,
  setOptions,
  stepError,
  TestProgress,
} from "./form";
import { BrowserSignIn } from "./signin";

export type WizardApi = Pick<
  Api,
  | "discoverServers"
  | "testConnection"
  | "addAccount"
  | "oauthOffer"
  | "oauthSignIn"
  | "oauthCancel"
  | "oauthOpen"
  | "openLink"
  | "testConnectionSignedIn"
  | "addOAuthAccount"
>;

/** What the wizard needs from the window. */
export type WizardHost = {
  api: WizardApi;
  /** Whether there is somewhere to go back to (there are accounts already). */
  canCancel: () => boolean;
  cancel: () => void;
  added: (a: Account) => void;
  /** The global notification setting, and its change (through set_settings). */
  notifications: () => boolean | null;
  setNotifications: (on: boolean) => Promise<void>;
};

const STEP_TITLES: Record<WizardStep, string> = { address: "Address", server: "Sign in", folders: "Folders", finish: "Finish" };

/** Where a field's error shows, and where focus goes for it. */
type Slot = { showError: (...c: Child[]) => void; clearError: () => void; focus: () => void };

/** How long a passed test stays on screen before the folders show. */
const PASSED_PAUSE_MS = 700;
/** How long the server's name must rest before the sign-in it offers is asked again. */
const OFFER_DEBOUNCE_MS = 400;

/** What a connection test signs in with: the typed password, or a finished sign-in in the
 * browser (its run id). */
type Credential = { password: string } | { grant: number };

function sameCredential(a: Credential, b: Credential): boolean {
  return "grant" in a ? "grant" in b && a.grant === b.grant : "password" in b && a.password === b.password;
}

export class Wizard {
  readonly root: HTMLElement;
  private step: WizardStep = "address";
  private busy = false;
  private busySeq = 0;
  private readonly panels = new Map<WizardStep, HTMLElement>();
  private readonly stepper: HTMLOListElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly welcome: HTMLElement;
  private readonly head: HTMLElement;

  // Address
  private readonly email = inputField({ label: "Email address", test: "wizard-email", type: "email", autocomplete: "email", placeholder: "jane@example.org" });
  private readonly name = inputField({ label: "Name to show", test: "wizard-name", optional: true, placeholder: "e.g. Work", hint: "Shown instead of the address in Mailbell." });
  private readonly addressError = stepError("wizard-address-error");
  private readonly continueBtn: HTMLButtonElement;
  private readonly skipBtn: HTMLButtonElement;
  private discoveryToken = 0;
  private discovered: { email: string; view: DiscoveryView | null } | null = null;

  // Server
  private readonly serverTitle = h("h2", null);
  private readonly password = passwordField({ label: "Password", test: "wizard-password", hint: "Stored in your keyring (never on disk) once the account is added." });
  private readonly providerSlot = h("div", { class: "provider-help", data: { test: "wizard-provider" } });
  private readonly source = h("div", { class: "source", data: { test: "wizard-source" } });
  private readonly attempts = h("div", { class: "attempts-slot" });
  private readonly candidates = selectField({ label: "Settings found", test: "wizard-candidate", options: [], value: "" });
  private readonly note = h("div", { class: "provider-note", data: { test: "wizard-note" } });
  private readonly host = inputField({ label: "IMAP server", test: "wizard-host", placeholder: "imap.example.org" });
  private readonly port = inputField({ label: "Port", test: "wizard-port", inputmode: "numeric", class: "port" });
  private readonly security = selectField({
    label: "Encryption",
    test: "wizard-security",
    options: (Object.keys(SECURITY_LABELS) as Security[]).map((s) => [s, SECURITY_LABELS[s]] as const),
    value: "tls",
  });
  private readonly plainWarning = h(
    "p",
    { class: "warning", data: { test: "wizard-plain-warning" } },
    "Without encryption, your password and your mail cross the network readable by anyone on the way. Choose this only for a server on this computer or on a network you fully trust.",
  );
  private readonly username = inputField({ label: "User name", test: "wizard-username", autocomplete: "username" });
  private readonly caFile = inputField({
    label: "CA certificate file",
    test: "wizard-ca-file",
    optional: true,
    placeholder: "/home/you/ca.pem",
    hint: "For a self-hosted server whose certificate your own certificate authority signed: the full path of that CA's certificate (PEM).",
  });
  private readonly certSlot = h("div", { class: "cert-slot" });
  private readonly serverSummary = h("span", { class: "server-summary-text", data: { test: "wizard-server-summary" } });
  private readonly editServerBtn = h(
    "button",
    { class: "small", data: { test: "wizard-edit-server" }, attrs: { type: "button", "aria-expanded": "false", "aria-controls": "wizard-server-fields" } },
    "Change",
  );
  private readonly serverFields = h("div", { class: "server-fields", attrs: { id: "wizard-server-fields" } });
  private readonly progress = new TestProgress("wizard-test-steps");
  private readonly passed = h("p", { class: "passed", data: { test: "wizard-test-ok" }, attrs: { role: "status" } });
  private readonly serverError = stepError("wizard-server-error");
  private readonly testBtn: HTMLButtonElement;
  private candidateList: Candidate[] = [];
  private tested: { settings: ServerSettings; credential: Credential } | null = null;

  // Sign-in in the browser (OAuth2), where the provider offers it
  private readonly oauthBox: HTMLElement;
  private readonly oauthIntro = h("p", { class: "hint oauth-intro" });
  private readonly oauthBtn: HTMLButtonElement;
  private readonly oauthDone = h("p", { class: "passed oauth-done", data: { test: "wizard-oauth-done" }, attrs: { role: "status" } });
  private readonly oauthError = h("div", { class: "field-error", data: { test: "wizard-oauth-error" }, attrs: { role: "alert", id: "wizard-oauth-error" } });
  private readonly usePasswordBtn: HTMLButtonElement;
  private readonly useOAuthLine: HTMLElement;
  private readonly useOAuthBtn: HTMLButtonElement;
  private readonly unavailable = h("p", { class: "calm-hint", data: { test: "wizard-oauth-unavailable" } });
  private readonly signIn: BrowserSignIn;
  private offer: Offer | null = null;
  private offerToken = 0;
  private offerTimer: ReturnType<typeof setTimeout> | null = null;
  /** The user chose a password although the provider offers a sign-in in the browser. */
  private usePassword = false;
  /** The finished sign-in (its run id), until the account is added or it is given up. */
  private grant: number | null = null;

  // Folders
  private readonly folderList = h("div", { class: "folder-choices", data: { test: "wizard-folders" }, attrs: { role: "group", "aria-label": "Folders to watch" } });
  private readonly foldersSlot: Slot & { el: HTMLElement };
  private folders: FolderInfo[] = [];

  // Finish
  private readonly interval = intervalField(300, { test: "wizard-interval" });
  private readonly notify: HTMLLabelElement;
  private readonly summary = h("dl", { class: "facts-list summary", data: { test: "wizard-summary" } });
  private readonly finishError = stepError("wizard-finish-error");
  private readonly addBtn: HTMLButtonElement;

  constructor(private readonly app: WizardHost) {
    this.cancelBtn = button("Cancel", () => this.cancel(), { class: "secondary", data: { test: "wizard-cancel" } });
    this.continueBtn = button("Continue", () => this.submit(), { class: "primary", data: { test: "wizard-continue" } });
    this.skipBtn = button("Enter the settings myself", () => this.skipDiscovery(), { class: "secondary", data: { test: "wizard-skip" } });
    this.skipBtn.hidden = true;
    this.testBtn = button("Test connection", () => this.submit(), { class: "primary", data: { test: "wizard-test" } });
    this.signIn = new BrowserSignIn(app.api, "wizard-signin");
    this.oauthBtn = button("Sign in", () => this.submit(), { class: "primary", data: { test: "wizard-oauth-sign-in" } });
    this.usePasswordBtn = button("Use a password instead", () => this.choosePassword(true), { class: "link", data: { test: "wizard-use-password" } });
    this.useOAuthBtn = button("Sign in in the browser instead", () => this.choosePassword(false), { class: "link", data: { test: "wizard-use-oauth" } });
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
    this.addBtn = button("Add account", () => this.submit(), { class: "primary", data: { test: "wizard-add" } });
    this.notify = toggle("Show desktop notifications for new mail", app.notifications() ?? true, (on) => app.setNotifications(on), { data: { test: "wizard-notifications" } });
    const foldersError = h("div", { class: "field-error", data: { test: "wizard-folders-error" }, attrs: { role: "alert", id: "wizard-folders-error" } });
    foldersError.hidden = true;
    this.foldersSlot = {
      el: foldersError,
      showError: (...c) => {
        replace(foldersError, ...c);
        foldersError.hidden = false;
        this.folderList.setAttribute("aria-describedby", foldersError.id);
      },
      clearError: () => {
        foldersError.hidden = true;
        this.folderList.removeAttribute("aria-describedby");
      },
      focus: () => this.folderList.querySelector("input")?.focus(),
    };
    this.folderList.addEventListener("change", () => this.foldersSlot.clearError());

    this.welcome = h(
      "div",
      { class: "welcome", data: { test: "wizard-welcome" } },
      h("div", { class: "logo", attrs: { "aria-hidden": "true" } }),
      h("div", null, h("h1", null, "Welcome to Mailbell"), h("p", { class: "facts" }, "Mailbell tells you when new mail arrives. Set up the first account to watch.")),
    );
    this.stepper = h("ol", { class: "stepper", attrs: { "aria-label": "Steps" } }, ...WIZARD_STEPS.map((s, i) => h("li", { data: { step: s } }, h("span", { class: "num" }, String(i + 1)), STEP_TITLES[s])));

    this.panels.set("address", this.addressPanel());
    this.panels.set("server", this.serverPanel());
    this.panels.set("folders", this.foldersPanel());
    this.panels.set("finish", this.finishPanel());

    this.head = h("div", { class: "wizard-head" }, h("h1", { class: "wizard-title" }, "Add a mail account"), h("span", { class: "spacer" }), this.cancelBtn);
    this.root = h(
      "section",
      { class: "view wizard", data: { test: "wizard" }, on: { keydown: (ev) => this.onKey(ev) } },
      this.welcome,
      this.head,
      this.stepper,
      ...this.panels.values(),
    );
    this.drawOAuth();
    this.unavailable.hidden = true;
    this.show("address");
  }

  /** Brings what depends on the window's state up to date; typed values and focus stay. */
  update(): void {
    const first = !this.app.canCancel();
    this.cancelBtn.hidden = first;
    // A first run greets on its first step; the title says the rest.
    this.welcome.hidden = !first || this.step !== "address";
    this.head.hidden = !this.welcome.hidden;
    const input = this.notify.querySelector("input")!;
    const on = this.app.notifications();
    if (on !== null && !input.disabled) input.checked = on;
  }

  /** A `test_step` app event. */
  onTestStep(run: number, step: StepReport): void {
    this.progress.step(run, step);
  }

  /** A `sign_in_url` app event. */
  onSignInUrl(run: number, url: string): void {
    this.signIn.onUrl(run, url);
  }

  /** The wizard is left: a sign-in still waited for, or finished and not used, is given up. */
  dispose(): void {
    if (this.offerTimer) clearTimeout(this.offerTimer);
    this.offerToken++;
    this.signIn.cancel();
    this.dropGrant();
  }

  /** Focuses the first field of the current step (on the sign-in step: the password, or the
   * sign-in in the browser). */
  focus(): void {
    if (this.step === "server") return this.signIn.running ? this.signIn.focus() : this.serverControl().focus();
    this.panels.get(this.step)!.querySelector<HTMLElement>("input:not([type=hidden]):not(:disabled), select:not(:disabled)")?.focus();
  }

  private serverControl(): HTMLElement {
    if (!this.oauthMode) return this.password.input;
    return this.grant === null ? this.oauthBtn : this.testBtn;
  }

  /** Signing in in the browser rather than with a password. */
  private get oauthMode(): boolean {
    return usableOffer(this.offer) && !this.usePassword;
  }

  get currentStep(): WizardStep {
    return this.step;
  }

  // -------------------------------------------------------------------------------------------
  // Panels

  private addressPanel(): HTMLElement {
    this.email.input.addEventListener("input", () => this.email.clearError());
    return this.panel(
      "address",
      h("h2", null, "Which account should Mailbell watch?"),
      this.email.row,
      this.name.row,
      this.addressError.el,
      this.actions(null, this.skipBtn, this.continueBtn),
    );
  }

  private serverPanel(): HTMLElement {
    this.candidates.input.addEventListener("change", () => {
      this.applyCandidate(this.candidateList[Number(this.candidates.value)] ?? null);
      this.askOfferSoon();
    });
    this.security.input.addEventListener("change", () => {
      const from = (this.security.input.dataset.was ?? "tls") as Security;
      const to = this.security.value as Security;
      this.port.value = portAfterSecurityChange(this.port.value, from, to);
      this.securityChanged();
    });
    // Errors go while the user types (not on the change a click elsewhere fires: the layout
    // would move under the pointer and the click be lost).
    for (const f of [this.host, this.port, this.username, this.caFile, this.password]) f.input.addEventListener("input", () => this.serverEdited(f));
    this.security.input.addEventListener("change", () => this.serverEdited(this.security));
    this.editServerBtn.addEventListener("click", () => {
      this.expandServer(true);
      this.host.input.focus();
    });
    replace(
      this.serverFields,
      this.candidates.row,
      h("div", { class: "field-pair" }, this.host.row, this.port.row),
      this.security.row,
      this.plainWarning,
      this.username.row,
      this.caFile.row,
      this.certSlot,
    );
    const server = h(
      "fieldset",
      { class: "server" },
      h("legend", null, "Server"),
      this.source,
      this.attempts,
      this.note,
      h("div", { class: "server-summary" }, this.serverSummary, this.editServerBtn),
      this.serverFields,
    );
    // Ask again which sign-in the server offers once its name rests.
    this.host.input.addEventListener("input", () => this.askOfferSoon());
    return this.panel(
      "server",
      this.serverTitle,
      this.oauthBox,
      this.useOAuthLine,
      this.password.row,
      this.unavailable,
      this.providerSlot,
      server,
      this.progress.root,
      this.passed,
      this.serverError.el,
      this.actions("address", this.testBtn),
    );
  }

  /** The server settings as fields (`true`), or as one line with a Change button. */
  private expandServer(open: boolean): void {
    this.serverFields.hidden = !open;
    this.serverSummary.parentElement!.hidden = open;
    this.editServerBtn.setAttribute("aria-expanded", String(open));
  }

  private updateSummary(): void {
    const f = this.form();
    const parts = [`${f.host.trim() || "?"}:${f.port.trim() || "?"}`, f.security.toUpperCase(), `user ${f.username.trim() || "?"}`];
    if (f.caFile.trim()) parts.push("own CA");
    this.serverSummary.textContent = parts.join(" · ");
  }

  private foldersPanel(): HTMLElement {
    return this.panel(
      "folders",
      h("h2", null, "Choose the folders to watch"),
      h("p", { class: "hint" }, "Mailbell tells you about new mail in these folders. Junk, Trash, Sent and Drafts are left out unless you choose them."),
      this.folderList,
      this.foldersSlot.el,
      this.actions("server", button("Continue", () => this.submit(), { class: "primary", data: { test: "wizard-folders-next" } })),
    );
  }

  private finishPanel(): HTMLElement {
    return this.panel(
      "finish",
      h("h2", null, "Check for new mail"),
      this.interval.row,
      h("div", { class: "field" }, this.notify, h("p", { class: "hint" }, "For every account; you can change it any time in Settings.")),
      this.summary,
      this.finishError.el,
      this.actions("folders", this.addBtn),
    );
  }

  private panel(step: WizardStep, ...children: Child[]): HTMLElement {
    return h("div", { class: "wizard-panel", data: { test: `wizard-step-${step}`, stepPanel: step } }, ...children);
  }

  private actions(back: WizardStep | null, ...right: HTMLElement[]): HTMLElement {
    return h(
      "div",
      { class: "wizard-actions" },
      back ? button("Back", () => this.show(back), { class: "secondary", data: { test: "wizard-back" } }) : null,
      h("span", { class: "spacer" }),
      ...right,
    );
  }

  private show(step: WizardStep, focus = true): void {
    // Leaving the sign-in step stops waiting for the browser.
    if (step !== "server") this.signIn.cancel();
    this.step = step;
    this.root.dataset.step = step;
    for (const [s, p] of this.panels) p.hidden = s !== step;
    const at = WIZARD_STEPS.indexOf(step);
    this.stepper.querySelectorAll("li").forEach((li, i) => {
      li.className = i < at ? "done" : i === at ? "current" : "";
      if (i === at) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    if (step === "finish") this.fillSummary();
    this.update();
    if (focus) this.focus();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.key === "Escape" && this.app.canCancel()) {
      ev.preventDefault();
      this.cancel();
      return;
    }
    if (ev.key !== "Enter" || ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey || ev.isComposing) return;
    const t = ev.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement) {
      ev.preventDefault();
      void this.submit();
    }
  }

  private cancel(): void {
    if (this.app.canCancel()) this.app.cancel();
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  /** The current step's main action (its primary button, or Enter). */
  async submit(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const mine = ++this.busySeq;
    try {
      switch (this.step) {
        case "address":
          return await this.discover();
        case "server":
          return await this.serverAction();
        case "folders":
          return this.chooseFolders();
        case "finish":
          return await this.add();
      }
    } finally {
      if (mine === this.busySeq) this.busy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sign-in in the browser

  private askOfferSoon(): void {
    if (this.offerTimer) clearTimeout(this.offerTimer);
    this.offerTimer = setTimeout(() => {
      this.offerTimer = null;
      void this.askOffer();
    }, OFFER_DEBOUNCE_MS);
  }

  /** Asks which sign-in the address (or the server) offers; the latest question wins. */
  private async askOffer(): Promise<void> {
    const email = this.discovered?.email;
    if (!email) return;
    const token = ++this.offerToken;
    let offer: Offer | null = null;
    let problem: string | null = null;
    try {
      offer = await this.app.api.oauthOffer(email, this.host.value.trim());
    } catch (e) {
      // A broken providers file: passwords still work.
      problem = `Signing in through the browser is not available: ${toAppError(e).message}`;
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
      this.resetTest();
    }
    const why = problem ?? offer?.unavailable ?? null;
    this.unavailable.textContent = why ? sentence(why) : "";
    this.unavailable.hidden = !why;
    this.drawOAuth();
    if (hadFocus && this.password.row.hidden) this.serverControl().focus();
  }

  /** Shows the sign-in in the browser or the password field, as the offer and the user's choice say. */
  private drawOAuth(): void {
    const offer = usableOffer(this.offer) ? this.offer : null;
    const oauth = this.oauthMode;
    this.oauthBox.hidden = !oauth;
    this.password.row.hidden = oauth;
    this.useOAuthLine.hidden = !offer || oauth;
    this.testBtn.hidden = oauth && this.grant === null;
    if (!offer) return;
    this.oauthIntro.textContent = `${offer.name} signs mail programs in on its own page, in your browser: Mailbell never sees your password there.`;
    setLabel(this.oauthBtn, `Sign in with ${offer.name}`);
    setLabel(this.useOAuthBtn, `Sign in with ${offer.name} instead`);
    this.oauthBtn.hidden = this.grant !== null;
    this.oauthDone.hidden = this.grant === null;
    this.oauthDone.textContent = `✓ Signed in with ${offer.name}.`;
  }

  /** "Use a password instead" (true), or back to the sign-in in the browser (false). */
  private choosePassword(on: boolean): void {
    this.signIn.cancel();
    this.usePassword = on;
    this.resetTest();
    this.drawOAuth();
    this.serverControl().focus();
  }

  /** Gives a finished sign-in up (the app forgets its tokens). */
  private dropGrant(): void {
    if (this.grant === null) return;
    const grant = this.grant;
    this.grant = null;
    if (this.tested && "grant" in this.tested.credential) this.tested = null;
    this.app.api.oauthCancel(grant).catch(() => {});
    this.drawOAuth();
  }

  private showOAuthError(...content: Child[]): void {
    replace(this.oauthError, ...content);
    this.oauthError.hidden = false;
    this.oauthBtn.setAttribute("aria-describedby", this.oauthError.id);
  }

  private clearOAuthError(): void {
    this.oauthError.hidden = true;
    this.oauthError.replaceChildren();
    this.oauthBtn.removeAttribute("aria-describedby");
  }

  /** Signs in in the browser as the user name of the form, then tests the connection with it. */
  private async signInWithBrowser(): Promise<void> {
    const offer = this.offer;
    if (!usableOffer(offer)) return;
    this.serverError.show(null);
    this.clearOAuthError();
    const checked = serverSettings(this.form());
    if ("err" in checked) return this.place(checked.err);
    const email = this.discovered?.email ?? this.email.value.trim();
    const { host, username } = checked.ok;
    setBusy(this.oauthBtn, "Signing in…");
    let outcome;
    try {
      outcome = await this.signIn.start(offer.name, (run) => this.app.api.oauthSignIn(run, email, host, username));
    } finally {
      setBusy(this.oauthBtn, null);
    }
    if (!sameOffer(offer, this.offer)) {
      // The server changed meanwhile: this sign-in is for another provider.
      if (outcome.ok) this.app.api.oauthCancel(outcome.run).catch(() => {});
      return;
    }
    if (!outcome.ok) {
      if (outcome.error) return this.place({ ...placeError(outcome.error), field: "oauth", advice: "Try again, or use a password instead." });
      return this.oauthBtn.focus();
    }
    this.grant = outcome.run;
    this.drawOAuth();
    await this.test();
  }

  // -------------------------------------------------------------------------------------------
  // Steps (continued)

  private async discover(): Promise<void> {
    this.email.clearError();
    this.addressError.show(null);
    const email = this.email.value.trim();
    if (!email || !email.includes("@")) {
      this.place({ field: "email", message: email ? "Enter your whole email address, e.g. jane@example.org." : "Enter the email address of the account.", advice: null });
      return;
    }
    if (this.discovered?.email === email) return this.show("server");
    const token = ++this.discoveryToken;
    setBusy(this.continueBtn, "Looking up the settings…");
    this.skipBtn.hidden = false;
    let view: DiscoveryView;
    try {
      view = await this.app.api.discoverServers(email);
    } catch (e) {
      const p = placeError(toAppError(e));
      if (token !== this.discoveryToken) return;
      if (p.field === "email") return this.place(p);
      view = { domain: email.split("@").pop() ?? "", candidates: [], attempts: [], error: p.message };
    } finally {
      if (token === this.discoveryToken) {
        setBusy(this.continueBtn, null);
        this.skipBtn.hidden = true;
      }
    }
    if (token !== this.discoveryToken) return;
    this.fillServer(email, view);
    await this.askOffer();
    if (token !== this.discoveryToken) return;
    this.show("server");
  }

  /** Leaves a slow discovery: the settings are typed by hand. */
  private skipDiscovery(): void {
    const email = this.email.value.trim();
    this.discoveryToken++;
    setBusy(this.continueBtn, null);
    this.skipBtn.hidden = true;
    // The discovery still running no longer holds the wizard.
    this.busySeq++;
    this.busy = false;
    this.fillServer(email, null);
    this.show("server");
    void this.askOffer();
  }

  private fillServer(email: string, view: DiscoveryView | null): void {
    this.discovered = { email, view };
    // A new address: its sign-in is asked anew.
    this.offerToken++;
    this.setOffer(null, null);
    this.serverTitle.textContent = `Sign in to ${email}`;
    this.candidateList = view?.candidates ?? [];
    setOptions(this.candidates.input, this.candidateList.map((c, i) => [String(i), candidateLabel(c)] as const), "0");
    this.candidates.row.hidden = this.candidateList.length < 2;
    replace(this.attempts, view && view.attempts.length ? attemptsList(view) : null);
    this.applyCandidate(this.candidateList[0] ?? null);
    this.expandServer(!this.candidateList.length);
    if (!this.candidateList.length) {
      replace(
        this.source,
        view
          ? h("p", { class: "source-none" }, sentence(view.error ?? `No settings found for ${view.domain}: enter them below.`))
          : h("p", { class: "source-none" }, "Enter your provider's IMAP server settings (its help pages list them)."),
      );
    }
  }

  private applyCandidate(c: Candidate | null): void {
    const email = this.discovered?.email ?? "";
    this.setForm(c ? formFromCandidate(c, email) : { ...blankForm(email), caFile: this.caFile.value });
    this.resetTest();
    if (c) {
      const s = sourceText(c);
      replace(this.source, h("p", null, h("span", { class: "source-what" }, s.text), s.where ? " " : null, s.where ? h("span", { class: "source-where" }, s.where) : null));
    }
    replace(
      this.note,
      c?.note ? h("p", null, c.note) : null,
      c?.help_url ? h("p", { class: "help-line" }, "Help: ", this.helpLink(c.help_url)) : null,
    );
    this.note.hidden = !c?.note && !c?.help_url;
  }

  private setForm(f: ServerForm): void {
    this.host.value = f.host;
    this.port.value = f.port;
    this.security.value = f.security;
    this.username.value = f.username;
    this.caFile.value = f.caFile;
    for (const x of [this.host, this.port, this.security, this.username, this.caFile]) x.clearError();
    this.securityChanged();
    this.updateSummary();
  }

  private securityChanged(): void {
    this.security.input.dataset.was = this.security.value;
    this.plainWarning.hidden = this.security.value !== "plain";
  }

  /** Any change of the settings or password: the last test no longer vouches for them. */
  private serverEdited(f: FormField<HTMLInputElement | HTMLSelectElement>): void {
    f.clearError();
    this.updateTestLabel();
    this.updateSummary();
  }

  private helpLink(url: string): HTMLElement {
    return helpLink(url, (u) => this.app.api.openLink(u));
  }

  private resetTest(): void {
    this.tested = null;
    this.progress.hide();
    this.passed.hidden = true;
    this.serverError.show(null);
    this.password.clearError();
    this.clearOAuthError();
    replace(this.certSlot);
    replace(this.providerSlot);
    this.updateTestLabel();
  }

  private form(): ServerForm {
    return { host: this.host.value, port: this.port.value, security: this.security.value as Security, username: this.username.value, caFile: this.caFile.value };
  }

  /** What a test signs in with now: the finished sign-in, or the password typed. */
  private credential(): Credential {
    return this.oauthMode && this.grant !== null ? { grant: this.grant } : { password: this.password.value };
  }

  private isTested(settings: ServerSettings, credential: Credential): boolean {
    return !!this.tested && sameSettings(this.tested.settings, settings) && sameCredential(this.tested.credential, credential);
  }

  private updateTestLabel(): void {
    const s = serverSettings(this.form());
    setLabel(this.testBtn, "ok" in s && this.isTested(s.ok, this.credential()) ? "Continue" : "Test connection");
  }

  /** The sign-in step's main action: sign in in the browser first where that is the way, then
   * test the connection (or go on when it passed with these settings already). */
  private async serverAction(): Promise<void> {
    if (this.oauthMode && this.grant === null) return this.signInWithBrowser();
    return this.test();
  }

  private async test(): Promise<void> {
    this.serverError.show(null);
    this.clearOAuthError();
    for (const f of [this.password, this.host, this.port, this.security, this.username, this.caFile]) f.clearError();
    const checked = serverSettings(this.form());
    if ("err" in checked) return this.place(checked.err);
    const credential = this.credential();
    if ("password" in credential && !credential.password) {
      return this.place({ field: "password", message: "Enter the password (or app password) of this account.", advice: null });
    }
    const settings = checked.ok;
    if (this.isTested(settings, credential)) return this.show("folders");

    const run = nextRun();
    this.tested = null;
    this.passed.hidden = true;
    replace(this.certSlot);
    replace(this.providerSlot);
    this.progress.start(run);
    setBusy(this.testBtn, "Testing…");
    let report: LiveTestReport;
    try {
      report =
        "grant" in credential
          ? await this.app.api.testConnectionSignedIn(run, settings, credential.grant)
          : await this.app.api.testConnection(run, settings, credential.password);
    } catch (e) {
      this.progress.hide();
      return this.placeRefusal(e);
    } finally {
      setBusy(this.testBtn, null);
    }
    this.progress.finish(run, report);
    if (report.ok) {
      this.tested = { settings, credential };
      this.setFolders(report.folders);
      const n = offeredFolders(report.folders).length;
      this.passed.textContent = `Connected: signed in as ${report.username}, ${n} ${n === 1 ? "folder" : "folders"} found.`;
      this.passed.hidden = false;
      this.updateTestLabel();
      setTimeout(() => {
        if (this.step === "server" && this.tested?.settings === settings) this.show("folders");
      }, PASSED_PAUSE_MS);
      return;
    }
    this.updateTestLabel();
    this.showFailure(report, "grant" in credential);
  }

  private showFailure(r: LiveTestReport, signedIn: boolean): void {
    const p = placeReport(r, signedIn)!;
    // A refused token: only a new sign-in helps.
    if (p.field === "oauth") this.dropGrant();
    const help = signedIn ? null : providerHelp(r);
    if (help) {
      replace(
        this.providerSlot,
        h("p", null, h("strong", null, help.name), ": ", help.note),
        h("p", { class: "help-line" }, "How to: ", this.helpLink(help.url)),
      );
    }
    const cert = certificateAdvice(r);
    if (cert && r.certificate) {
      this.caFile.showError(h("p", { class: "error-message" }, `The certificate of ${r.host} is not trusted: ${r.certificate.reason}.`));
      replace(this.certSlot, certificateBox(r.certificate), h("p", { class: "cert-todo", data: { test: "wizard-ca-todo" } }, cert.text));
      this.expandServer(true);
      this.caFile.input.focus();
      return;
    }
    this.place(p);
  }

  private setFolders(folders: FolderInfo[]): void {
    const same = folders.length === this.folders.length && folders.every((f, i) => f.name === this.folders[i]!.name);
    if (same && this.folderList.childElementCount) return;
    this.folders = folders;
    const chosen = defaultFolders(folders);
    replace(this.folderList, ...offeredFolders(folders).map((f) => folderChoice(f, chosen.has(f.name))));
  }

  private chosenFolders(): string[] {
    return [...this.folderList.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((i) => i.checked).map((i) => i.value);
  }

  private chooseFolders(): void {
    this.foldersSlot.clearError();
    if (this.chosenFolders().length === 0) {
      return this.place({ field: "folders", message: "Choose at least one folder to watch (INBOX is the usual one).", advice: null });
    }
    this.show("finish");
  }

  private fillSummary(): void {
    const s = serverSettings(this.form());
    const server = "ok" in s ? `${s.ok.host}:${s.ok.port} · ${s.ok.security.toUpperCase()} · ${s.ok.username}` : "";
    const rows: [string, string][] = [
      ["Account", this.name.value.trim() ? `${this.name.value.trim()} (${this.email.value.trim()})` : this.email.value.trim()],
      ["Server", server],
      ["Sign-in", this.oauthMode && this.offer ? `With ${this.offer.name}, in the browser` : "Password, kept in your keyring"],
      ["Folders", this.chosenFolders().join(", ")],
    ];
    replace(this.summary, ...rows.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
  }

  private async add(): Promise<void> {
    this.finishError.show(null);
    this.interval.clearError();
    const checked = serverSettings(this.form());
    if ("err" in checked) return this.place(checked.err);
    const candidate = this.candidateList[Number(this.candidates.value)];
    const quirks = candidate && candidate.host === checked.ok.host ? candidate.quirks : [];
    const setup: AccountSetup = {
      display_name: this.name.value.trim(),
      email: this.email.value.trim(),
      server: checked.ok,
      folders: this.chosenFolders(),
      interval_secs: Number(this.interval.value),
      quirks,
    };
    const credential = this.credential();
    if (this.oauthMode && !("grant" in credential)) return this.place({ field: "oauth", message: "Sign in first.", advice: null });
    setBusy(this.addBtn, "Adding…");
    let account: Account;
    try {
      account = "grant" in credential ? await this.app.api.addOAuthAccount(setup, credential.grant) : await this.app.api.addAccount(setup, credential.password);
    } catch (e) {
      return this.placeRefusal(e);
    } finally {
      setBusy(this.addBtn, null);
    }
    // The sign-in is the account's now.
    if ("grant" in credential) this.grant = null;
    this.app.added(account);
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  private slot(f: FieldName): Slot {
    const fields: Record<Exclude<FieldName, "folders" | "oauth">, FormField<HTMLInputElement | HTMLSelectElement>> = {
      email: this.email,
      display_name: this.name,
      password: this.password,
      host: this.host,
      port: this.port,
      security: this.security,
      username: this.username,
      ca_file: this.caFile,
      interval: this.interval,
    };
    if (f === "folders") return this.foldersSlot;
    if (f === "oauth") return { showError: (...c) => this.showOAuthError(...c), clearError: () => this.clearOAuthError(), focus: () => this.serverControl().focus() };
    const field = fields[f];
    return { showError: (...c) => field.showError(...c), clearError: () => field.clearError(), focus: () => field.input.focus() };
  }

  /** A command's refusal, next to what it names. One about the sign-in (it ran out) gives the
   * sign-in up: only a new one helps. */
  private placeRefusal(e: unknown): void {
    const p = placeError(toAppError(e));
    if (p.field === "oauth") this.dropGrant();
    this.place(p);
  }

  /** Shows an error next to its field (going to the field's step) and focuses the field; an
   * error without a field goes to the current step. */
  private place(p: Placement): void {
    if (!p.field) {
      if (this.step === "folders") return this.foldersSlot.showError(...errorBody(p));
      return (this.step === "address" ? this.addressError : this.step === "server" ? this.serverError : this.finishError).show(p);
    }
    const step = stepOfField(p.field);
    if (step !== this.step) this.show(step, false);
    if (step === "server" && p.field !== "password" && p.field !== "oauth") this.expandServer(true);
    const slot = this.slot(p.field);
    slot.showError(...errorBody(p));
    slot.focus();
  }
}

function attemptsList(view: DiscoveryView): HTMLElement {
  return h(
    "details",
    { class: "attempts", data: { test: "wizard-attempts" } },
    h("summary", null, "What was tried"),
    h(
      "ul",
      null,
      ...view.attempts.map((a) => h("li", null, h("span", { class: "attempt-source" }, a.source), " ", h("span", { class: "attempt-target" }, a.target), h("span", { class: "attempt-result" }, ` — ${a.result}`))),
    ),
  );
}

function folderChoice(f: FolderInfo, checked: boolean): HTMLElement {
  const input = h("input", { attrs: { type: "checkbox", value: f.name } });
  input.checked = checked;
  const special = specialUseText(f.name, f.special_use);
  const counts = folderCounts(f);
  return h(
    "label",
    { class: "folder-choice", data: { test: "wizard-folder", folder: f.name } },
    input,
    h("span", { class: "folder-name" }, f.name),
    special ? h("span", { class: "tag", data: { test: "folder-special" } }, special) : null,
    h("span", { class: "spacer" }),
    counts ? h("span", { class: "folder-detail", data: { test: "folder-counts" } }, counts) : null,
  );
}
