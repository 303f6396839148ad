// The keyboard: the window's shortcuts (Ctrl+Q, Ctrl+W, F5 / Ctrl+R, Ctrl+, and Escape), arrow
// keys across the tab bar and the lists (a roving tabindex: one stop per list for Tab, the arrows
// within), the focus kept across renders, and a live region that says what a shortcut started.
//
// Most views are rebuilt on every render, so the element that had the focus is gone afterwards:
// the focus is found again by what the element shows (its data-test and key), never left on
// the page's body.

import { h } from "./dom";
import { t } from "./i18n";
import type { View } from "./model";

/** What the window does for a shortcut. */
export type KeyHost = {
  /** The window's root: the keys are its own while it is in the document. */
  root: HTMLElement;
  view: () => View;
  go: (v: View) => void;
  /** Checks every account now (F5 / Ctrl+R, as a mail program's "Get all messages"). */
  checkAll: () => void;
  /** Ctrl+W: the window goes to the tray, as its close button sends it. */
  closeWindow: () => void;
  /** Ctrl+Q: Mailbell ends. */
  quit: () => void;
  /** Escape: leaves the reading pane (back to the list) or an account's page (back to Accounts). */
  back: (from: View) => void;
  /** Enter on an account's card: its page. */
  openAccount: (account: string) => void;
};

export type Command = "quit" | "close" | "check" | "settings" | "escape";

/** The shortcuts as they are shown to people (About, tooltips), in the current language (the
 * keys too: German keyboards say "Strg" and "Esc"). */
export function shortcuts(): { keys: string; what: string; command: Command }[] {
  const ctrl = t("keys-ctrl");
  return [
    { keys: `F5, ${ctrl}+R`, what: t("keys-check"), command: "check" },
    { keys: `${ctrl}+,`, what: t("keys-settings"), command: "settings" },
    { keys: t("keys-escape"), what: t("keys-escape-what"), command: "escape" },
    { keys: `${ctrl}+W`, what: t("keys-close"), command: "close" },
    { keys: `${ctrl}+Q`, what: t("keys-quit"), command: "quit" },
  ];
}

/** The keys of a command, for a tooltip: "Settings (Ctrl+,)". */
export function withKeys(label: string, command: Command): string {
  const s = shortcuts().find((x) => x.command === command);
  return s ? t("keys-with-keys", { label, keys: s.keys }) : label;
}

/** Which command a key press is, if any. Ctrl without Alt or Meta (Shift is ignored: Ctrl+Shift+W
 * is Ctrl+W on some layouts' way to type it). */
export function commandOf(ev: Pick<KeyboardEvent, "key" | "ctrlKey" | "altKey" | "metaKey">): Command | null {
  if (ev.altKey || ev.metaKey) return null;
  if (!ev.ctrlKey) {
    if (ev.key === "F5") return "check";
    if (ev.key === "Escape") return "escape";
    return null;
  }
  switch (ev.key.toLowerCase()) {
    case "q":
      return "quit";
    case "w":
      return "close";
    case "r":
      return "check";
    case ",":
      return "settings";
  }
  return ev.key === "F5" ? "check" : null;
}

/** The rows of the lists the arrow keys move through, and what names one row. */
const LISTS: { rows: string; id: (row: HTMLElement) => string | undefined }[] = [
  { rows: '[data-test="message"]', id: (r) => r.dataset.key },
  { rows: '[data-test="recent-message"]', id: (r) => r.dataset.key },
  { rows: '[data-test="account"]', id: (r) => r.dataset.account },
];

const TAB = '[role="tab"]';

/** The row last focused in each list: it keeps the list's Tab stop, and it takes the focus back
 * when its list shows again (leaving the reading pane with Escape lands on the message read). */
const current = new Map<string, string>();

function listOf(row: Element): (typeof LISTS)[number] | undefined {
  return LISTS.find((l) => row.matches(l.rows));
}

function rows(root: ParentNode, rowsSel: string): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(rowsSel));
}

/** Gives each list one Tab stop (its current row) and the tab bar one (the active tab). Called
 * after every render. Returns the row that should take the focus when nothing has it. */
export function rove(root: ParentNode): HTMLElement | null {
  let resume: HTMLElement | null = null;
  for (const l of LISTS) {
    const all = rows(root, l.rows);
    if (all.length === 0) continue;
    const want = current.get(l.rows);
    const stop = all.find((r) => l.id(r) === want) ?? all[0]!;
    for (const r of all) r.tabIndex = r === stop ? 0 : -1;
    if (want !== undefined && l.id(stop) === want) resume ??= stop;
  }
  const tabs = rows(root, TAB);
  for (const t of tabs) t.tabIndex = t.getAttribute("aria-selected") === "true" ? 0 : -1;
  return resume;
}

/** What names an element across a render: its data-test and its row's key, account and folder. */
const NAMES = ["test", "key", "account", "folder"] as const;

/** The element of `root` that shows what `was` showed (by the data attributes of NAMES). Compared
 * as values, not as a selector: a message's key holds NUL characters, which CSS cannot name. */
function sameAs(root: HTMLElement, was: HTMLElement): HTMLElement | null {
  if (!was.dataset.test) return null;
  for (const el of root.querySelectorAll<HTMLElement>("[data-test]")) {
    if (NAMES.every((k) => el.dataset[k] === was.dataset[k])) return el;
  }
  return null;
}

/** Notes where the focus is before a render; the returned function puts it back on the element
 * that shows the same thing after it, or, when the view changed and the focus fell out, on the
 * current row of the new view's list. */
