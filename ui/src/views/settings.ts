// Settings: notifications on/off and paused, start at login, start in the tray, what rings (the
// rules form, views/rules.ts), and per account a link to its page, where its own settings are
// (how often it is checked, whether it rings, which folders are watched and ring, "Open in…").

import { button, h, toggle } from "../dom";
import { t } from "../i18n";
import type { AccountView } from "../bindings/AccountView";
import { errorText, type Ctx } from "./common";

/** The calm word on a desktop without tray icons (Settings and About show it). */
export function noTrayHint(): HTMLElement {
  return h("p", { class: "calm-hint", data: { test: "no-tray-hint" } }, t("settings-no-tray"));
}

/** `rules`: the "What rings" form (it keeps its own DOM across renders). */
export function settingsView(ctx: Ctx, rules: HTMLElement | null = null): HTMLElement {
  const { state, actions } = ctx;
  const s = state.snapshot?.settings;
  const tray = state.snapshot?.about.tray ?? true;
  let inTray: HTMLLabelElement | null = null;
  if (s) {
    inTray = toggle(t("settings-start-in-tray"), s.start_in_tray && tray, (on) => actions.setSettings({ start_in_tray: on }), { data: { test: "set-start-in-tray" } });
    if (!tray) {
      const input = inTray.querySelector("input")!;
      input.disabled = true;
      input.setAttribute("aria-describedby", "no-tray-explain");
      inTray.classList.add("disabled");
    }
  }
  const general = h(
    "article",
    { class: "card" },
    h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, t("settings-general")))),
    h(
      "div",
      { class: "settings-list" },
      s ? toggle(t("settings-notifications"), s.notifications, (on) => actions.setSettings({ notifications: on }), { data: { test: "set-notifications" } }) : null,
      s ? toggle(t("settings-pause"), s.paused, (on) => actions.setSettings({ paused: on }), { data: { test: "set-paused" } }) : null,
      s ? toggle(t("desk-sound"), s.sound, (on) => actions.setSettings({ sound: on }), { data: { test: "set-sound" } }) : null,
      s ? toggle(t("settings-autostart"), s.autostart, (on) => actions.setSettings({ autostart: on }), { data: { test: "set-autostart" } }) : null,
      inTray,
      s && !tray ? h("p", { class: "hint switch-hint", attrs: { id: "no-tray-explain" } }, t("settings-start-in-tray-needs-tray")) : null,
    ),
    s && !tray ? h("div", { class: "pad-x" }, noTrayHint()) : null,
    errorText(state.actionErrors.get("settings")),
  );
  const accounts = state.snapshot?.accounts ?? [];
  return h(
    "section",
    { class: "view" },
    h("div", { class: "view-head" }, h("h1", null, t("settings-title"))),
    general,
    rules,
    ...accounts.map((a) => accountSettings(ctx, a)),
  );
}

/** An account's own settings (how often it is checked, whether it rings, its folders, where
 * its messages open) live on the account's page, in one place: here a link to it. */
function accountSettings(ctx: Ctx, v: AccountView): HTMLElement {
  const a = v.account;
  return h(
    "article",
    { class: "card", data: { test: "account-settings", account: a.id } },
    h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, a.display_name || a.email), h("p", { class: "facts" }, a.host))),
    h(
      "div",
      { class: "settings-row" },
      h("p", { class: "hint" }, t("settings-account-on-page")),
      h("span", { class: "spacer" }),
      button(t("settings-account-open"), () => ctx.actions.editAccount(a.id), { class: "secondary", data: { test: "open-account-settings" } }),
    ),
  );
}
