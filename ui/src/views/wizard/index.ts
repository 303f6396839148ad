// The account setup wizard: its frame, the current step, moving between steps, and where errors go.

import { button, h, type Child } from "../../dom";
import { t } from "../../i18n";
import { toAppError } from "../../bridge";
import type { StepReport } from "../../bindings/StepReport";
import { placeError, stepOfField, WIZARD_STEPS, type FieldName, type Placement, type WizardStep } from "../../setup";
import { errorBody, type FormField } from "../form";
import { AddressStep } from "./address";
import { CredentialPart } from "./credential";
import { FinishStep } from "./finish";
import { FoldersStep } from "./folders";
import { LiveTestPart } from "./livetest";
import { ServerPart } from "./server";
import { actions, panel, type Slot, type WizardCore, type WizardHost } from "./shared";

export type { WizardApi, WizardHost } from "./shared";

function stepTitle(s: WizardStep): string {
  switch (s) {
    case "address":
      return t("wizard-step-address");
    case "server":
      return t("wizard-step-server");
    case "folders":
      return t("wizard-step-folders");
    case "finish":
      return t("wizard-step-finish");
  }
}

/**
 * Address → discovered server settings and password (or, where the provider offers it, a
 * sign-in in the browser), with a live connection test → folders to watch → check interval and
 * notifications → added.
 *
 * The wizard owns its DOM: it is built once and updated in place, never rebuilt by a render, so
 * engine events that arrive while the user types lose neither text nor focus (main.ts mounts
 * `root` and calls `update()`). Its logic (candidates, error placement, progress) is ../../setup.ts;
 * each step (or part of the sign-in step) is a module of this folder.
 */
export class Wizard implements WizardCore {
  readonly root: HTMLElement;
  readonly address: AddressStep;
  readonly credential: CredentialPart;
  readonly server: ServerPart;
  readonly live: LiveTestPart;
  readonly folders: FoldersStep;
  readonly finish: FinishStep;
  private step: WizardStep = "address";
  private busy = false;
  private busySeq = 0;
  private readonly panels = new Map<WizardStep, HTMLElement>();
  private readonly stepper: HTMLOListElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly welcome: HTMLElement;
  private readonly head: HTMLElement;

  constructor(readonly app: WizardHost) {
    this.cancelBtn = button(t("wizard-cancel"), () => this.cancel(), { class: "secondary", data: { test: "wizard-cancel" } });
    // In this order: the fields' ids are numbered as they are made, and stay as they were.
    this.address = new AddressStep(this);
    this.credential = new CredentialPart(this);
    this.server = new ServerPart(this);
    this.live = new LiveTestPart(this);
    this.folders = new FoldersStep(this);
    this.finish = new FinishStep(this);

    this.welcome = h(
      "div",
      { class: "welcome", data: { test: "wizard-welcome" } },
      h("div", { class: "logo", attrs: { "aria-hidden": "true" } }),
      h("div", null, h("h1", null, t("wizard-welcome")), h("p", { class: "facts" }, t("wizard-welcome-text"))),
    );
    this.stepper = h("ol", { class: "stepper", attrs: { "aria-label": t("wizard-steps") } }, ...WIZARD_STEPS.map((s, i) => h("li", { data: { step: s } }, h("span", { class: "num" }, String(i + 1)), stepTitle(s))));

    this.panels.set("address", this.address.panel);
    this.panels.set("server", this.signInPanel());
    this.panels.set("folders", this.folders.panel);
    this.panels.set("finish", this.finish.panel);

    this.head = h("div", { class: "wizard-head" }, h("h1", { class: "wizard-title" }, t("wizard-title")), h("span", { class: "spacer" }), this.cancelBtn);
    this.root = h(
      "section",
      { class: "view wizard", data: { test: "wizard" }, on: { keydown: (ev) => this.onKey(ev) } },
      this.welcome,
      this.head,
      this.stepper,
      ...this.panels.values(),
    );
    this.credential.draw();
    this.show("address");
  }

  /** Brings what depends on the window's state up to date; typed values and focus stay. */
  update(): void {
    const first = !this.app.canCancel();
    this.cancelBtn.hidden = first;
    // A first run greets on its first step; the title says the rest.
    this.welcome.hidden = !first || this.step !== "address";
    this.head.hidden = !this.welcome.hidden;
    this.finish.update();
  }

