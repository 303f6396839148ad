import type { AccountView } from "../src/bindings/AccountView";
import type { FolderRow } from "../src/bindings/FolderRow";
import type { Snapshot } from "../src/bindings/Snapshot";
import type { StoredMessage } from "../src/bindings/StoredMessage";

export function folder(name: string, extra: Partial<FolderRow> = {}): FolderRow {
  return {
    account_id: "acc1",
    name,
    raw_name: name,
    delimiter: "/",
    special_use: null,
    watched: true,
    uidvalidity: 1,
    last_uid: 10,
    uidnext: 11,
    highestmodseq: 0,
    messages: 10,
    unseen: 2,
    state: "ok",
    last_attempt_at: null,
    last_sync_at: "2026-11-28T10:00:00Z",
    last_error: null,
    notice: null,
    baseline_at: null,
    ...extra,
  } as FolderRow;
}

export function account(folders: FolderRow[] = [folder("INBOX")]): AccountView {
  return {
    account: {
      id: "acc1",
      display_name: "",
      email: "alice@example.org",
      host: "imap.example.org",
      port: 993,
      security: "tls",
      username: "alice",
      ca_file: null,
      folders: null,
      interval_secs: 300,
      enabled: true,
      created_at: "2026-11-01T00:00:00Z",
      quirks: [],
    },
    folders,
    status: null,
    running: true,
  } as AccountView;
}

export function snapshot(accounts: AccountView[] = [account()]): Snapshot {
  return {
    accounts,
    settings: { notifications: true, paused: false, autostart: false, start_in_tray: false },
    unviewed: 0,
    engine_error: null,
    about: { version: "0.1.0", data_dir: "/tmp/d", log_file: "/tmp/d/mailbell.log", tray: true },
  };
}

export function message(id: number, subject: string, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id,
    account_id: "acc1",
    folder: "INBOX",
    uidvalidity: 1,
    uid: id,
    message_id: null,
    from_name: "Bob",
    from_addr: "bob@example.org",
    subject,
    date: "2026-11-28T10:00:00Z",
    internal_date: "2026-11-28T10:00:00Z",
    size: 100,
    preview: "Hello there",
    flags: [],
    fetched_at: "2026-11-28T10:00:01Z",
    viewed: false,
    seen: false,
    expunged: false,
    ...extra,
  } as StoredMessage;
}
