// The latest messages Mailbell has seen, whatever became of them: still new, seen in Mailbell,
// read on the server, or deleted there. New mail lists only the news; this is where a message
// that left it can still be found. Newest first by arrival on the server.

import { h } from "../dom";
import { t } from "../i18n";
import { fullTime, messageTime, senderName, subjectText, type Tone } from "../format";
import { accountLabel, recentState, storedKey, type RecentState } from "../model";
import type { StoredMessage } from "../bindings/StoredMessage";
import { badge, emptyState, noAccounts, type Ctx } from "./common";

/** How many messages Recent shows: the engine follows the read state of each folder's newest
 * 300 (TRACKED_RECENT in the store), so every state shown here is kept up to date. */
export const RECENT_LIMIT = 300;

/** The words and look of a message's state (exported for the tests). */
export function recentStateLabel(s: RecentState): { text: string; tone: Tone; hint: string } {
  switch (s) {
    case "new":
      return { text: t("recent-state-new"), tone: "warn", hint: t("recent-state-new-hint") };
    case "viewed":
      return { text: t("recent-state-viewed"), tone: "muted", hint: t("recent-state-viewed-hint") };
    case "read":
      return { text: t("recent-state-read"), tone: "ok", hint: t("recent-state-read-hint") };
    case "deleted":
      return { text: t("recent-state-deleted"), tone: "error", hint: t("recent-state-deleted-hint") };
  }
}

export function recentView(ctx: Ctx): HTMLElement {
  const { state } = ctx;
  if (!state.snapshot) return h("section", { class: "view" });
  if (state.snapshot.accounts.length === 0) return h("section", { class: "view" }, noAccounts(ctx));
  const head = h(
    "div",
    { class: "view-head" },
    h("h1", null, t("recent-title")),
    h("span", { class: "count" }, t("recent-count", { limit: RECENT_LIMIT })),
  );
  if (state.recent.length === 0) {
    return h("section", { class: "view" }, head, emptyState(t("recent-empty-title"), t("recent-empty-text")));
  }
  const list = h("ul", { class: "messages recent", data: { test: "recent" }, attrs: { role: "list" } });
  for (const m of state.recent) list.appendChild(row(ctx, m));
  return h("section", { class: "view" }, head, list);
}

function row(ctx: Ctx, m: StoredMessage): HTMLElement {
  const s = recentState(m);
  const look = recentStateLabel(s);
  const when = m.internal_date || m.date;
  const sender = senderName(m.from_name, m.from_addr);
  return h(
    "li",
    {
      class: `message ${s === "new" ? "unviewed" : "viewed"}${s === "deleted" ? " gone" : ""}`,
      data: { test: "recent-message", key: storedKey(m), state: s },
      title: m.from_addr ? `${sender} <${m.from_addr}>` : sender,
    },
    h(
      "div",
      { class: "message-main" },
      h("div", { class: "line1" }, h("span", { class: "sender" }, sender), h("time", { class: "time", title: fullTime(when), attrs: { datetime: when } }, messageTime(when, ctx.now))),
      h("div", { class: "subject" }, subjectText(m.subject)),
      h(
        "div",
        { class: "meta" },
        h("span", { class: "folder", data: { test: "folders" } }, m.folders.join(", ")),
        h("span", { class: "account" }, accountLabel(ctx.state, m.account_id)),
      ),
    ),
    h("span", { class: "recent-state", title: look.hint }, badge(look.text, look.tone, { data: { test: "recent-state" } })),
  );
}
