import { vi } from "vitest";

import type { AccountStatusEvent } from "../src/bindings/AccountStatusEvent";
import type { AccountView } from "../src/bindings/AccountView";
import type { AppError } from "../src/bindings/AppError";
import type { Candidate } from "../src/bindings/Candidate";
import type { DiscoveryView } from "../src/bindings/DiscoveryView";
import type { FolderInfo } from "../src/bindings/FolderInfo";
import type { LiveTestReport } from "../src/bindings/LiveTestReport";
import type { OAuthConfig } from "../src/bindings/OAuthConfig";
import type { Offer } from "../src/bindings/Offer";
import type { StepReport } from "../src/bindings/StepReport";
import type { FolderRow } from "../src/bindings/FolderRow";
import type { Snapshot } from "../src/bindings/Snapshot";
import type { StoredMessage } from "../src/bindings/StoredMessage";
import type { Actions } from "../src/views/common";

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
    notify: true,
    ...extra,
  };
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
      oauth: null,
      notify: true,
      pinned_cert_sha256: null,
    },
    folders,
    status: null,
    running: true,
  };
}

/** How an account signs in at an administrator's identity server. */
export function oauthConfig(extra: Partial<OAuthConfig> = {}): OAuthConfig {
  return {
    provider: "custom",
    authorize_url: "https://id.example.org/authorize",
    token_url: "https://id.example.org/token",
    revoke_url: "https://id.example.org/revoke",
    scopes: ["mail"],
    client_id: "mailbell",
    client_secret: null,
    ...extra,
  };
}

/** An account that signs in with OAuth2, in state `state` (no status: not checked yet). */
export function oauthAccount(state: AccountStatusEvent["state"] | null = null, error: string | null = null): AccountView {
  const v = account();
  v.account.oauth = oauthConfig();
  if (state) v.status = { account: v.account.id, state, error, new_messages: 0, next_pass_at: null, retries: 0, push: false, push_mode: "none", push_folders: 0, sweep_secs: null };
  return v;
}

export const REVOKED = "the sign-in has expired or was revoked (invalid_grant: the grant was revoked): sign in again";

export function offer(extra: Partial<Offer> = {}): Offer {
  return { provider: "custom", name: "Example ID", unavailable: null, ...extra };
}

