// Every account and its folders with live status: state, last check, new count, next check,
// the server's error text, and "Check now" per account and per folder.

import { button, h } from "../dom";
import { accountStateLabel, ago, folderStateLabel, fullTime, until } from "../format";
import { t } from "../i18n";
import { folderKey, isBusy, unviewedIn } from "../model";
import { fixFor, fixLabel, problemText, type Fix } from "../problem";
import type { AccountView } from "../bindings/AccountView";
import type { FolderRow } from "../bindings/FolderRow";
import { badge, errorText, noAccounts, noticeText, type Ctx } from "./common";

export function accountsView(ctx: Ctx): HTMLElement {
  const accounts = ctx.state.snapshot?.accounts ?? [];
  const notice = ctx.state.notice ? h("p", { class: "done-text", data: { test: "notice" }, attrs: { role: "status" } }, ctx.state.notice) : null;
  if (accounts.length === 0) return h("section", { class: "view" }, notice, ctx.state.snapshot ? noAccounts(ctx) : null);
  return h(
    "section",
    { class: "view" },
    h(
      "div",
      { class: "view-head" },
      h("h1", null, t("accounts-title")),
      h("span", { class: "count" }, t("accounts-count", { count: accounts.length })),
      h("span", { class: "spacer" }),
      button(t("accounts-add"), () => ctx.actions.addAccount(), { class: "secondary", data: { test: "add-account" } }),
    ),
    notice,
    ...accounts.map((a) => accountCard(ctx, a)),
  );
}

/** How changes reach the app between checks: NOTIFY hears every folder, IDLE some (the rest swept). */
function pushFact(mode: string, folders: number, sweep: number | null): string {
  if (mode === "notify") return t("account-push-notify", { count: folders });
  return sweep ? t("account-push-idle-swept", { count: folders, secs: sweep }) : t("account-push-idle", { count: folders });
}

function accountCard(ctx: Ctx, v: AccountView): HTMLElement {
  const { state, actions, now } = ctx;
  const a = v.account;
  const busy = isBusy(state, a.id);
  const st = busy && !v.status ? accountStateLabel("syncing") : accountStateLabel(v.status?.state);
  const watched = v.folders.filter((f) => f.watched);
  const unwatched = v.folders.length - watched.length;

  const facts: string[] = [`${a.host}:${a.port} · ${a.security.toUpperCase()}`];
  const push = v.status?.push ? pushFact(v.status.push_mode, v.status.push_folders, v.status.sweep_secs) : null;
  if (push) facts.push(push);
  const next = v.status?.next_pass_at;
  if (next && !busy) facts.push(t("account-next-check", { when: until(next, now) }));
  if (!a.enabled) facts.push(t("account-disabled"));

  // The main button fixes the account's state: a refused password, an ended sign-in or an
  // untrusted certificate each has its own fix; otherwise it checks for mail.
  const fix = fixFor(v);
  const syncBtn = button(busy ? t("state-checking") : t("account-check-now"), () => actions.syncNow(a.id), {
    class: fix === "check" ? (busy ? "primary busy" : "primary") : "secondary",
    data: { test: "sync-account" },
  });
  if (busy) syncBtn.disabled = true;
  const fixBtn = fix === "check" ? null : fixButton(ctx, a.id, fix);

  const folderList = h("ul", { class: "folders", attrs: { role: "list" } }, ...watched.map((f) => folderRow(ctx, a.id, f)));

  return h(
    "article",
    { class: "card account", data: { test: "account", account: a.id } },
    h(
      "header",
      { class: "card-head" },
      h(
        "div",
        { class: "who" },
        h("h2", null, a.display_name || a.email),
        h("p", { class: "facts" }, facts.join(" · ")),
      ),
      badge(st.text, st.tone, { data: { test: "account-state" } }),
      button(t("account-edit"), () => actions.editAccount(a.id), { class: "secondary", data: { test: "edit-account" }, title: t("account-edit-title") }),
      fixBtn ?? syncBtn,
    ),
    problemText(v.status?.problem, v.status?.error, "account-error"),
    errorText(state.actionErrors.get(a.id)),
    !v.running && state.snapshot?.engine_error ? errorText(state.snapshot.engine_error) : null,
    watched.length === 0
      ? h("p", { class: "hint pad" }, v.folders.length === 0 ? t("account-no-folders") : t("account-none-watched"))
      : folderList,
    unwatched > 0
      ? h(
          "p",
          { class: "hint pad" },
          t("account-unwatched", { count: unwatched }),
          " ",
          h("a", { attrs: { href: "#" }, on: { click: (ev) => (ev.preventDefault(), actions.editAccount(a.id)) } }, t("account-choose-folders")),
        )
      : null,
  );
}

const FIX_TESTS: Record<Fix, string> = { password: "fix-password", sign_in: "sign-in-again", certificate: "review-certificate", check: "sync-account" };

/** The account's main button when its state needs the user: an OAuth2 account signs in again
 * in the browser; a refused password and an untrusted certificate are fixed on the account's
 * page (the password field, the certificate's review). */
function fixButton(ctx: Ctx, account: string, fix: Fix): HTMLButtonElement {
  const run = fix === "sign_in" ? () => ctx.actions.signInAgain(account) : () => ctx.actions.editAccount(account, fix === "certificate" ? "certificate" : "password");
  const title = fix === "sign_in" ? t("account-sign-in-again-title") : undefined;
  return button(fixLabel(fix), run, { class: "primary", data: { test: FIX_TESTS[fix] }, title });
}

function folderRow(ctx: Ctx, account: string, f: FolderRow): HTMLElement {
  const { state, actions, now } = ctx;
  const busy = isBusy(state, account, f.name);
  const st = busy ? folderStateLabel("syncing") : folderStateLabel(f.state);
  const fresh = unviewedIn(state, account, f.name);
  const detail: string[] = [];
  detail.push(f.last_sync_at ? t("folder-checked-ago", { ago: ago(f.last_sync_at, now) }) : t("folder-not-checked"));
  detail.push(t("folder-messages", { count: f.messages, unseen: f.unseen }));

  const syncBtn = button(t("folder-check"), () => actions.syncNow(account, f.name), { class: "small", data: { test: "sync-folder" }, title: t("folder-check-title", { folder: f.name }) });
  if (busy) syncBtn.disabled = true;

  return h(
    "li",
    { class: `folder state-${busy ? "syncing" : f.state}`, data: { test: "folder", account, folder: f.name } },
    h(
      "div",
      { class: "folder-line" },
      h("span", { class: "folder-name" }, f.name),
      fresh > 0 ? h("span", { class: "pill", data: { test: "folder-new" } }, t("folder-new-count", { count: fresh })) : null,
      h("span", { class: "spacer" }),
      h("span", { class: "folder-detail", title: f.last_sync_at ? fullTime(f.last_sync_at) : "", data: { test: "folder-detail" } }, detail.join(" · ")),
      badge(st.text, st.tone, { data: { test: "folder-state", state: busy ? "syncing" : f.state } }),
      syncBtn,
    ),
    errorText(f.last_error, { data: { test: "folder-error" } }),
    errorText(state.actionErrors.get(folderKey(account, f.name))),
    noticeText(f.notice),
  );
}
