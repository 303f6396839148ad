// The typed bridge to the Rust side: one function per Mailbell command, and the two event
// channels. Every type here is generated from Rust (ui/src/bindings, by ts-rs).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open as openDialog } from "@tauri-apps/plugin-dialog";

import { t } from "./i18n";
import type { Account } from "./bindings/Account";
import type { ActionDone } from "./bindings/ActionDone";
import type { MessageAction } from "./bindings/MessageAction";
import type { MessageRef } from "./bindings/MessageRef";
import type { MessageView } from "./bindings/MessageView";
import type { OpenIn } from "./bindings/OpenIn";
import type { OpenInOptions } from "./bindings/OpenInOptions";
import type { AccountSetup } from "./bindings/AccountSetup";
import type { AppError } from "./bindings/AppError";
import type { AppEvent } from "./bindings/AppEvent";
import type { Channel } from "./bindings/Channel";
import type { DiscoveryView } from "./bindings/DiscoveryView";
import type { Event as EngineEvent } from "./bindings/Event";
import type { LiveTestReport } from "./bindings/LiveTestReport";
import type { Offer } from "./bindings/Offer";
import type { Rules } from "./bindings/Rules";
import type { ServerSettings } from "./bindings/ServerSettings";
import type { Settings } from "./bindings/Settings";
import type { SettingsPatch } from "./bindings/SettingsPatch";
import type { Snapshot } from "./bindings/Snapshot";
import type { StoredMessage } from "./bindings/StoredMessage";
import type { UiLocale } from "./bindings/UiLocale";

export const ENGINE_CHANNEL: Channel = "mailbell:engine";
export const APP_CHANNEL: Channel = "mailbell:app";