export function snapshot(accounts: AccountView[] = [account()]): Snapshot {
  return {
    accounts,
    settings: { notifications: true, paused: false, autostart: false, start_in_tray: false, sound: false },
    rules: { quiet_hours: [], important: [], muted: [] },
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
    identity: `mid:${id}@example.org`,
    folders: [extra.folder ?? "INBOX"],
    list_id: null,
    ring: "ring",
    ring_reason: null,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Setup (discovery, live test)


export function candidate(extra: Partial<Candidate> = {}): Candidate {
  return {
    host: "imap.example.org",
    port: 993,
    security: "tls",
    username_hint: "alice",
    note: null,
    note_kinds: [],
    help_url: null,
    quirks: [],
    source: "autoconfig",
    source_url: "https://autoconfig.example.org/mail/config-v1.1.xml",
    ...extra,
  } as Candidate;
}

export function discovery(candidates: Candidate[] = [candidate()], extra: Partial<DiscoveryView> = {}): DiscoveryView {
  return {
    domain: "example.org",
    candidates,
    attempts: [{ source: "builtin", target: "example.org", result: "not a provider in the built-in table", result_kind: { kind: "not_in_table" } }],
    error: null,
    error_kind: null,
    ...extra,
  };
}

export function folderInfo(name: string, extra: Partial<FolderInfo> = {}): FolderInfo {
  return { name, delimiter: "/", special_use: null, selectable: true, messages: 3, unseen: 1, watched_by_default: true, ...extra };
}

export function stepReport(step: StepReport["step"], status: StepReport["status"], detail = "", detail_kind: StepReport["detail_kind"] = null): StepReport {
  return { step, status, detail, detail_kind, elapsed_ms: 1 as unknown as bigint };
}

const ALL_OK: StepReport[] = [
  stepReport("connect", "ok", "connected to 192.0.2.1:993", { kind: "connected", address: "192.0.2.1:993", imap: false }),
  stepReport("secure", "ok", "TLS (implicit), certificate verified", { kind: "secured", starttls: false, subject: "", issuer: "", not_after: "" }),
  stepReport("authenticate", "ok", 'logged in as "alice"', { kind: "logged_in", user: "alice" }),
  stepReport("list_folders", "ok", "3 folders", { kind: "folders", count: 3 }),
];

const failedAt = (problem: NonNullable<LiveTestReport["problem"]>) => ({ kind: "failed", problem, host: "imap.example.org", port: 993, user: "alice" }) as const;

export function passedReport(folders: FolderInfo[] = [folderInfo("INBOX"), folderInfo("Work")]): LiveTestReport {
  return {
    host: "imap.example.org",
    port: 993,
    security: "tls",
    username: "alice",
    ok: true,
    steps: ALL_OK,
    problem: null,
    field: null,
    advice: null,
    advice_kind: null,
    certificate: null,
    provider: null,
    capabilities: ["IMAP4rev1"],
    folders,
  };
}

/** A test that fails at sign-in with Dovecot's words. */
export function authFailedReport(extra: Partial<LiveTestReport> = {}): LiveTestReport {
  return {
    ...passedReport([]),
    ok: false,
    steps: [
      ALL_OK[0]!,
      ALL_OK[1]!,
      stepReport("authenticate", "failed", 'the server refused the login for "alice": [AUTHENTICATIONFAILED] Authentication failed.', failedAt("auth_failed")),
      stepReport("list_folders", "skipped"),
    ],
    problem: "auth_failed",
    field: "password",
    advice: "Check the user name and password.",
    advice_kind: "check_password",
    ...extra,
  };
}

export function untrustedReport(): LiveTestReport {
  return {
    ...passedReport([]),
    ok: false,
    steps: [ALL_OK[0]!, stepReport("secure", "failed", "the certificate of imap.example.org is not trusted: self-signed certificate", failedAt("untrusted_certificate")), stepReport("authenticate", "skipped"), stepReport("list_folders", "skipped")],
    problem: "untrusted_certificate",
    field: "ca_file",
    advice: "If you trust this server, save this self-signed certificate as a PEM file (--ca-file).",
    advice_kind: "trust_self_signed",
    certificate: {
      subject: "CN=imap.example.org",
      issuer: "CN=imap.example.org",
      not_before: "2026-01-01T00:00:00Z",
      not_after: "2027-01-01T00:00:00Z",
      sha256_fingerprint: "AB:CD",
      names: ["imap.example.org"],
      self_signed: true,
      expired: false,
      not_yet_valid: false,
      reason: "self-signed certificate",
      reason_kind: "self_signed",
      pem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    },
  };
}

/** Actions that only record their calls. */
export function fakeActions() {
  return {
    go: vi.fn(),
    addAccount: vi.fn(),
    editAccount: vi.fn(),
    signInAgain: vi.fn(),
    syncNow: vi.fn(async () => {}),
    syncAll: vi.fn(async () => {}),
    markViewed: vi.fn(async () => {}),
    openMessage: vi.fn(),
    act: vi.fn(async () => true),
    setWatched: vi.fn(async () => {}),
    setInterval: vi.fn(async () => {}),
    setSettings: vi.fn(async () => {}),
    setFolderNotify: vi.fn(async () => {}),
    setAccountNotify: vi.fn(async () => {}),
  } satisfies Actions;
}

/** A command's refusal, as the Rust side rejects with it. */
export function refusal(kind: AppError["kind"], message: string, field: string | null = null): AppError {
  return { kind, message, field };
}