export function captureFocus(root: HTMLElement): (viewChanged: boolean) => void {
  const el = document.activeElement;
  const was = el instanceof HTMLElement && root.contains(el) ? el : null;
  return (viewChanged) => {
    const resume = rove(root);
    const now = document.activeElement;
    if (now && now !== document.body && now.isConnected) return;
    const again = was ? sameAs(root, was) : null;
    const target = again ?? (viewChanged ? resume : null);
    target?.focus({ preventScroll: !viewChanged });
  };
}

/** Moves the focus within a list or the tab bar by an arrow key; true when it did. */
function arrow(ev: KeyboardEvent, host: KeyHost): boolean {
  const el = ev.target;
  if (!(el instanceof HTMLElement)) return false;
  if (el.matches(TAB)) {
    const tabs = rows(el.closest('[role="tablist"]') ?? document, TAB);
    const i = tabs.indexOf(el);
    const to = step(ev.key, i, tabs.length, "ArrowLeft", "ArrowRight");
    if (to === null) return false;
    // Automatic activation: the view follows the focus, as in a desktop tab bar.
    tabs[to]!.focus();
    tabs[to]!.click();
    return true;
  }
  const list = listOf(el);
  if (!list) return false;
  const id = list.id(el);
  if (ev.key === "Enter" && el.dataset.test === "account" && el.dataset.account) {
    host.openAccount(el.dataset.account);
    return true;
  }
  const all = rows(el.parentElement ?? document, list.rows);
  const to = step(ev.key, all.indexOf(el), all.length, "ArrowUp", "ArrowDown");
  if (to === null || id === undefined) return false;
  all[to]!.focus();
  return true;
}

/** Where an arrow, Home or End goes from `i` of `n` (no wrapping in lists; tabs wrap). */
function step(key: string, i: number, n: number, prev: string, next: string): number | null {
  if (i < 0 || n === 0) return null;
  const wrap = prev === "ArrowLeft";
  if (key === prev) return i > 0 ? i - 1 : wrap ? n - 1 : i;
  if (key === next) return i < n - 1 ? i + 1 : wrap ? 0 : i;
  if (key === "Home") return 0;
  if (key === "End") return n - 1;
  return null;
}

/** The live region: what a shortcut started, said by a screen reader. */
export const announcer = h("div", { class: "sr-only", data: { test: "announce" }, attrs: { role: "status", "aria-live": "polite" } });

export function announce(text: string): void {
  // Emptied first: the same words again are still news.
  announcer.textContent = "";
  setTimeout(() => (announcer.textContent = text), 50);
}

/** Listens for the shortcuts and the arrow keys on the whole window. Returns how to stop. */
export function installKeys(host: KeyHost, doc: Document = document): () => void {
  const remember = (ev: FocusEvent) => {
    const el = ev.target;
    if (!(el instanceof HTMLElement)) return;
    const list = listOf(el);
    const id = list?.id(el);
    if (list && id !== undefined) current.set(list.rows, id);
  };
  const onKey = (ev: KeyboardEvent) => {
    // A window taken down (a test boots a new one in the same document) answers no more keys.
    if (!host.root.isConnected) return stop();
    if (ev.defaultPrevented || ev.isComposing) return;
    const cmd = commandOf(ev);
    if (cmd) {
      if (run(cmd, host)) ev.preventDefault();
      return;
    }
    if (!ev.ctrlKey && !ev.altKey && !ev.metaKey && arrow(ev, host)) ev.preventDefault();
  };
  // The keyboard is in use: the focus ring shows (styles.css) until the pointer is used again.
  // Seen first (capture), whatever a view then does with the key.
  const keyboard = (ev: KeyboardEvent) => {
    if (!["Control", "Shift", "Alt", "Meta"].includes(ev.key)) doc.documentElement.dataset.keyboard = "";
  };
  const pointer = () => delete doc.documentElement.dataset.keyboard;
  const stop = () => {
    doc.removeEventListener("keydown", onKey);
    doc.removeEventListener("keydown", keyboard, true);
    doc.removeEventListener("focusin", remember);
    doc.removeEventListener("pointerdown", pointer, true);
  };
  doc.addEventListener("keydown", onKey);
  doc.addEventListener("keydown", keyboard, true);
  doc.addEventListener("focusin", remember);
  doc.addEventListener("pointerdown", pointer, true);
  return stop;
}

/** Runs a shortcut; false when it means nothing here (the key then does what it does anyway). */
function run(cmd: Command, host: KeyHost): boolean {
  // The setup wizard is a page of its own: only quitting and closing leave it.
  const wizard = host.view() === "wizard";
  switch (cmd) {
    case "quit":
      host.quit();
      return true;
    case "close":
      host.closeWindow();
      return true;
    case "check":
      // Ctrl+R and F5 would reload the page: never, also in the wizard.
      if (!wizard) {
        host.checkAll();
        announce(t("keys-checking"));
      }
      return true;
    case "settings":
      if (wizard) return false;
      host.go("settings");
      return true;
    case "escape":
      if (host.view() !== "read" && host.view() !== "edit") return false;
      host.back(host.view());
      return true;
  }
}

/** The "Keyboard shortcuts" list of About. */
export function shortcutsHelp(): HTMLElement {
  return h(
    "section",
    { data: { test: "shortcuts" }, attrs: { "aria-labelledby": "shortcuts-title" } },
    // An h2 that looks like the view's other section titles (h3): it follows the view's h1.
    h("h2", { class: "section-title", attrs: { id: "shortcuts-title" } }, t("keys-shortcuts-title")),
    h(
      "dl",
      { class: "facts-list shortcuts" },
      ...shortcuts().flatMap((s) => [h("dt", null, h("kbd", null, s.keys)), h("dd", null, s.what)]),
      h("dt", null, h("kbd", null, "← → ↑ ↓")),
      h("dd", null, t("keys-arrows")),
    ),
  );
}
