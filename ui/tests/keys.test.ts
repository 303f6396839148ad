// The keyboard in the whole window: the shortcuts, arrow keys across the tabs and the lists, the
// focus kept across renders, and Escape out of the reading pane and an account's page.

import { afterEach, describe, expect, it, vi } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

import { APP_CHANNEL } from "../src/bridge";
import type { AppEvent } from "../src/bindings/AppEvent";
import { commandOf, shortcuts, withKeys } from "../src/keys";
import { setLocale } from "../src/i18n";
import { account, message, snapshot } from "./fixtures";
import { $, bootWindow, press, settle, shownView } from "./window";

afterEach(() => clearMocks());

const focused = () => (document.activeElement as HTMLElement | null)?.dataset.test;
const focusedKey = () => (document.activeElement as HTMLElement | null)?.dataset.key;

function twoAccounts() {
  const b = account();
  b.account.id = "acc2";
  b.account.email = "bob@example.org";
  return snapshot([account(), b]);
}

describe("shortcut keys", () => {
  it("reads Ctrl+Q, Ctrl+W, F5, Ctrl+R, Ctrl+, and Escape, and nothing else", () => {
    const k = (key: string, ctrl = false, alt = false) => commandOf({ key, ctrlKey: ctrl, altKey: alt, metaKey: false });
    expect([k("q", true), k("Q", true), k("w", true), k("F5"), k("r", true), k(",", true), k("Escape")]).toEqual(["quit", "quit", "close", "check", "check", "settings", "escape"]);
    expect([k("q"), k("r"), k("w", true, true), k("x", true), k("Enter")]).toEqual([null, null, null, null, null]);
  });

  it("names every shortcut in About and on the buttons they stand for", async () => {
    await bootWindow(snapshot());
    expect($("sync-all").title).toBe("Check all accounts now (F5, Ctrl+R)");
    expect($("sync-all").title).toContain("F5");
    expect($("tab-settings").title).toContain("Ctrl+,");
    $("tab-about").click();
    await settle();
    const help = $("shortcuts").textContent;
    for (const s of shortcuts()) {
      expect(help).toContain(s.keys);
      expect(help).toContain(s.what);
    }
  });

  it("names the keys as the keyboard does in German", () => {
    setLocale("de");
    try {
      expect(withKeys("Einstellungen", "settings")).toBe("Einstellungen (Strg+,)");
      expect(shortcuts().map((s) => s.keys)).toEqual(["F5, Strg+R", "Strg+,", "Esc", "Strg+W", "Strg+Q"]);
    } finally {
      setLocale("en-US");
    }
  });

  it("F5 and Ctrl+R check every account, and Ctrl+R never reaches the page (no reload)", async () => {
    const calls = await bootWindow(twoAccounts());
    const checks = () => calls.filter(([c]) => c === "sync_now").map(([, a]) => a.account);
    const f5 = press("F5");
    await settle();
    expect(f5.defaultPrevented).toBe(true);
    expect(checks()).toEqual(["acc1", "acc2"]);
    const r = press("r", { ctrl: true });
    await settle();
    expect(r.defaultPrevented).toBe(true);
    expect(checks()).toEqual(["acc1", "acc2", "acc1", "acc2"]);
    await vi.waitFor(() => expect($("announce").textContent).toBe("Checking all accounts now."));
  });

  it("Ctrl+, opens Settings; Ctrl+W closes the window to the tray; Ctrl+Q quits", async () => {
    const calls = await bootWindow(snapshot());
    press(",", { ctrl: true });
    await settle();
    expect(shownView()).toBe("settings");
    expect(press("w", { ctrl: true }).defaultPrevented).toBe(true);
    await settle();
    expect(calls.map(([c]) => c)).toContain("close_to_tray");
    expect(calls.map(([c]) => c)).not.toContain("quit_app");
    press("q", { ctrl: true });
    await settle();
    expect(calls.map(([c]) => c)).toContain("quit_app");
  });

  it("leaves the setup wizard to itself: no Settings, no check, but never a reload", async () => {
    const calls = await bootWindow(snapshot([]));
    press(",", { ctrl: true });
    expect(press("F5").defaultPrevented).toBe(true);
    await settle();
    expect(shownView()).toBe("wizard");
    expect(calls.map(([c]) => c)).not.toContain("sync_now");
  });
});

