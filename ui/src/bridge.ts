// The typed bridge to the Rust side: one function per Mailbell command, and the two event
// channels. Every type here is generated from Rust (ui/src/bindings, by ts-rs).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import type { AppError } from "./bindings/AppError";
import type { AppEvent } from "./bindings/AppEvent";
import type { Channel } from "./bindings/Channel";
import type { Event as EngineEvent } from "./bindings/Event";
import type { Settings } from "./bindings/Settings";
import type { SettingsPatch } from "./bindings/SettingsPatch";
import type { Snapshot } from "./bindings/Snapshot";
import type { StoredMessage } from "./bindings/StoredMessage";

export const ENGINE_CHANNEL: Channel = "mailbell:engine";
export const APP_CHANNEL: Channel = "mailbell:app";

/** Whatever a command rejected with, as an AppError (Rust errors arrive as `{kind, message}`). */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) {
    const field = (e as Partial<AppError>).field;
    return { kind: (e as AppError).kind, message: String((e as AppError).message), field: typeof field === "string" ? field : null };
  }
  return { kind: "internal", message: e instanceof Error ? e.message : String(e), field: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export const api = {
  snapshot: () => call<Snapshot>("snapshot"),
  listMessages: (limit?: number) => call<StoredMessage[]>("list_messages", { limit: limit ?? null }),
  markViewed: (ids: number[] | null) => call<number>("mark_viewed", { ids }),
  syncNow: (account: string, folder: string | null = null) => call<null>("sync_now", { account, folder }),
  setInterval: (account: string, secs: number) => call<null>("set_interval", { account, secs }),
  setWatched: (account: string, folder: string, watched: boolean) => call<null>("set_watched", { account, folder, watched }),
  setSettings: (patch: SettingsPatch) => call<Settings>("set_settings", { patch }),
};

export type Handlers = {
  engine: (e: EngineEvent) => void;
  app: (e: AppEvent) => void;
};

export async function subscribe(h: Handlers): Promise<UnlistenFn> {
  const offEngine = await listen<EngineEvent>(ENGINE_CHANNEL, (e) => h.engine(e.payload));
  const offApp = await listen<AppEvent>(APP_CHANNEL, (e) => h.app(e.payload));
  return () => {
    offEngine();
    offApp();
  };
}