/** Whatever a command rejected with, as an AppError (Rust errors arrive as `{kind, message}`). */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const field = (e as Partial<AppError>).field;
    const problem = (e as Partial<AppError>).problem;
    const fieldError = (e as Partial<AppError>).field_error;
    return {
      kind: (e as AppError).kind,
      message: String((e as AppError).message),
      field: typeof field === "string" ? field : null,
      ...(problem ? { problem } : {}),
      ...(fieldError ? { field_error: fieldError } : {}),
    };
  }
  return { kind: "internal", message: e instanceof Error ? e.message : String(e), field: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const api = {
  snapshot: () => call<Snapshot>("snapshot"),
  /** The language the app speaks: the desktop's, as the Rust side read it (i18n.rs). */
  locale: () => call<UiLocale>("locale"),
  /** Says that this window has loaded, listens and has painted (the app then hands over what a
   * notification click asked for, and logs the time since "Open"). */
  windowReady: () => call<null>("window_ready"),
  /** Closes the window to the tray (it is destroyed; where there is no tray, minimised). */
  closeToTray: () => call<null>("close_to_tray"),
  /** Quits Mailbell, as the tray's Quit does. */
  quitApp: () => call<null>("quit_app"),
  /** Every recent message, whatever its state (the Recent view). */
  listMessages: (limit?: number) => call<StoredMessage[]>("list_messages", { limit: limit ?? null }),
  /** The messages still news: unread on the server and still there (the New mail view). */
  listNews: (limit?: number) => call<StoredMessage[]>("list_news", { limit: limit ?? null }),
  markViewed: (ids: number[] | null) => call<number>("mark_viewed", { ids }),
  syncNow: (account: string, folder: string | null = null) => call<null>("sync_now", { account, folder }),
  setInterval: (account: string, secs: number) => call<null>("set_interval", { account, secs }),
  setWatched: (account: string, folder: string, watched: boolean) => call<null>("set_watched", { account, folder, watched }),
  setSettings: (patch: SettingsPatch) => call<Settings>("set_settings", { patch }),
  /** Keeps new rules; resolves to them as the engine keeps them, or rejects with the part
   * refused in `field` (quiet_hours, important, muted) and a sentence. */
  setRules: (rules: Rules) => call<Rules>("set_rules", { rules }),
  setFolderNotify: (account: string, folder: string, notify: boolean) => call<null>("set_folder_notify", { account, folder, notify }),
  setAccountNotify: (account: string, notify: boolean) => call<null>("set_account_notify", { account, notify }),
  /** One message for the reading pane (fetched with BODY.PEEK: it stays unread). */
  showMessage: (message: MessageRef) => call<MessageView>("show_message", { message }),
  /** Marks one message read, archives or deletes it on the server. */
  actOnMessage: (message: MessageRef, action: MessageAction) => call<ActionDone>("act_on_message", { message, action }),
  undoAction: (token: string) => call<null>("undo_action", { token }),
  openInOptions: (account: string) => call<OpenInOptions>("open_in_options", { account }),
  setOpenIn: (account: string, choice: OpenIn) => call<OpenInOptions>("set_open_in", { account, choice }),
  /** Opens one message where its account's "Open in" choice says. */
  openMessage: (message: MessageRef) => call<null>("open_message", { message }),
  discoverServers: (email: string) => call<DiscoveryView>("discover_servers", { email }),
  /** Its steps arrive as `test_step` app events tagged with `run` while it runs. */
  testConnection: (run: number, server: ServerSettings, password: string) => call<LiveTestReport>("test_connection", { run, server, password }),
  addAccount: (setup: AccountSetup, password: string) => call<Account>("add_account", { setup, password }),
  setPassword: (account: string, password: string) => call<null>("set_password", { account, password }),
  removeAccount: (account: string) => call<null>("remove_account", { account }),
  /** Trusts exactly the certificate with this SHA-256 for the account (null: none again). */
  trustCertificate: (account: string, sha256: string | null) => call<null>("trust_certificate", { account, sha256 }),
  /** Trusts the CA certificate in this PEM file for the account (null: the system's only). */
  setCaFile: (account: string, path: string | null) => call<null>("set_ca_file", { account, path }),
  /** The desktop's file chooser for a CA certificate; null when the user cancels. */
  chooseCaFile: async (): Promise<string | null> => {
    try {
      return await openDialog({ multiple: false, directory: false, title: t("cert-chooser-title"), filters: [{ name: t("cert-chooser-filter"), extensions: ["pem", "crt", "cer"] }] });
    } catch (e) {
      throw toAppError(e);
    }
  },
  /** The OAuth2 sign-in the address's (or server's) provider offers; null: passwords only. */
  oauthOffer: (email: string, host: string) => call<Offer | null>("oauth_offer", { email, host }),
  /** Signs in in the browser as `login`, announcing the page as a `sign_in_url` app event tagged
   * with `run`; resolves once signed in (the finished sign-in is then the grant `run`). */
  oauthSignIn: (run: number, email: string, host: string, login: string) => call<null>("oauth_sign_in", { run, email, host, login }),
  oauthCancel: (run: number) => call<null>("oauth_cancel", { run }),
  /** Opens sign-in `run`'s page in the browser again. */
  oauthOpen: (run: number) => call<null>("oauth_open", { run }),
  /** Opens an https help page in the browser. */
  openLink: (url: string) => call<null>("open_link", { url }),
  /** The live test with the finished sign-in `grant` (steps as `test_step` events of `run`). */
  testConnectionSignedIn: (run: number, server: ServerSettings, grant: number) => call<LiveTestReport>("test_connection_signed_in", { run, server, grant }),
  addOAuthAccount: (setup: AccountSetup, grant: number) => call<Account>("add_oauth_account", { setup, grant }),
  /** Signs an OAuth2 account in again in the browser (announced like `oauthSignIn`). */
  signInAgain: (run: number, account: string) => call<null>("sign_in_again", { run, account }),
};

export type Api = typeof api;

export type Handlers = {
  engine: (e: EngineEvent) => void;
  app: (e: AppEvent) => void;
};

export async function subscribe(h: Handlers): Promise<UnlistenFn> {
  const offEngine = await listen<EngineEvent>(ENGINE_CHANNEL, (e) => h.engine(e.payload));
  const offApp = await listen<AppEvent>(APP_CHANNEL, (e) => h.app(e.payload));
  return () => {
    offEngine();
    offApp();
  };
}
