// What the wizard's step modules share: the host they serve, the wizard as they see it, and the panels' frame.

import { button, h, type Child } from "../../dom";
import { t } from "../../i18n";
import type { Api } from "../../bridge";
import type { Account } from "../../bindings/Account";
import type { Placement, WizardStep } from "../../setup";
import { helpLink } from "../form";
import type { AddressStep } from "./address";
import type { CredentialPart } from "./credential";
import type { FinishStep } from "./finish";
import type { FoldersStep } from "./folders";
import type { LiveTestPart } from "./livetest";
import type { ServerPart } from "./server";

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
  | "chooseCaFile"
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

/** The wizard as its steps see it. The steps reach each other through it (the sign-in step's
 * test needs the server settings and the credential, the summary needs every step), and it
 * alone moves between steps and places errors. */
export interface WizardCore {
  readonly app: WizardHost;
  readonly currentStep: WizardStep;
  readonly address: AddressStep;
  readonly credential: CredentialPart;
  readonly server: ServerPart;
  readonly live: LiveTestPart;
  readonly folders: FoldersStep;
  readonly finish: FinishStep;
  /** The current step's main action (its primary button, or Enter). */
  submit(): Promise<void>;
  show(step: WizardStep, focus?: boolean): void;
  /** Shows an error next to its field (going to the field's step), or on the current step. */
  place(p: Placement): void;
  /** A command's refusal, next to what it names. */
  placeRefusal(e: unknown): void;
  /** The running main action no longer holds the wizard (a discovery the user left). */
  release(): void;
}

/** Where a field's error shows, and where focus goes for it. */
export type Slot = { showError: (...c: Child[]) => void; clearError: () => void; focus: () => void };

/** What a connection test signs in with: the typed password, or a finished sign-in in the
 * browser (its run id). */
export type Credential = { password: string } | { grant: number };

export function sameCredential(a: Credential, b: Credential): boolean {
  return "grant" in a ? "grant" in b && a.grant === b.grant : "password" in b && a.password === b.password;
}

/** A help page's link, opened in the browser by the app (the window never leaves Mailbell). */
export function wizardHelpLink(app: WizardHost, url: string): HTMLElement {
  return helpLink(url, (u) => app.api.openLink(u));
}

export function panel(step: WizardStep, ...children: Child[]): HTMLElement {
  return h("div", { class: "wizard-panel", data: { test: `wizard-step-${step}`, stepPanel: step } }, ...children);
}

/** A step's buttons: Back (to `back`) on the left, the step's own on the right. */
export function actions(w: WizardCore, back: WizardStep | null, ...right: HTMLElement[]): HTMLElement {
  return h(
    "div",
    { class: "wizard-actions" },
    back ? button(t("wizard-back"), () => w.show(back), { class: "secondary", data: { test: "wizard-back" } }) : null,
    h("span", { class: "spacer" }),
    ...right,
  );
}
