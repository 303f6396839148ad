// Settings: notifications on/off and paused, start at login, start in the tray, what rings (the
// rules form, views/rules.ts), and per account whether it rings, how often it is checked, which
// folders are watched (counted) and ring, and where its messages open ("Open in…").

import { button, h, toggle } from "../dom";
import { t } from "../i18n";
import type { AccountView } from "../bindings/AccountView";
import { accountIntervalSelect, errorText, watchToggles, type Ctx } from "./common";

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

function accountSettings(ctx: Ctx, v: AccountView): HTMLElement {
  const { state } = ctx;
  const a = v.account;
  return h(
    "article",
    { class: "card", data: { test: "account-settings", account: a.id } },
    h("header", { class: "card-head" }, h("div", { class: "who" }, h("h2", null, a.display_name || a.email), h("p", { class: "facts" }, a.host))),
    h(
      "div",
      { class: "settings-row" },
      h("label", { attrs: { for: `interval-${a.id}` } }, t("settings-interval")),
      accountIntervalSelect(ctx, a, { test: "interval", id: `interval-${a.id}` }),
      h("span", { class: "hint" }, t("settings-interval-hint")),
    ),
    errorText(state.actionErrors.get(`interval:${a.id}`)),
    h(
      "div",
      { class: "settings-row" },
      toggle(t("settings-account-rings"), a.notify, (on) => ctx.actions.setAccountNotify(a.id, on), { data: { test: "account-notify" } }),
      a.notify ? null : h("span", { class: "hint" }, t("settings-account-rings-off")),
    ),
    errorText(state.actionErrors.get(`notify:${a.id}`)),
    h("h3", null, t("settings-watched-folders")),
    v.folders.length ? watchToggles(ctx, v) : h("p", { class: "hint" }, t("settings-folders-after-check")),
    h("h3", null, t("settings-open-in")),
    h(
      "div",
      { class: "settings-row" },
      h("p", { class: "hint" }, t("settings-open-in-hint")),
      h("span", { class: "spacer" }),
      button(t("settings-open-in-choose"), () => ctx.actions.editAccount(a.id), { class: "secondary", data: { test: "choose-open-in" } }),
    ),
  );
}
