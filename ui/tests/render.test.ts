import { describe, expect, it, vi } from "vitest";

import { h } from "../src/dom";
import { initialState } from "../src/model";
import { accountsView } from "../src/views/accounts";
import type { Ctx } from "../src/views/common";
import { aboutView } from "../src/views/about";
import { messagesView } from "../src/views/messages";
import { RECENT_LIMIT, recentStateLabel, recentView } from "../src/views/recent";
import { settingsView } from "../src/views/settings";
import { account, fakeActions, folder, message, oauthAccount, REVOKED, snapshot } from "./fixtures";

const HOSTILE = "<img src=x onerror=alert(1)>";

function ctx(): Ctx {
  const state = initialState();
  state.snapshot = snapshot();
  return { state, actions: fakeActions(), now: new Date("2026-11-28T12:00:00Z") };
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
  it("offers to add an account when there is none", () => {
    const c = ctx();
    c.state.snapshot = snapshot([]);
    const view = messagesView(c);
    expect(view.querySelector('[data-test="empty-state"]')!.textContent).toContain("No mail account yet");
    view.querySelector<HTMLButtonElement>('[data-test="add-account"]')!.click();
    expect(c.actions.addAccount).toHaveBeenCalled();
  });

  it("explains an empty list", () => {
    const view = messagesView(ctx());
    expect(view.textContent).toContain("No new mail");
    expect(view.textContent).toContain("Recent keeps it");
  });

  it("lists newest first as given, marks unviewed, and opens one on click or Enter", () => {
    const c = ctx();
    c.state.messages = [message(2, "second"), message(1, "first", { viewed: true })];
    c.state.snapshot!.unviewed = 1;
    const view = messagesView(c);
    const rows = [...view.querySelectorAll<HTMLElement>('[data-test="message"]')];
    expect(rows.map((r) => r.querySelector(".subject")!.textContent)).toEqual(["second", "first"]);
    expect(rows[0]!.classList.contains("unviewed")).toBe(true);
    expect(rows[1]!.classList.contains("viewed")).toBe(true);
    expect(rows[0]!.querySelector(".account")!.textContent).toBe("alice@example.org");
    // The count is of the rows shown: two, one of them not seen yet (issue #17: "3 new
    // messages" stood above four rows).
    expect(view.querySelector('[data-test="unviewed-count"]')!.textContent).toBe("2 messages, 1 not seen yet");
    rows[0]!.click();
    expect(c.actions.openMessage).toHaveBeenCalledWith(c.state.messages[0]);
    rows[1]!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(c.actions.openMessage).toHaveBeenLastCalledWith(c.state.messages[1]);
  });

  it("acts on exactly that row's message from its buttons, without opening it", () => {
    const c = ctx();
    c.state.messages = [message(2, "second"), message(1, "first", { seen: true })];
    const view = messagesView(c);
    const rows = [...view.querySelectorAll<HTMLElement>('[data-test="message"]')];
    const labels = (r: HTMLElement) => [...r.querySelectorAll("button")].map((b) => b.textContent);
    expect(labels(rows[0]!)).toEqual(["Mark as read", "Archive", "Delete"]);
    expect(labels(rows[1]!)).toEqual(["Archive", "Delete"]);
    rows[1]!.querySelector<HTMLButtonElement>('[data-test="act-archive"]')!.click();
    const m = c.state.messages[1]!;
    expect(c.actions.act).toHaveBeenCalledWith({ account: m.account_id, folder: m.folder, uidvalidity: m.uidvalidity, uid: m.uid }, "archive");
    expect(c.actions.openMessage).not.toHaveBeenCalled();
  });
});

describe("recent view", () => {
  it("lists every recent message with what became of it, as text", () => {
    const c = ctx();
    c.state.recent = [
      message(4, HOSTILE, { from_name: "<b>Eve</b>" }),
      message(3, "looked at", { viewed: true }),
      message(2, "read elsewhere", { seen: true }),
      message(1, "deleted elsewhere", { seen: true, expunged: true }),
    ];
    const view = recentView(c);
    const rows = [...view.querySelectorAll<HTMLElement>('[data-test="recent-message"]')];
    expect(rows.map((r) => r.dataset.state)).toEqual(["new", "viewed", "read", "deleted"]);
    expect(rows.map((r) => r.querySelector('[data-test="recent-state"]')!.textContent)).toEqual(["New", "Seen in Mailbell", "Read", "Deleted on the server"]);
    expect(rows[0]!.querySelector(".subject")!.textContent).toBe(HOSTILE);
    expect(rows[0]!.querySelector(".sender")!.textContent).toBe("<b>Eve</b>");
    expect(view.querySelectorAll("img, b").length).toBe(0);
    expect(rows[3]!.classList.contains("gone")).toBe(true);
    expect(view.textContent).toContain(`The last ${RECENT_LIMIT} messages`);
    expect(recentStateLabel("deleted").tone).toBe("error");
  });

  it("explains an empty list, and offers an account when there is none", () => {
    expect(recentView(ctx()).textContent).toContain("stays after you read or delete it");
    const c = ctx();
    c.state.snapshot = snapshot([]);
    expect(recentView(c).querySelector('[data-test="add-account"]')).not.toBeNull();
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
      push_mode: "none",
      push_folders: 0,
      sweep_secs: null,
    };
    const view = accountsView(c);
    expect(view.querySelector('[data-test="account-state"]')!.textContent).toBe("Sign-in failed");
    expect(view.querySelector('[data-test="account-error"]')!.textContent).toContain("AUTHENTICATIONFAILED");
  });
});