describe("arrow keys", () => {
  it("move across the tab bar (Left, Right, Home, End), the view following, one Tab stop", async () => {
    await bootWindow(snapshot());
    $("tab-messages").focus();
    press("ArrowRight");
    await settle();
    expect(shownView()).toBe("recent");
    expect(focused()).toBe("tab-recent");
    press("End");
    await settle();
    expect(shownView()).toBe("about");
    expect(focused()).toBe("tab-about");
    press("ArrowRight");
    await settle();
    expect(focused()).toBe("tab-messages");
    press("ArrowLeft");
    await settle();
    expect(focused()).toBe("tab-about");
    press("Home");
    await settle();
    expect(shownView()).toBe("messages");
    const stops = [...document.querySelectorAll<HTMLElement>('[role="tab"]')].filter((t) => t.tabIndex === 0);
    expect(stops.map((t) => t.dataset.test)).toEqual(["tab-messages"]);
  });

  it("move between the rows of New mail, keep the row across renders, open it with Enter, and Escape comes back to it", async () => {
    const news = [message(3, "third"), message(2, "second"), message(1, "first")];
    const calls = await bootWindow(snapshot(), (cmd) => {
      if (cmd === "list_news") return news;
      if (cmd === "show_message") return null;
      return null;
    });
    await settle();
    const rows = () => [...document.querySelectorAll<HTMLElement>('[data-test="message"]')];
    expect(rows().map((r) => r.tabIndex)).toEqual([0, -1, -1]);
    rows()[0]!.focus();
    press("ArrowDown");
    press("ArrowDown");
    press("ArrowDown");
    expect(focusedKey()).toBe(rows()[2]!.dataset.key);
    press("ArrowUp");
    expect(focusedKey()).toBe(rows()[1]!.dataset.key);
    press("Home");
    press("End");
    press("ArrowUp");
    const old = rows()[1]!;
    const second = old.dataset.key;
    expect(focusedKey()).toBe(second);
    // An event redraws the list: the focus stays on the same message, the only Tab stop.
    await emit(APP_CHANNEL, { kind: "refresh" } satisfies AppEvent);
    await settle();
    await settle();
    expect(rows()[1]).not.toBe(old); // a new element…
    expect(focusedKey()).toBe(second); // …showing the same message
    expect(rows().map((r) => r.tabIndex)).toEqual([-1, 0, -1]);
    press("Enter");
    await settle();
    expect(shownView()).toBe("read");
    expect(calls.some(([c, a]) => c === "show_message" && (a.message as { uid: number }).uid === 2)).toBe(true);
    expect(focused()).toBe("reader-back");
    press("Escape");
    await settle();
    expect(shownView()).toBe("messages");
    expect(focusedKey()).toBe(second);
  });

  it("move between the account cards; Enter opens one's page and Escape leaves it", async () => {
    await bootWindow(twoAccounts());
    $("tab-accounts").click();
    await settle();
    const cards = () => [...document.querySelectorAll<HTMLElement>('[data-test="account"]')];
    expect(cards().map((c) => c.tabIndex)).toEqual([0, -1]);
    cards()[0]!.focus();
    press("ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.account).toBe("acc2");
    press("Enter");
    await settle();
    expect(shownView()).toBe("edit");
    press("Escape");
    await settle();
    expect(shownView()).toBe("accounts");
    expect((document.activeElement as HTMLElement).dataset.account).toBe("acc2");
  });

  it("leave a row's own buttons alone: arrows there do not move between rows", async () => {
    await bootWindow(snapshot(), (cmd) => (cmd === "list_news" ? [message(2, "b"), message(1, "a")] : null));
    await settle();
    const button = document.querySelector<HTMLElement>('[data-test="message"] [data-test="act-archive"]')!;
    button.focus();
    expect(press("ArrowDown").defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(button);
  });
});

describe("the focus ring", () => {
  it("shows while the keyboard is used, and not after the pointer", async () => {
    await bootWindow(snapshot());
    const html = document.documentElement;
    press("ArrowDown");
    expect(html.dataset.keyboard).toBe("");
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(html.dataset.keyboard).toBeUndefined();
    press("Control");
    expect(html.dataset.keyboard).toBeUndefined();
  });
});
