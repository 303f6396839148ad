import { describe, expect, it } from "vitest";

import { applyEngineEvent, folderKey, initialState, isBusy, markViewedLocally, recentState, unviewedIn, unviewedTotal } from "../src/model";
import { account, folder, message, snapshot } from "./fixtures";

function state() {
  const s = initialState();
  s.snapshot = snapshot([account([folder("INBOX"), folder("Work")])]);
  return s;
}

describe("engine events", () => {
  it("updates a folder's status in place", () => {
    const s = state();
    s.pending.add(folderKey("acc1", "Work"));
    const fx = applyEngineEvent(s, {
      event: "folder_status", account: "acc1", folder: "Work", state: "error", uidvalidity: 1, last_uid: 12,
      error: "NO [SERVERBUG] boom", last_sync_at: null, messages: 12, unseen: 3, notice: null,
    });
    expect(fx).toEqual({ reloadMessages: false, reloadSnapshot: false });
    const work = s.snapshot!.accounts[0]!.folders.find((f) => f.name === "Work")!;
    expect(work.state).toBe("error");
    expect(work.last_error).toBe("NO [SERVERBUG] boom");
    expect(work.last_sync_at).toBe("2026-11-28T10:00:00Z"); // the last success stays
    expect(work.messages).toBe(12);
    expect(s.pending.has(folderKey("acc1", "Work"))).toBe(false);
  });

  it("keeps a folder busy while it syncs", () => {
    const s = state();
    applyEngineEvent(s, {
      event: "folder_status", account: "acc1", folder: "INBOX", state: "syncing", uidvalidity: 1, last_uid: 10,
      error: null, last_sync_at: null, messages: 10, unseen: 2, notice: null,
    });
    expect(isBusy(s, "acc1", "INBOX")).toBe(true);
    expect(isBusy(s, "acc1", "Work")).toBe(false);
  });

  it("asks for a fresh snapshot when an unknown folder reports", () => {
    const s = state();
    const fx = applyEngineEvent(s, {
      event: "folder_status", account: "acc1", folder: "New", state: "ok", uidvalidity: 1, last_uid: 0,
      error: null, last_sync_at: null, messages: 0, unseen: 0, notice: null,
    });
    expect(fx.reloadSnapshot).toBe(true);
  });

  it("reloads messages on new mail", () => {
    const s = state();
    const fx = applyEngineEvent(s, {
      event: "new_message", account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 11, from: "Bob <b@x>", subject: "hi",
      date: "2026-11-28T10:00:00Z", preview: "", from_name: "Bob", from_addr: "b@x", message_id: null, seen: false,
      identity: "mid:x@y", folders: ["INBOX"], late: false, ring: "ring", ring_reason: null, list_id: null,
    });
    expect(fx.reloadMessages).toBe(true);
  });

  it("clears the account's pending syncs when its pass ends", () => {
    const s = state();
    s.pending.add("acc1");
    s.pending.add(folderKey("acc1", "INBOX"));
    applyEngineEvent(s, { event: "account_status", account: "acc1", state: "syncing", error: null, new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null });
    expect(isBusy(s, "acc1")).toBe(true);
    applyEngineEvent(s, { event: "account_status", account: "acc1", state: "ok", error: null, new_messages: 1, next_pass_at: "2026-11-28T10:05:00Z", retries: 0, push: true, push_mode: "none", push_folders: 0, sweep_secs: null });
    expect(s.pending.size).toBe(0);
    expect(isBusy(s, "acc1")).toBe(false);
    expect(s.snapshot!.accounts[0]!.status!.push).toBe(true);
  });
});

