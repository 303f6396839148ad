// Boots the window: loads a snapshot, listens to engine and app events, and renders the current
// view. Renders are coalesced; the store (through the commands) is always the truth.
// Most views are rebuilt on every render. The setup wizard and the account editor are forms:
// they keep their own DOM and are only updated in place, so a render (an engine event) never
// takes away what the user typed or the focus.

import "./styles.css";
import { api, subscribe } from "./bridge";
import { button, h, replace, type Child } from "./dom";
import { setLocale, t } from "./i18n";
import {
  accountView,
  applyEngineEvent,
  folderKey,
  initialState,
  listedMessage,
  markViewedLocally,
  revealKey,
  storedRef,
  unviewedTotal,
  viewAfterFirstSnapshot,
  type UiState,
  type View,
} from "./model";
import type { AppError } from "./bindings/AppError";
import type { AppEvent } from "./bindings/AppEvent";
import type { Event as EngineEvent } from "./bindings/Event";
import type { MessageAction } from "./bindings/MessageAction";
import type { MessageKey } from "./bindings/MessageKey";
import type { MessageRef } from "./bindings/MessageRef";
import type { SettingsPatch } from "./bindings/SettingsPatch";
import { announcer, captureFocus, installKeys, withKeys } from "./keys";
import { aboutView } from "./views/about";
import { accountsView } from "./views/accounts";
import type { Actions, Ctx } from "./views/common";
import { Editor } from "./views/editor";
import { messagesView } from "./views/messages";
import { RECENT_LIMIT, recentView } from "./views/recent";
import { RulesForm } from "./views/rules";
import { Reader } from "./views/reader";
import { Toast, actedText } from "./views/toast";
import { settingsView } from "./views/settings";
import { Wizard } from "./views/wizard";

const MESSAGE_LIMIT = 200;
/** A "Check now" whose pass never reports back stops spinning after this long. */
const PENDING_TIMEOUT_MS = 120_000;
/** A "Check now" shows progress at least this long. */
const HOLD_MS = 700;

const state: UiState = initialState();
const root = document.getElementById("app")!;
// A Tab stop of its own: it scrolls, and a view with nothing focusable (About) must still scroll
// by keyboard.
const main = h("main", { class: "main", attrs: { id: "main", tabindex: "0" } });
const top = h("header", { class: "topbar" });
const banner = h("div", { class: "banner-slot" });
const toast = new Toast((token) => api.undoAction(token));
root.replaceChildren(top, banner, main, toast.root, announcer);

// Renders are coalesced, and never happen while a pointer button is down: replacing the element
// under the pointer between press and release would swallow the click.
let queued = false;
let pressed = false;
function render(): void {
  if (queued) return;
  queued = true;
  setTimeout(function run() {
    if (pressed) {
      setTimeout(run, 30);
      return;
    }
    queued = false;
    draw();
  }, 16);
}
document.addEventListener("pointerdown", () => (pressed = true), true);
for (const type of ["pointerup", "pointercancel"] as const) document.addEventListener(type, () => (pressed = false), true);
window.addEventListener("blur", () => (pressed = false));

function debounce(fn: () => Promise<void>, ms: number): () => void {
  let t: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (t) clearTimeout(t);
    t = setTimeout(() => {
      t = null;
      void fn();
    }, ms);
  };
}

let firstSnapshot = true;

async function loadSnapshot(): Promise<void> {
  try {
    state.snapshot = await api.snapshot();
    state.loadError = null;
    if (firstSnapshot) {
      firstSnapshot = false;
      state.view = viewAfterFirstSnapshot(state.snapshot, state.view);
    }
  } catch (e) {
    state.loadError = (e as AppError).message;
  }
  render();
}

/** Reads the news again, and Recent while it shows (it is read again when it is opened). */
async function loadMessages(): Promise<void> {
  try {
    const [news, recent] = await Promise.all([api.listNews(MESSAGE_LIMIT), state.view === "recent" ? api.listMessages(RECENT_LIMIT) : null]);
    state.messages = news;
    if (recent) state.recent = recent;
  } catch (e) {
    state.loadError = (e as AppError).message;
  }
  render();
}

const reloadMessages = debounce(loadMessages, 200);
const reloadSnapshot = debounce(loadSnapshot, 300);

function setActionError(key: string, e: unknown): void {
  state.actionErrors.set(key, (e as AppError).message ?? String(e));
  render();
}

/** One of the user's changes of an account or folder setting: on success the snapshot is read
 * again; a refusal is shown next to what it concerns (`key`). */
async function change(key: string, request: () => Promise<unknown>): Promise<void> {
  state.actionErrors.delete(key);
  try {
    await request();
    await loadSnapshot();
  } catch (e) {
    setActionError(key, e);
  }
}

