// Pieces every view uses: the context handed to views, status badges, the empty state, and the
// account settings that both Settings and the account editor show.

import { button, h, toggle, type Child } from "../dom";
import { t } from "../i18n";
import { INTERVALS, intervalLabel, specialUseText, type Tone } from "../format";
import { folderKey, type UiState, type View } from "../model";
import type { AccountView } from "../bindings/AccountView";
import type { MessageAction } from "../bindings/MessageAction";
import type { MessageRef } from "../bindings/MessageRef";
import type { SettingsPatch } from "../bindings/SettingsPatch";
import type { StoredMessage } from "../bindings/StoredMessage";
import { FormField } from "./form";

export type Actions = {
  go: (v: View) => void;
  /** Opens the setup wizard (a fresh one). */
  addAccount: () => void;
  /** Opens an account's editor. */
  /** Opens the account's page; `part` is the card a fix button leads to. */
  editAccount: (account: string, part?: "password" | "certificate") => void;
  /** Opens an OAuth2 account's editor and signs it in again there, in the browser. */
  signInAgain: (account: string) => void;
  syncNow: (account: string, folder?: string) => Promise<void>;
  syncAll: () => Promise<void>;
  markViewed: (ids: number[] | null) => Promise<void>;
  /** Opens a listed message in the reading pane (and marks it seen in Mailbell). */
  openMessage: (m: StoredMessage) => void;
  /** Marks a message read, archives or deletes it on the server; then offers Undo. */
  act: (message: MessageRef, action: MessageAction) => Promise<boolean>;
  setWatched: (account: string, folder: string, watched: boolean) => Promise<void>;
  /** Whether new mail in a folder rings (it is counted as long as it is watched). */
  setFolderNotify: (account: string, folder: string, notify: boolean) => Promise<void>;
  /** Whether new mail of an account rings at all. */
  setAccountNotify: (account: string, notify: boolean) => Promise<void>;
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
export function noAccounts(ctx: Ctx): HTMLElement {
  return emptyState(
    t("no-accounts-title"),
    t("no-accounts-text"),
    button(t("no-accounts-add"), () => ctx.actions.addAccount(), { class: "primary", data: { test: "add-account" } }),
  );
}

/** The check intervals offered (and an account's own, when it is none of them). */
export function intervalOptions(current: number): [string, string][] {
  const choices = INTERVALS.includes(current) ? INTERVALS : [...INTERVALS, current].sort((x, y) => x - y);
  return choices.map((secs) => [String(secs), intervalLabel(secs)]);
}


/** A labelled "Check for new mail every" select. */
export function intervalField(current: number, o: { test: string }): FormField<HTMLSelectElement> {
  const select = h("select", null, ...intervalOptions(current).map(([v, label]) => h("option", { attrs: { value: v } }, label)));
  select.value = String(current);
  return new FormField(select, { label: t("interval-field-label"), test: o.test, hint: t("interval-field-hint") });
}

/** The select that sets an account's check interval as soon as it changes. */
export function accountIntervalSelect(ctx: Ctx, a: AccountView["account"], props: { test: string; id: string }): HTMLSelectElement {
  const select = h("select", { data: { test: props.test }, attrs: { id: props.id } });
  for (const [v, label] of intervalOptions(a.interval_secs)) select.appendChild(h("option", { attrs: { value: v } }, label));
  select.value = String(a.interval_secs);
  const change = async () => {
    select.disabled = true;
    try {
      await ctx.actions.setInterval(a.id, Number(select.value));
    } finally {
      select.disabled = false;
    }
  };
  select.addEventListener("change", () => void change());
  return select;
}

/** An account's folders as watch switches (watched: checked and counted), each watched one with
 * its "rings" switch beside it (new mail there rings), the special use and any error of a change. */
export function watchToggles(ctx: Ctx, v: AccountView): HTMLElement {
  const { state, actions } = ctx;
  const a = v.account;
  return h(
    "div",
    { class: "folder-checks" },
    ...v.folders.map((f) => {
      const special = specialUseText(f.name, f.special_use);
      // Only a watched folder is checked, so only a watched folder can ring.
      const ring = f.watched
        ? toggle(t("folder-rings"), f.notify, (on) => actions.setFolderNotify(a.id, f.name, on), { class: "ring-toggle", data: { test: "ring", folder: f.name }, title: t("folder-rings-title", { folder: f.name }) })
        : null;
      return h(
        "div",
        { class: "folder-check" },
        toggle(f.name, f.watched, (on) => actions.setWatched(a.id, f.name, on), { data: { test: "watch", folder: f.name } }),
        ring,
        special ? h("span", { class: "hint" }, special) : null,
        errorText(state.actionErrors.get(`watch:${folderKey(a.id, f.name)}`)),
        errorText(state.actionErrors.get(`ring:${folderKey(a.id, f.name)}`)),
      );
    }),
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
