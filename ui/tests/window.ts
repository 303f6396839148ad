// The whole window (main.ts) booted over a mocked Tauri IPC, for the keyboard and accessibility
// tests: every command call is recorded; `reply` answers those a test cares about.

import { expect, vi } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";

import type { Snapshot } from "../src/bindings/Snapshot";

export type Calls = [string, Record<string, unknown>][];

export async function bootWindow(snap: Snapshot, reply: (cmd: string, args: Record<string, unknown>) => unknown = () => null): Promise<Calls> {
  vi.resetModules();
  const app = document.createElement("div");
  app.id = "app";
  document.body.replaceChildren(app);
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push([cmd, a]);
      if (cmd === "snapshot") return snap;
      const answer = reply(cmd, a);
      if (cmd === "list_messages" || cmd === "list_news") return Array.isArray(answer) ? (answer as unknown[]) : [];
      return answer;
    },
    { shouldMockEvents: true },
  );
  await import("../src/main");
  await vi.waitFor(() => expect(document.getElementById("main")!.dataset.view).toBe(snap.accounts.length ? "messages" : "wizard"));
  // The snapshot and the lists answered, and drawn.
  await vi.waitFor(() => expect(calls.filter(([c]) => c === "snapshot" || c === "list_news").length).toBeGreaterThanOrEqual(2));
  await settle();
  return calls;
}

export const $ = <E extends HTMLElement = HTMLElement>(test: string) => document.querySelector<E>(`[data-test="${test}"]`)!;
export const shownView = () => document.getElementById("main")!.dataset.view;
/** Long enough for a coalesced render (16 ms) and the IPC mock's promises. */
export const settle = () => new Promise((r) => setTimeout(r, 60));

/** A key press as the window gets it, at the focused element (or the body). */
export function press(key: string, o: { ctrl?: boolean; at?: Element } = {}): KeyboardEvent {
  const ev = new KeyboardEvent("keydown", { key, ctrlKey: o.ctrl ?? false, bubbles: true, cancelable: true });
  (o.at ?? document.activeElement ?? document.body).dispatchEvent(ev);
  return ev;
}