const actions: Actions = {
  go(v: View) {
    if (v !== state.view) state.notice = null;
    const opening = v === "recent" && state.view !== "recent";
    state.view = v;
    if (opening) void loadMessages();
    render();
  },
  addAccount() {
    dropWizard();
    actions.go("wizard");
  },
  editAccount(account: string, part?: "password" | "certificate") {
    dropEditor();
    state.editing = account;
    revealOnOpen = part ?? null;
    actions.go("edit");
  },
  signInAgain(account: string) {
    actions.editAccount(account);
    signInOnOpen = account;
  },
  async syncNow(account: string, folder?: string) {
    const key = folder === undefined ? account : folderKey(account, folder);
    state.actionErrors.delete(key);
    state.pending.add(key);
    state.held.add(key);
    draw();
    setTimeout(() => {
      state.held.delete(key);
      render();
    }, HOLD_MS);
    setTimeout(() => {
      if (state.pending.delete(key)) render();
    }, PENDING_TIMEOUT_MS);
    try {
      await api.syncNow(account, folder ?? null);
    } catch (e) {
      state.pending.delete(key);
      setActionError(key, e);
    }
  },
  async syncAll() {
    await Promise.all((state.snapshot?.accounts ?? []).map((a) => actions.syncNow(a.account.id)));
  },
  async markViewed(ids: number[] | null) {
    try {
      const left = await api.markViewed(ids);
      markViewedLocally(state, ids);
      if (state.snapshot) state.snapshot.unviewed = left;
    } catch (e) {
      state.loadError = (e as AppError).message;
    }
    render();
  },
  openMessage(m) {
    if (!m.viewed) void actions.markViewed([m.id]);
    openReader(storedRef(m));
  },
  async act(message: MessageRef, action: MessageAction) {
    try {
      const done = await api.actOnMessage(message, action);
      toast.show(actedText(action), done.undo);
      // Archived or deleted from the pane: back to the list, where Undo is offered.
      if (state.view === "read" && action !== "read") actions.go("messages");
      return true;
    } catch (e) {
      toast.show((e as AppError).message ?? String(e), null, true);
      return false;
    }
  },
  setWatched: (account: string, folder: string, watched: boolean) => change(`watch:${folderKey(account, folder)}`, () => api.setWatched(account, folder, watched)),
  setFolderNotify: (account: string, folder: string, notify: boolean) => change(`ring:${folderKey(account, folder)}`, () => api.setFolderNotify(account, folder, notify)),
  setAccountNotify: (account: string, notify: boolean) => change(`notify:${account}`, () => api.setAccountNotify(account, notify)),
  setInterval: (account: string, secs: number) => change(`interval:${account}`, () => api.setInterval(account, secs)),
  async setSettings(patch: SettingsPatch) {
    state.actionErrors.delete("settings");
    try {
      const s = await api.setSettings(patch);
      if (state.snapshot) state.snapshot.settings = s;
    } catch (e) {
      setActionError("settings", e);
    }
    render();
  },
};

function onEngine(e: EngineEvent): void {
  const effect = applyEngineEvent(state, e);
  if (effect.reloadMessages) reloadMessages();
  if (effect.reloadSnapshot) reloadSnapshot();
  render();
}

function onApp(e: AppEvent): void {
  switch (e.kind) {
    case "settings":
      if (state.snapshot) state.snapshot.settings = { notifications: e.notifications, paused: e.paused, autostart: e.autostart, start_in_tray: e.start_in_tray, sound: e.sound };
      break;
    case "unviewed":
      if (state.snapshot && state.snapshot.unviewed !== e.count) {
        state.snapshot.unviewed = e.count;
        reloadMessages();
      }
      break;
    case "refresh":
      reloadSnapshot();
      reloadMessages();
      break;
    case "reveal":
      state.view = "messages";
      state.reveal = revealKey(e.message);
      reloadMessages();
      break;
    case "open": {
      // A notification's click: the message in the pane, seen in Mailbell as a click in the list.
      const listed = listedMessage(state, e.message);
      if (listed && !listed.viewed) void actions.markViewed([listed.id]);
      else if (!listed) void markViewedWhenListed(e.message);
      openReader(e.message);
      break;
    }
    case "acted":
      toast.show(e.error ?? actedText(e.action), e.undo, e.error !== null);
      break;
    case "test_step":
      // The forms show a test's progress in place: nothing else to draw.
      wizard?.onTestStep(e.run, e.step);
      editor?.onTestStep(e.run, e.step);
      return;
    case "sign_in_url":
      wizard?.onSignInUrl(e.run, e.url);
      editor?.onSignInUrl(e.run, e.url);
      return;
  }
  render();
}

