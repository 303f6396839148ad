// The window's state and how engine events change it. Pure functions: the views only read.

import type { AccountView } from "./bindings/AccountView";
import type { Event as EngineEvent } from "./bindings/Event";
import type { FolderRow } from "./bindings/FolderRow";
import type { MessageKey } from "./bindings/MessageKey";
import type { MessageUpdateEvent } from "./bindings/MessageUpdateEvent";
import type { MessageRef } from "./bindings/MessageRef";
import type { Snapshot } from "./bindings/Snapshot";
import type { StoredMessage } from "./bindings/StoredMessage";

/** The tabs, plus the setup wizard and an account's editor (a page of Accounts). */
export type View = "messages" | "recent" | "accounts" | "settings" | "about" | "wizard" | "edit" | "read";

export type UiState = {
  view: View;
  snapshot: Snapshot | null;
  /** The news: unread on the server and still there (the New mail view). */
  messages: StoredMessage[];
  /** The latest messages whatever their state (the Recent view); loaded while it shows. */
  recent: StoredMessage[];
  /** Why the first load failed, if it did. */
  loadError: string | null;
  /** "Check now" asked and not finished: account ids and `folderKey`s. */
  pending: Set<string>;
  /** Shown as busy for a moment after a click even when the pass ends at once (no flicker, and
   * the user sees the click was taken). */
  held: Set<string>;
  /** Errors of the user's own actions, shown next to what they concern (same keys, or "settings"). */
  actionErrors: Map<string, string>;
  /** A message to scroll to and highlight (a notification was clicked). */
  reveal: string | null;
  /** The account the editor shows (view "edit"). */
  editing: string | null;
  /** The message the reading pane shows (view "read"). */
  reading: MessageRef | null;
  /** What just happened (an account added or removed), said once at the top of Accounts. */
  notice: string | null;
};

export function initialState(): UiState {
  return {
    view: "messages",
    snapshot: null,
    messages: [],
    recent: [],
    loadError: null,
    pending: new Set(),
    held: new Set(),
    actionErrors: new Map(),
    reveal: null,
    editing: null,
    reading: null,
    notice: null,
  };
}

/** The view once the first snapshot is in: on a first run (no account) the setup wizard,
 * since there is nothing else to show. */
export function viewAfterFirstSnapshot(snapshot: Snapshot, current: View): View {
  return snapshot.accounts.length === 0 ? "wizard" : current;
}

export function folderKey(account: string, folder: string): string {
  return `${account}\u0000${folder}`;
}

export function msgKey(k: { account: string; folder: string; uidvalidity: number; uid: number }): string {
  return `${k.account}\u0000${k.folder}\u0000${k.uidvalidity}\u0000${k.uid}`;
}

export function storedKey(m: StoredMessage): string {
  return msgKey({ account: m.account_id, folder: m.folder, uidvalidity: m.uidvalidity, uid: m.uid });
}

export function revealKey(k: MessageKey): string {
  return msgKey(k);
}

/** How the engine addresses a listed message. */
export function storedRef(m: StoredMessage): MessageRef {
  return { account: m.account_id, folder: m.folder, uidvalidity: m.uidvalidity, uid: m.uid };
}

/** The listed message a key names (a notification's), if the list holds it. */
export function listedMessage(s: UiState, k: MessageKey): StoredMessage | undefined {
  const key = msgKey(k);
  return s.messages.find((m) => storedKey(m) === key);
}

export function accountView(s: UiState, id: string): AccountView | undefined {
  return s.snapshot?.accounts.find((a) => a.account.id === id);
}

export function accountLabel(s: UiState, id: string): string {
  const a = accountView(s, id)?.account;
  return a ? a.display_name || a.email : id;
}

/** What an event means for the rest of the window. */
export type Effect = {
  /** The message list must be read again (new mail arrived). */
  reloadMessages: boolean;
  /** Something unknown appeared (a new folder): read the snapshot again. */
  reloadSnapshot: boolean;
};

