import { describe, expect, it, vi } from "vitest";

import { h } from "../src/dom";
import { initialState } from "../src/model";
import { accountsView } from "../src/views/accounts";
import type { Actions, Ctx } from "../src/views/common";
import { messagesView } from "../src/views/messages";
import { account, folder, message, snapshot } from "./fixtures";

const HOSTILE = "<img src=x onerror=alert(1)>";

function actions(): Actions {
  return {
    go: vi.fn(),
    syncNow: vi.fn(async () => {}),
    syncAll: vi.fn(async () => {}),
    markViewed: vi.fn(async () => {}),
    setWatched: vi.fn(async () => {}),
    setInterval: vi.fn(async () => {}),
    setSettings: vi.fn(async () => {}),
  };
}

function ctx(): Ctx {
  const state = initialState();
  state.snapshot = snapshot();
  return { state, actions: actions(), now: new Date("2026-11-28T12:00:00Z") };
}

describe("mail text is text, never markup", () => {
  it("renders a hostile subject, sender, preview and folder literally", () => {
    const c = ctx();
    c.state.messages = [message(1, HOSTILE, { from_name: "<b>Eve</b>", preview: "<script>alert(2)</script>", folder: "<i>F</i>" })];
    const alert = vi.fn();
    (globalThis as unknown as { alert: unknown }).alert = alert;
    const view = messagesView(c);
    document.body.replaceChildren(view);

    const row = view.querySelector('[data-test="message"]')!;
    expect(row.querySelector(".subject")!.textContent).toBe(HOSTILE);
    expect(row.querySelector(".sender")!.textContent).toBe("<b>Eve</b>");
    expect(row.querySelector(".preview")!.textContent).toBe("<script>alert(2)</script>");
    expect(row.querySelector(".folder")!.textContent).toBe("<i>F</i>");
    expect(view.querySelectorAll("img, script, b, i").length).toBe(0);
    expect(alert).not.toHaveBeenCalled();
  });

  it("shows a server error as text next to its folder", () => {
    const c = ctx();
    c.state.snapshot = snapshot([account([folder("INBOX", { state: "error", last_error: "NO <blink>Mailbox is locked</blink>" })])]);
    const view = accountsView(c);
    const err = view.querySelector('[data-test="folder"] [data-test="folder-error"]')!;
    expect(err.textContent).toBe("NO <blink>Mailbox is locked</blink>");
    expect(view.querySelector("blink")).toBeNull();
  });

  it("refuses event-handler attributes", () => {
    expect(() => h("div", { attrs: { onclick: "alert(1)" } })).toThrow(/refusing/);
  });
});

describe("messages view", () => {
  it("says what to do when there is no account", () => {
    const c = ctx();
    c.state.snapshot = snapshot([]);
    const view = messagesView(c);
    expect(view.querySelector('[data-test="empty-state"]')!.textContent).toContain("No mail account yet");
    expect(view.querySelector('[data-test="add-account-command"]')!.textContent).toContain("mailbell-cli account add");
  });

  it("explains an empty list", () => {
    const view = messagesView(ctx());
    expect(view.textContent).toContain("No new mail yet");
  });

  it("lists newest first as given, marks unviewed, and marks one viewed on click", () => {
    const c = ctx();
    c.state.messages = [message(2, "second"), message(1, "first", { viewed: true })];
    c.state.snapshot!.unviewed = 1;
    const view = messagesView(c);
    const rows = [...view.querySelectorAll<HTMLElement>('[data-test="message"]')];
    expect(rows.map((r) => r.querySelector(".subject")!.textContent)).toEqual(["second", "first"]);
    expect(rows[0]!.classList.contains("unviewed")).toBe(true);
    expect(rows[1]!.classList.contains("viewed")).toBe(true);
    expect(rows[0]!.querySelector(".account")!.textContent).toBe("alice@example.org");
    expect(view.querySelector('[data-test="unviewed-count"]')!.textContent).toBe("1 new message");
    rows[0]!.click();
    expect(c.actions.markViewed).toHaveBeenCalledWith([2]);
  });
});

describe("accounts view", () => {
  it("shows folder status and asks for a folder sync", () => {
    const c = ctx();
    const view = accountsView(c);
    const row = view.querySelector<HTMLElement>('[data-test="folder"][data-folder="INBOX"]')!;
    expect(row.querySelector('[data-test="folder-state"]')!.textContent).toBe("Up to date");
    expect(row.querySelector('[data-test="folder-detail"]')!.textContent).toContain("checked 2 h ago");
    row.querySelector<HTMLButtonElement>('[data-test="sync-folder"]')!.click();
    expect(c.actions.syncNow).toHaveBeenCalledWith("acc1", "INBOX");
  });

  it("shows progress while a folder sync is pending", () => {
    const c = ctx();
    c.state.pending.add("acc1\u0000INBOX");
    const row = accountsView(c).querySelector<HTMLElement>('[data-test="folder"]')!;
    expect(row.querySelector('[data-test="folder-state"]')!.textContent).toBe("Checking…");
    expect(row.querySelector<HTMLButtonElement>('[data-test="sync-folder"]')!.disabled).toBe(true);
  });

  it("shows the account's error and next check", () => {
    const c = ctx();
    c.state.snapshot!.accounts[0]!.status = {
      account: "acc1",
      state: "auth_failed",
      error: "authentication failed: [AUTHENTICATIONFAILED] Authentication failed.",
      new_messages: 0,
      next_pass_at: null,
      retries: 1,
      push: false,
    };
    const view = accountsView(c);
    expect(view.querySelector('[data-test="account-state"]')!.textContent).toBe("Sign-in failed");
    expect(view.querySelector('[data-test="account-error"]')!.textContent).toContain("AUTHENTICATIONFAILED");
  });
});