/** The "What rings" form of Settings: made once, it keeps its draft and DOM for the whole run. */
const rulesForm = new RulesForm({
  api,
  saved(rules) {
    if (state.snapshot) state.snapshot.rules = rules;
    render();
  },
});

// The two forms and the reading pane, alive while their view is shown.
let wizard: Wizard | null = null;
let editor: Editor | null = null;
let reader: Reader | null = null;

function openReader(message: MessageRef): void {
  reader?.dispose();
  reader = null;
  state.reading = message;
  state.reveal = null;
  state.view = "read";
  render();
}

function dropReader(): void {
  reader?.dispose();
  reader = null;
}

function theReader(): Reader | null {
  const m = state.reading;
  if (!m) return null;
  reader ??= new Reader({ api, back: () => actions.go("messages"), act: (msg, a) => actions.act(msg, a) }, m);
  return reader;
}

/** A notification can be clicked before the list has the message: mark it once it is listed. */
async function markViewedWhenListed(k: MessageKey): Promise<void> {
  await loadMessages();
  const listed = listedMessage(state, k);
  if (listed && !listed.viewed) await actions.markViewed([listed.id]);
}
/** The card of the editor about to open that gets the focus (a fix button's target). */
let revealOnOpen: "password" | "certificate" | null = null;
/** The account whose editor, once open, signs it in again ("Sign in again" on its card). */
let signInOnOpen: string | null = null;

function dropWizard(): void {
  wizard?.dispose();
  wizard = null;
}

function dropEditor(): void {
  editor?.dispose();
  editor = null;
}

function theWizard(): Wizard {
  wizard ??= new Wizard({
    api,
    canCancel: () => (state.snapshot?.accounts.length ?? 0) > 0,
    cancel: () => actions.go("accounts"),
    added(a) {
      actions.go("accounts");
      state.notice = t("notice-account-added", { account: a.display_name || a.email });
      void loadSnapshot();
    },
    notifications: () => state.snapshot?.settings.notifications ?? null,
    setNotifications: (on) => actions.setSettings({ notifications: on }),
  });
  return wizard;
}

function theEditor(): Editor | null {
  const v = state.editing ? accountView(state, state.editing) : undefined;
  if (!v) return null;
  if (editor?.accountId !== v.account.id) {
    dropEditor();
    editor = new Editor(
      {
        api,
        back: () => actions.go("accounts"),
        removed(a) {
          actions.go("accounts");
          state.notice = t("notice-account-removed", { account: a.display_name || a.email });
          state.editing = null;
          void loadSnapshot();
        },
      },
      v,
    );
  }
  if (signInOnOpen === v.account.id) {
    signInOnOpen = null;
    void editor.signInAgain();
  }
  return editor;
}

/** The tabs, in the current language. */
function tabs(): [View, string][] {
  return [
    ["messages", t("tab-new-mail")],
    ["recent", t("tab-recent")],
    ["accounts", t("tab-accounts")],
    ["settings", t("tab-settings")],
    ["about", t("tab-about")],
  ];
}

function topbar(): Child[] {
  const unviewed = unviewedTotal(state);
  const accounts = state.snapshot?.accounts ?? [];
  const paused = state.snapshot?.settings.paused;
  const activeTab: View = state.view === "edit" ? "accounts" : state.view === "read" ? "messages" : state.view;
  const tabList = h(
    "nav",
    { class: "tabs", attrs: { role: "tablist" } },
    ...tabs().map(([v, label]) =>
      h(
        "button",
        {
          class: v === activeTab ? "tab active" : "tab",
          data: { test: `tab-${v}` },
          title: v === "settings" ? withKeys(label, "settings") : undefined,
          attrs: { type: "button", role: "tab", "aria-selected": String(v === activeTab) },
          on: { click: () => actions.go(v) },
        },
        label,
        v === "messages" && unviewed > 0 ? h("span", { class: "tab-count" }, String(unviewed)) : null,
        v === "accounts" && accounts.some((a) => a.status?.error || a.folders.some((f) => f.watched && f.last_error)) ? h("span", { class: "tab-alert", title: t("tab-account-error"), attrs: { role: "img", "aria-label": t("tab-account-error") } }, "!") : null,
      ),
    ),
  );
  const brand = h("div", { class: "brand" }, h("span", { class: "brand-icon", attrs: { "aria-hidden": "true" } }), h("span", null, "Mailbell"));
  // The wizard is a page of its own: it has its own Cancel.
  if (state.view === "wizard") return [brand];
  return [
    brand,
    tabList,
    h("span", { class: "spacer" }),
    paused
      ? h(
          "button",
          { class: "chip", title: t("topbar-paused-title"), attrs: { type: "button" }, on: { click: () => void actions.setSettings({ paused: false }) } },
          t("topbar-paused"),
        )
      : null,
    accounts.length ? button(t("topbar-check-all"), () => actions.syncAll(), { class: "secondary", data: { test: "sync-all" }, title: withKeys(t("keys-check"), "check") }) : null,
  ];
}