describe("one message in several folders", () => {
  const update = {
    event: "message_update" as const, account: "acc1", folder: "Work", uidvalidity: 7, uid: 3, seen: true, expunged: false,
    new_copy: false, identity: "mid:1@example.org", folders: ["INBOX", "Work"], message_seen: false, message_expunged: false,
    first_folder: "INBOX", first_uidvalidity: 1, first_uid: 1,
  };

  it("a copy turning up reloads the list; a copy's read state applies to the listed message as a whole", () => {
    const s = state();
    s.messages = [message(1, "a", { folders: ["INBOX", "Work"] })];
    expect(applyEngineEvent(s, { ...update, new_copy: true, seen: false }).reloadMessages).toBe(true);
    // Read in Work only: the INBOX copy is unread, so it stays news.
    expect(applyEngineEvent(s, update).reloadMessages).toBe(true);
    expect(s.messages.map((m) => m.id)).toEqual([1]);
    expect(unviewedIn(s, "acc1", "Work")).toBe(1);
    expect(unviewedIn(s, "acc1", "INBOX")).toBe(1);
    // Read as a whole: it leaves at once.
    applyEngineEvent(s, { ...update, message_seen: true });
    expect(s.messages).toEqual([]);
  });
});

describe("new means new", () => {
  const update = {
    event: "message_update" as const, account: "acc1", folder: "INBOX", uidvalidity: 1, uid: 2, seen: true, expunged: false,
    new_copy: false, identity: "mid:2@example.org", folders: ["INBOX"], message_seen: true, message_expunged: false,
    first_folder: "INBOX", first_uidvalidity: 1, first_uid: 2,
  };

  function withMessages() {
    const s = state();
    s.messages = [message(3, "c"), message(2, "b"), message(1, "a", { viewed: true })];
    s.recent = [...s.messages];
    s.snapshot!.unviewed = 2;
    return s;
  }

  it("a message read elsewhere leaves New mail and the count at once, and Recent shows it read", () => {
    const s = withMessages();
    expect(applyEngineEvent(s, update).reloadMessages).toBe(true);
    expect(s.messages.map((m) => m.id)).toEqual([3, 1]);
    expect(unviewedTotal(s)).toBe(1);
    expect(s.recent.map(recentState)).toEqual(["new", "read", "viewed"]);
    // A second word about it (deleted now) changes no count twice.
    applyEngineEvent(s, { ...update, expunged: true, message_seen: false, message_expunged: true });
    expect(unviewedTotal(s)).toBe(1);
    expect(s.recent.map(recentState)).toEqual(["new", "deleted", "viewed"]);
  });

  it("a viewed message read elsewhere leaves the list without touching the count", () => {
    const s = withMessages();
    applyEngineEvent(s, { ...update, uid: 1, first_uid: 1 });
    expect(s.messages.map((m) => m.id)).toEqual([3, 2]);
    expect(unviewedTotal(s)).toBe(2);
  });

  it("unread again: the lists are read again (the store brings it back), Recent shows it new at once", () => {
    const s = withMessages();
    applyEngineEvent(s, update);
    const fx = applyEngineEvent(s, { ...update, seen: false, message_seen: false });
    expect(fx.reloadMessages).toBe(true);
    expect(s.recent.map(recentState)).toEqual(["new", "new", "viewed"]);
  });

  it("names each state in words", () => {
    expect(recentState(message(1, "a"))).toBe("new");
    expect(recentState(message(1, "a", { viewed: true }))).toBe("viewed");
    expect(recentState(message(1, "a", { seen: true, viewed: true }))).toBe("read");
    expect(recentState(message(1, "a", { seen: true, expunged: true }))).toBe("deleted");
  });
});

describe("viewed marks", () => {
  it("counts per folder and marks locally", () => {
    const s = state();
    s.messages = [message(1, "a"), message(2, "b", { folder: "Work" }), message(3, "c", { viewed: true })];
    expect(unviewedIn(s, "acc1", "INBOX")).toBe(1);
    markViewedLocally(s, [1]);
    expect(unviewedIn(s, "acc1", "INBOX")).toBe(0);
    expect(unviewedIn(s, "acc1", "Work")).toBe(1);
    markViewedLocally(s, null);
    expect(s.messages.every((m) => m.viewed)).toBe(true);
  });
});

describe("progress", () => {
  it("stays busy while held after a click, even when the pass already ended", () => {
    const s = state();
    s.held.add(folderKey("acc1", "INBOX"));
    expect(isBusy(s, "acc1", "INBOX")).toBe(true);
    s.held.clear();
    expect(isBusy(s, "acc1", "INBOX")).toBe(false);
  });
});
