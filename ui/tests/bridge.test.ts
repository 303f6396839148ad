import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

import { api, APP_CHANNEL, ENGINE_CHANNEL, subscribe, toAppError } from "../src/bridge";
import type { AppEvent } from "../src/bindings/AppEvent";
import type { Event as EngineEvent } from "../src/bindings/Event";
import { snapshot } from "./fixtures";

afterEach(() => clearMocks());

describe("commands", () => {
  it("calls Mailbell's commands by name with their arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "snapshot") return snapshot();
      if (cmd === "mark_viewed") return 0;
      return null;
    });
    expect((await api.snapshot()).accounts.length).toBe(1);
    await api.syncNow("acc1", "INBOX");
    await api.syncNow("acc1");
    await api.markViewed([1, 2]);
    await api.setSettings({ paused: true });
    const server = { host: "imap.example.org", port: 993, security: "tls" as const, username: "alice", ca_file: null };
    await api.discoverServers("alice@example.org");
    await api.testConnection(4, server, "pw");
    await api.addAccount({ display_name: "", email: "alice@example.org", server, folders: ["INBOX"], interval_secs: 300, quirks: [] }, "pw");
    await api.setPassword("acc1", "pw2");
    await api.removeAccount("acc1");
    await api.oauthOffer("alice@example.org", "imap.example.org");
    await api.oauthSignIn(5, "alice@example.org", "imap.example.org", "alice");
    await api.oauthOpen(5);
    await api.testConnectionSignedIn(6, server, 5);
    await api.addOAuthAccount({ display_name: "", email: "alice@example.org", server, folders: ["INBOX"], interval_secs: 300, quirks: [] }, 5);
    await api.oauthCancel(5);
    await api.signInAgain(7, "acc1");
    await api.openLink("https://example.org/help");
    expect(calls).toEqual([
      ["snapshot", {}],
      ["sync_now", { account: "acc1", folder: "INBOX" }],
      ["sync_now", { account: "acc1", folder: null }],
      ["mark_viewed", { ids: [1, 2] }],
      ["set_settings", { patch: { paused: true } }],
      ["discover_servers", { email: "alice@example.org" }],
      ["test_connection", { run: 4, server, password: "pw" }],
      ["add_account", { setup: { display_name: "", email: "alice@example.org", server, folders: ["INBOX"], interval_secs: 300, quirks: [] }, password: "pw" }],
      ["set_password", { account: "acc1", password: "pw2" }],
      ["remove_account", { account: "acc1" }],
      ["oauth_offer", { email: "alice@example.org", host: "imap.example.org" }],
      ["oauth_sign_in", { run: 5, email: "alice@example.org", host: "imap.example.org", login: "alice" }],
      ["oauth_open", { run: 5 }],
      ["test_connection_signed_in", { run: 6, server, grant: 5 }],
      ["add_oauth_account", { setup: { display_name: "", email: "alice@example.org", server, folders: ["INBOX"], interval_secs: 300, quirks: [] }, grant: 5 }],
      ["oauth_cancel", { run: 5 }],
      ["sign_in_again", { run: 7, account: "acc1" }],
      ["open_link", { url: "https://example.org/help" }],
    ]);
  });

  it("turns a rejected command into an AppError", async () => {
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the IPC rejects with the Rust error as a bare object (here without `field`), which is what toAppError must read
      throw { kind: "unavailable", message: "Mailbell cannot read passwords: the keyring is locked" };
    });
    await expect(api.syncNow("acc1")).rejects.toEqual({ kind: "unavailable", message: "Mailbell cannot read passwords: the keyring is locked", field: null });
    expect(toAppError(new Error("x"))).toEqual({ kind: "internal", message: "x", field: null });
    expect(toAppError("plain")).toEqual({ kind: "internal", message: "plain", field: null });
    expect(toAppError({ kind: "invalid", message: "bad port", field: "port" })).toEqual({ kind: "invalid", message: "bad port", field: "port" });
  });
});

describe("events", () => {
  it("delivers engine and app events to their handlers", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const engine: EngineEvent[] = [];
    const app: AppEvent[] = [];
    const off = await subscribe({ engine: (e) => engine.push(e), app: (e) => app.push(e) });
    const ev: EngineEvent = { event: "account_status", account: "a", state: "ok", error: null, new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null };
    await emit(ENGINE_CHANNEL, ev);
    await emit(APP_CHANNEL, { kind: "unviewed", count: 3 } satisfies AppEvent);
    expect(engine).toEqual([ev]);
    expect(app).toEqual([{ kind: "unviewed", count: 3 }]);
    off();
    await emit(APP_CHANNEL, { kind: "refresh" } satisfies AppEvent);
    expect(app.length).toBe(1);
  });
});