let scrolledTo: string | null = null;

/** A view may carry a part that lives across renders (the rules form): moving it into the new
 * view takes the focus away from it, so the focus, and a text field's selection, go back to
 * where they were. Returns what to call after the view is replaced. */
function keepFocus(): () => void {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || !main.contains(el)) return () => {};
  const field = el instanceof HTMLInputElement && el.type === "text" ? el : null;
  const start = field?.selectionStart ?? null;
  const end = field?.selectionEnd ?? null;
  return () => {
    if (!el.isConnected || document.activeElement === el) return;
    el.focus({ preventScroll: true });
    if (field && start !== null && end !== null) field.setSelectionRange(start, end);
  };
}

function draw(): void {
  const ctx: Ctx = { state, actions, now: new Date() };
  const refocus = captureFocus(root);
  replace(top, ...topbar());
  const problems = [state.loadError, state.snapshot?.engine_error].filter((x): x is string => !!x);
  replace(banner, ...problems.map((p) => h("div", { class: "banner", attrs: { role: "alert" }, data: { test: "banner" } }, p)));
  if (state.view === "edit" && !theEditor() && state.snapshot) state.view = "accounts"; // removed meanwhile
  if (state.view !== "wizard") dropWizard();
  if (state.view !== "edit") dropEditor();
  if (state.view !== "read") dropReader();
  let view: HTMLElement;
  let form: Wizard | Editor | Reader | null = null;
  switch (state.view) {
    case "messages":
      view = messagesView(ctx);
      break;
    case "recent":
      view = recentView(ctx);
      break;
    case "accounts":
      view = accountsView(ctx);
      break;
    case "settings":
      rulesForm.update(state.snapshot?.rules);
      view = settingsView(ctx, state.snapshot ? rulesForm.root : null);
      break;
    case "about":
      view = aboutView(ctx);
      break;
    case "wizard":
      form = theWizard();
      form.update();
      view = form.root;
      break;
    case "edit":
      form = theEditor();
      form?.update(ctx);
      view = form?.root ?? h("section", { class: "view" });
      break;
    case "read":
      form = theReader();
      view = form?.root ?? h("section", { class: "view" });
      break;
  }
  const viewChanged = main.dataset.view !== state.view;
  main.dataset.view = state.view;
  const focused = keepFocus();
  if (!form) replace(main, view);
  else if (main.firstElementChild !== view) {
    // Mounted once; later renders only update it in place.
    replace(main, view);
    form.focus();
    if (form === editor && revealOnOpen) editor.reveal(revealOnOpen);
    revealOnOpen = null;
  }
  focused();
  refocus(viewChanged);
  if (viewChanged) main.scrollTop = 0;
  const unviewed = unviewedTotal(state);
  document.title = unviewed > 0 ? t("window-title-count", { count: unviewed }) : "Mailbell";
  if (state.reveal && state.reveal !== scrolledTo) {
    const el = main.querySelector<HTMLElement>(`[data-key="${CSS.escape(state.reveal)}"]`);
    if (el) {
      el.scrollIntoView({ block: "center" });
      scrolledTo = state.reveal;
    }
  }
}

/** Speaks the desktop's language (English when the app cannot say which). */
async function loadLocale(): Promise<void> {
  try {
    const l = await api.locale();
    if (l) setLocale(l.language, l.formats);
  } catch {
    // English, the fallback, is already in place.
  }
}

async function boot(): Promise<void> {
  await loadLocale();
  draw();
  installKeys({
    root,
    view: () => state.view,
    go: (v) => actions.go(v),
    checkAll: () => void actions.syncAll(),
    closeWindow: () => void api.closeToTray().catch((e: unknown) => toast.show((e as AppError).message ?? String(e), null, true)),
    quit: () => void api.quitApp(),
    back: (from) => actions.go(from === "edit" ? "accounts" : "messages"),
    openAccount: (id) => actions.editAccount(id),
  });
  await subscribe({ engine: onEngine, app: onApp });
  await Promise.all([loadSnapshot(), loadMessages()]);
  // The window is built afresh each time it is opened (it does not live in the tray): once the
  // engine's state is drawn and painted, the app may hand over a notification's message.
  draw();
  requestAnimationFrame(() => requestAnimationFrame(() => void api.windowReady().catch(() => {})));
  // Relative times ("checked 2 min ago", "next check in 3 min") move on by themselves.
  setInterval(render, 15_000);
}

void boot();