  /** A `test_step` app event. */
  onTestStep(run: number, step: StepReport): void {
    this.live.progress.step(run, step);
  }

  /** A `sign_in_url` app event. */
  onSignInUrl(run: number, url: string): void {
    this.credential.signIn.onUrl(run, url);
  }

  /** The wizard is left: a sign-in still waited for, or finished and not used, is given up. */
  dispose(): void {
    this.credential.dispose();
  }

  /** Focuses the first field of the current step (on the sign-in step: the password, or the
   * sign-in in the browser). */
  focus(): void {
    if (this.step === "server") return this.credential.focus();
    this.panels.get(this.step)!.querySelector<HTMLElement>("input:not([type=hidden]):not(:disabled), select:not(:disabled)")?.focus();
  }

  get currentStep(): WizardStep {
    return this.step;
  }

  /** The current step's main action (its primary button, or Enter). */
  async submit(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const mine = ++this.busySeq;
    try {
      switch (this.step) {
        case "address":
          return await this.address.discover();
        case "server":
          return await this.credential.action();
        case "folders":
          return this.folders.choose();
        case "finish":
          return await this.finish.add();
      }
    } finally {
      if (mine === this.busySeq) this.busy = false;
    }
  }

  release(): void {
    this.busySeq++;
    this.busy = false;
  }

  show(step: WizardStep, focus = true): void {
    // Leaving the sign-in step stops waiting for the browser.
    if (step !== "server") this.credential.signIn.cancel();
    this.step = step;
    this.root.dataset.step = step;
    for (const [s, p] of this.panels) p.hidden = s !== step;
    const at = WIZARD_STEPS.indexOf(step);
    this.stepper.querySelectorAll("li").forEach((li, i) => {
      li.className = i < at ? "done" : i === at ? "current" : "";
      if (i === at) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    if (step === "finish") this.finish.fill();
    this.update();
    if (focus) this.focus();
  }

  /** A command's refusal, next to what it names. One about the sign-in (it ran out) gives the
   * sign-in up: only a new one helps. */
  placeRefusal(e: unknown): void {
    const p = placeError(toAppError(e));
    if (p.field === "oauth") this.credential.dropGrant();
    this.place(p);
  }

  /** Shows an error next to its field (going to the field's step) and focuses the field; an
   * error without a field goes to the current step. */
  place(p: Placement): void {
    if (!p.field) {
      if (this.step === "folders") return this.folders.slot.showError(...errorBody(p));
      return (this.step === "address" ? this.address.error : this.step === "server" ? this.live.error : this.finish.error).show(p);
    }
    const step = stepOfField(p.field);
    if (step !== this.step) this.show(step, false);
    if (step === "server" && p.field !== "password" && p.field !== "oauth") this.server.expand(true);
    const slot = this.slot(p.field);
    slot.showError(...errorBody(p));
    slot.focus();
  }

  /** The sign-in step: the credential, the server settings, and the live test. */
  private signInPanel(): HTMLElement {
    const { server, credential, live } = this;
    return panel(
      "server",
      server.title,
      credential.oauthBox,
      credential.useOAuthLine,
      credential.password.row,
      credential.unavailable,
      live.providerSlot,
      server.fieldset,
      live.progress.root,
      live.passed,
      live.error.el,
      actions(this, "address", live.testBtn),
    );
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

  private slot(f: FieldName): Slot {
    const { address, credential, server } = this;
    const fields: Record<Exclude<FieldName, "folders" | "oauth">, FormField<HTMLInputElement | HTMLSelectElement>> = {
      email: address.email,
      display_name: address.name,
      password: credential.password,
      host: server.host,
      port: server.port,
      security: server.security,
      username: server.username,
      ca_file: server.caFile,
      interval: this.finish.interval,
    };
    if (f === "folders") return this.folders.slot;
    if (f === "oauth") return credential.slot;
    const field = fields[f];
    return { showError: (...c: Child[]) => field.showError(...c), clearError: () => field.clearError(), focus: () => field.input.focus() };
  }
}
