// Settings: notifications on/off and paused, start at login, and per account how often it is
// checked and which folders are watched.

import { h, toggle } from "../dom";
import { INTERVALS, intervalLabel } from "../format";
import { folderKey } from "../model";
import type { AccountView } from "../bindings/AccountView";
import { errorText, type Ctx } from "./common";

export function settingsView(ctx: Ctx): HTMLElement {
  const { state, actions } = ctx;
  const s = state.snapshot?.settings;
  const general = h(
    "article",
    { class: "card" },
    h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, "General"))),
    h(
      "div",
      { class: "settings-list" },
      s ? toggle("Show a notification when new mail arrives", s.notifications, (on) => actions.setSettings({ notifications: on }), { data: { test: "set-notifications" } }) : null,
      s ? toggle("Pause notifications for now", s.paused, (on) => actions.setSettings({ paused: on }), { data: { test: "set-paused" } }) : null,
      s ? toggle("Start Mailbell when I log in", s.autostart, (on) => actions.setSettings({ autostart: on }), { data: { test: "set-autostart" } }) : null,
    ),
    errorText(state.actionErrors.get("settings")),
  );
  const accounts = state.snapshot?.accounts ?? [];
  return h(
    "section",
    { class: "view" },
    h("div", { class: "view-head" }, h("h1", null, "Settings")),
    general,
    ...accounts.map((a) => accountSettings(ctx, a)),
  );
}

function accountSettings(ctx: Ctx, v: AccountView): HTMLElement {
  const { state, actions } = ctx;
  const a = v.account;
  const select = h("select", { data: { test: "interval" }, attrs: { "aria-label": "Check every" } });
  const choices = INTERVALS.includes(a.interval_secs) ? INTERVALS : [...INTERVALS, a.interval_secs].sort((x, y) => x - y);
  for (const secs of choices) {
    const o = h("option", { attrs: { value: String(secs) } }, intervalLabel(secs));
    o.selected = secs === a.interval_secs;
    select.appendChild(o);
  }
  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      await actions.setInterval(a.id, Number(select.value));
    } finally {
      select.disabled = false;
    }
  });

  const folders = h(
    "div",
    { class: "folder-checks" },
    ...v.folders.map((f) =>
      h(
        "div",
        { class: "folder-check" },
        toggle(f.name, f.watched, (on) => actions.setWatched(a.id, f.name, on), { data: { test: "watch", folder: f.name } }),
        specialLabel(f.name, f.special_use),
        errorText(state.actionErrors.get(`watch:${folderKey(a.id, f.name)}`)),
      ),
    ),
  );

  return h(
    "article",
    { class: "card", data: { test: "account-settings", account: a.id } },
    h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, a.display_name || a.email), h("p", { class: "facts" }, a.host))),
    h("div", { class: "settings-row" }, h("label", null, "Check for new mail every "), select, h("span", { class: "hint" }, "(where the server offers push, INBOX is immediate)")),
    errorText(state.actionErrors.get(`interval:${a.id}`)),
    h("h3", null, "Watched folders"),
    v.folders.length ? folders : h("p", { class: "hint" }, "Folders appear after the first check."),
  );
}

/** "Sent", "Junk"... for a special folder whose name does not say it already. */
function specialLabel(name: string, special: string | null): HTMLElement | null {
  const label = special?.replace(/^\\/, "");
  if (!label || name.toLowerCase().includes(label.toLowerCase())) return null;
  return h("span", { class: "hint" }, label);
}