describe("accounts view: adding and editing", () => {
  it("has an Add account button and an Edit button per account", () => {
    const c = ctx();
    const view = accountsView(c);
    view.querySelector<HTMLButtonElement>('[data-test="add-account"]')!.click();
    expect(c.actions.addAccount).toHaveBeenCalled();
    view.querySelector<HTMLButtonElement>('[data-test="account"] [data-test="edit-account"]')!.click();
    expect(c.actions.editAccount).toHaveBeenCalledWith("acc1");
  });

  it("offers the editor for a refused password", () => {
    const c = ctx();
    c.state.snapshot!.accounts[0]!.status = { account: "acc1", state: "auth_failed", error: "refused", new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null };
    accountsView(c).querySelector<HTMLElement>('[data-test="fix-password"]')!.click();
    expect(c.actions.editAccount).toHaveBeenCalledWith("acc1", "password");
  });

  it("offers to sign in again only for an OAuth2 account whose sign-in was refused", () => {
    const c = ctx();
    const ids = ["oauth-failed", "oauth-ok", "oauth-offline", "password-failed"];
    const views = [oauthAccount("auth_failed", REVOKED), oauthAccount("ok"), oauthAccount("offline", "no route to host"), account()];
    views[3]!.status = { ...views[0]!.status!, state: "auth_failed", error: "[AUTHENTICATIONFAILED] Authentication failed." };
    views.forEach((v, i) => (v.account.id = ids[i]!));
    c.state.snapshot = snapshot(views);
    const view = accountsView(c);
    const card = (id: string) => view.querySelector<HTMLElement>(`[data-test="account"][data-account="${id}"]`)!;
    const offers = ids.map((id) => [id, !!card(id).querySelector('[data-test="sign-in-again"]'), !!card(id).querySelector('[data-test="fix-password"]')]);
    expect(offers).toEqual([
      ["oauth-failed", true, false],
      ["oauth-ok", false, false],
      ["oauth-offline", false, false],
      ["password-failed", false, true],
    ]);
    expect(card("oauth-failed").querySelector('[data-test="account-error"]')!.textContent).toBe(REVOKED);
    card("oauth-failed").querySelector<HTMLButtonElement>('[data-test="sign-in-again"]')!.click();
    expect(c.actions.signInAgain).toHaveBeenCalledWith("oauth-failed");
    expect(c.actions.editAccount).not.toHaveBeenCalled();
  });

  it("says once what just happened", () => {
    const c = ctx();
    c.state.notice = "alice@example.org is removed.";
    c.state.snapshot = snapshot([]);
    const view = accountsView(c);
    expect(view.querySelector('[data-test="notice"]')!.textContent).toBe("alice@example.org is removed.");
    expect(view.querySelector('[data-test="empty-state"] [data-test="add-account"]')).not.toBeNull();
  });
});

describe("settings per account", () => {
  it("live on the account's page: Settings links to it, and places the rules form", () => {
    const c = ctx();
    const form = h("article", { data: { test: "rules" } });
    const view = settingsView(c, form);
    const card = view.querySelector<HTMLElement>('[data-test="account-settings"]')!;
    expect(card.querySelector('[data-test="interval"], [data-test="watch"], [data-test="account-notify"]'), "no second copy of the account's switches").toBeNull();
    card.querySelector<HTMLButtonElement>('[data-test="open-account-settings"]')!.click();
    expect(c.actions.editAccount).toHaveBeenCalledWith("acc1");
    expect(view.querySelector('[data-test="rules"]')).toBe(form);
  });
});

describe("start in the tray", () => {
  it("is a setting where there is a tray", () => {
    const c = ctx();
    const view = settingsView(c);
    const box = view.querySelector<HTMLInputElement>('[data-test="set-start-in-tray"] input')!;
    expect(box.disabled).toBe(false);
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(c.actions.setSettings).toHaveBeenCalledWith({ start_in_tray: true });
    expect(view.querySelector('[data-test="no-tray-hint"]')).toBeNull();
  });

  it("is disabled, with a calm word, where the desktop shows no tray icons", () => {
    const c = ctx();
    c.state.snapshot!.about.tray = false;
    c.state.snapshot!.settings.start_in_tray = true;
    const view = settingsView(c);
    const box = view.querySelector<HTMLInputElement>('[data-test="set-start-in-tray"] input')!;
    expect(box.disabled).toBe(true);
    expect(box.checked).toBe(false);
    expect(view.querySelector(`#${box.getAttribute("aria-describedby")}`)!.textContent).toContain("needs a tray icon");
    expect(view.querySelector('[data-test="no-tray-hint"]')!.textContent).toContain("AppIndicator extension");
    expect(aboutView(c).querySelector('[data-test="no-tray-hint"]')!.textContent).toContain("gnome-shell-extension-appindicator");
  });
});
