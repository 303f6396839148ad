// Pieces every view uses: the context handed to views, status badges, the empty state.

import { h, type Child } from "../dom";
import type { Tone } from "../format";
import type { UiState, View } from "../model";
import type { SettingsPatch } from "../bindings/SettingsPatch";

export type Actions = {
  go: (v: View) => void;
  syncNow: (account: string, folder?: string) => Promise<void>;
  syncAll: () => Promise<void>;
  markViewed: (ids: number[] | null) => Promise<void>;
  setWatched: (account: string, folder: string, watched: boolean) => Promise<void>;
  setInterval: (account: string, secs: number) => Promise<void>;
  setSettings: (patch: SettingsPatch) => Promise<void>;
};

export type Ctx = { state: UiState; actions: Actions; now: Date };

export function badge(text: string, tone: Tone, props: { data?: Record<string, string> } = {}): HTMLSpanElement {
  return h("span", { class: `badge tone-${tone}`, data: props.data }, tone === "busy" ? h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }) : null, text);
}

/** An error next to what it concerns. */
export function errorText(text: string | null | undefined, props: { data?: Record<string, string> } = {}): HTMLElement | null {
  if (!text) return null;
  return h("p", { class: "error-text", data: props.data, attrs: { role: "alert" } }, text);
}

export function noticeText(text: string | null | undefined): HTMLElement | null {
  if (!text) return null;
  return h("p", { class: "notice-text" }, text);
}

export const ADD_ACCOUNT_CMD = [
  'printf %s "$PASSWORD" | mailbell-cli account add \\',
  "    --email you@example.org --host imap.example.org --password-stdin",
].join("\n");

/** The state shown when there is no account: what to do, concretely. */
export function noAccounts(): HTMLElement {
  return emptyState(
    "No mail account yet",
    "Mailbell watches IMAP accounts and tells you when new mail arrives. Add an account from a terminal (the password goes to your keyring, never to disk):",
    h("pre", { class: "command", data: { test: "add-account-command" } }, ADD_ACCOUNT_CMD),
    h("p", { class: "hint" }, "Use --port, --security starttls and --ca-file for other servers. Mailbell picks the account up within seconds — no restart needed."),
  );
}

export function emptyState(title: string, text: string, ...extra: Child[]): HTMLElement {
  return h(
    "div",
    { class: "empty", data: { test: "empty-state" } },
    h("div", { class: "empty-bell", attrs: { "aria-hidden": "true" } }),
    h("h2", null, title),
    h("p", null, text),
    ...extra,
  );
}
