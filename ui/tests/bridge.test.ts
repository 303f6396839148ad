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
    expect(calls).toEqual([
      ["snapshot", {}],
      ["sync_now", { account: "acc1", folder: "INBOX" }],
      ["sync_now", { account: "acc1", folder: null }],
      ["mark_viewed", { ids: [1, 2] }],
      ["set_settings", { patch: { paused: true } }],
    ]);
  });

  it("turns a rejected command into an AppError", async () => {
    mockIPC(() => {
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
    const ev: EngineEvent = { event: "account_status", account: "a", state: "ok", error: null, new_messages: 0, next_pass_at: null, retries: 0, push: false };
    await emit(ENGINE_CHANNEL, ev);
    await emit(APP_CHANNEL, { kind: "unviewed", count: 3 } satisfies AppEvent);
    expect(engine).toEqual([ev]);
    expect(app).toEqual([{ kind: "unviewed", count: 3 }]);
    off();
    await emit(APP_CHANNEL, { kind: "refresh" } satisfies AppEvent);
    expect(app.length).toBe(1);
  });
});
