// The new messages, newest first: sender, subject, folder, account, time, preview. Only news:
// mail read or deleted on the server leaves the list (Recent keeps it). Messages the user has
// not looked at in Mailbell are marked; a click (or Enter) opens one in the reading pane and
// marks it seen, "Mark all as seen" marks all. Each row has Mark as read, Archive and Delete.

import { button, h } from "../dom";
import { fullTime, messageTime, senderName, subjectText } from "../format";
import { t } from "../i18n";
import { accountLabel, storedKey, storedRef } from "../model";
import { actionButtons } from "./reader";
import type { StoredMessage } from "../bindings/StoredMessage";
import { emptyState, noAccounts, type Ctx } from "./common";

export function messagesView(ctx: Ctx): HTMLElement {
  const { state, actions } = ctx;
  const accounts = state.snapshot?.accounts ?? [];
  if (!state.snapshot) return h("section", { class: "view" });
  if (accounts.length === 0) return h("section", { class: "view" }, noAccounts(ctx));

  // The count is of the rows below: every listed message, and how many of them the user has
  // not looked at yet (the marked ones). The store's unviewed count (the tab's badge, the
  // title) is the same number as long as the list is not cut at its limit.
  const shown = state.messages.length;
  const unviewed = state.messages.filter((m) => !m.viewed).length;
  const head = h(
    "div",
    { class: "view-head" },
    h("h1", null, t("messages-title")),
    h("span", { class: "count", data: { test: "unviewed-count" } }, shown === 0 ? "" : unviewed === shown ? t("messages-count-all-new", { count: shown }) : unviewed > 0 ? t("messages-count-some-new", { count: shown, unviewed }) : t("messages-count-all-seen", { count: shown })),
    h("span", { class: "spacer" }),
    unviewed > 0 ? button(t("messages-mark-all-seen"), () => actions.markViewed(null), { class: "secondary", data: { test: "mark-all" } }) : null,
  );

  if (state.messages.length === 0) {
    return h(
      "section",
      { class: "view" },
      head,
      emptyState(t("messages-empty-title"), t("messages-empty-text"), h("p", { class: "hint" }, t("messages-empty-hint"))),
    );
  }

  const list = h("ul", { class: "messages", data: { test: "messages" }, attrs: { role: "list" } });
  for (const m of state.messages) list.appendChild(row(ctx, m));
  return h("section", { class: "view" }, head, list);
}

function row(ctx: Ctx, m: StoredMessage): HTMLElement {
  const { state, actions, now } = ctx;
  const key = storedKey(m);
  const classes = ["message", m.viewed ? "viewed" : "unviewed", state.reveal === key ? "revealed" : ""].filter(Boolean).join(" ");
  const when = m.internal_date || m.date;
  const sender = senderName(m.from_name, m.from_addr);
  const li = h(
    "li",
    {
      class: classes,
      data: { test: "message", id: String(m.id), key },
      title: m.from_addr ? `${sender} <${m.from_addr}>` : sender,
      attrs: { tabindex: "0" },
    },
    h("span", { class: "dot", attrs: { "aria-label": m.viewed ? t("message-dot-seen") : t("message-dot-new") } }),
    h(
      "div",
      { class: "message-main" },
      h("div", { class: "line1" }, h("span", { class: "sender" }, sender), h("time", { class: "time", title: fullTime(when), attrs: { datetime: when } }, messageTime(when, now))),
      h("div", { class: "subject" }, subjectText(m.subject)),
      m.preview ? h("div", { class: "preview" }, m.preview) : null,
      h(
        "div",
        { class: "meta" },
        h("span", { class: "folder", data: { test: "folders" } }, m.folders.join(", ")),
        h("span", { class: "account" }, accountLabel(state, m.account_id)),
      ),
    ),
    // Only news is listed here (not read, not deleted on the server), so every action applies.
    h("div", { class: "row-actions", data: { test: "row-actions" } }, ...actionButtons((a) => actions.act(storedRef(m), a), { small: true, seen: m.seen })),
  );
  const open = () => actions.openMessage(m);
  li.addEventListener("click", open);
  li.addEventListener("keydown", (ev) => {
    if (ev.target === li && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      open();
    }
  });
  return li;
}