/** Applies one engine event to the state, in place. */
export function applyEngineEvent(s: UiState, e: EngineEvent): Effect {
  const effect: Effect = { reloadMessages: false, reloadSnapshot: false };
  switch (e.event) {
    case "new_message":
      effect.reloadMessages = true;
      break;
    case "folder_status": {
      const view = accountView(s, e.account);
      const row = view?.folders.find((f) => f.name === e.folder);
      if (!row) {
        effect.reloadSnapshot = s.snapshot !== null;
        break;
      }
      const updated: FolderRow = {
        ...row,
        state: e.state,
        uidvalidity: e.uidvalidity,
        last_uid: e.last_uid,
        last_error: e.error,
        last_sync_at: e.last_sync_at ?? row.last_sync_at,
        messages: e.messages,
        unseen: e.unseen,
        notice: e.notice,
      };
      view!.folders = view!.folders.map((f) => (f === row ? updated : f));
      if (e.state !== "syncing") s.pending.delete(folderKey(e.account, e.folder));
      break;
    }
    case "account_status": {
      const view = accountView(s, e.account);
      if (!view) {
        effect.reloadSnapshot = s.snapshot !== null;
        break;
      }
      view.status = e;
      view.running = true;
      if (e.state !== "syncing" && e.state !== "connecting") {
        s.pending.delete(e.account);
        for (const k of [...s.pending]) if (k.startsWith(`${e.account}\u0000`)) s.pending.delete(k);
        // Folders the pass did not report on are no longer being checked.
        view.folders = view.folders.map((f) => (f.state === "syncing" ? { ...f, state: e.state === "ok" ? "ok" : f.last_error ? "error" : "idle" } : f));
      }
      break;
    }
    case "message_update": {
      // A copy in another folder: the listed message gains a folder (read the list again).
      if (e.new_copy) {
        effect.reloadMessages = true;
        break;
      }
      applyMessageState(s, e);
      effect.reloadMessages = true;
      break;
    }
  }
  return effect;
}

/** A message's state changed on the server (`message_update`; the list shows each message once,
 * under its first copy, and its state sums up the copies). Read or deleted: it leaves the news
 * at once, and the count with it, before the lists are read again. Unread again: the reload
 * brings it back. Recent keeps every message and shows the new state. */
export function applyMessageState(s: UiState, e: MessageUpdateEvent): void {
  const k = msgKey({ account: e.account, folder: e.first_folder, uidvalidity: e.first_uidvalidity, uid: e.first_uid });
  const news = !e.message_seen && !e.message_expunged;
  if (!news) {
    const leaving = s.messages.find((m) => storedKey(m) === k);
    if (leaving) {
      s.messages = s.messages.filter((m) => m !== leaving);
      if (!leaving.viewed && s.snapshot && s.snapshot.unviewed > 0) s.snapshot.unviewed -= 1;
    }
  }
  s.recent = s.recent.map((m) => (storedKey(m) === k ? { ...m, seen: e.message_seen, expunged: e.message_expunged, folders: e.folders } : m));
}

/** What became of a recent message: still news (and whether the user saw it in Mailbell), read
 * on the server, or deleted there. */
export type RecentState = "new" | "viewed" | "read" | "deleted";

export function recentState(m: StoredMessage): RecentState {
  if (m.expunged) return "deleted";
  if (m.seen) return "read";
  return m.viewed ? "viewed" : "new";
}

/** How many listed messages in a folder the user has not looked at in Mailbell (a message in
 * several folders counts in each of them, and once in the total). */
export function unviewedIn(s: UiState, account: string, folder: string): number {
  return s.messages.filter((m) => !m.viewed && m.account_id === account && m.folders.includes(folder)).length;
}

export function unviewedTotal(s: UiState): number {
  return s.snapshot?.unviewed ?? s.messages.filter((m) => !m.viewed).length;
}

/** Marks messages viewed locally (the store was told already). */
export function markViewedLocally(s: UiState, ids: number[] | null): void {
  const set = ids ? new Set(ids) : null;
  s.messages = s.messages.map((m) => (!m.viewed && (!set || set.has(m.id)) ? { ...m, viewed: true } : m));
}

/** Whether an account or one of its folders is being checked. */
export function isBusy(s: UiState, account: string, folder?: string): boolean {
  const view = accountView(s, account);
  if (folder === undefined) {
    return s.pending.has(account) || s.held.has(account) || view?.status?.state === "syncing" || view?.status?.state === "connecting";
  }
  const k = folderKey(account, folder);
  return s.pending.has(k) || s.held.has(k) || view?.folders.find((f) => f.name === folder)?.state === "syncing";
}
