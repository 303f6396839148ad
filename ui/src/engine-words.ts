// The engine's words in the setup wizard and the account editor, in the user's language: a
// field's error (`FieldError.kind`) and the live test's problem and advice (`problem`,
// `advice_kind`) become sentences from the catalogue (locales/*/wizard-engine.ftl). The
// engine's English stays for the CLI; the window shows it only under "Details" when it holds
// words from elsewhere (the server's, the system's).

import type { Attempt } from "./bindings/Attempt";
import type { Candidate } from "./bindings/Candidate";
import type { CandidateNote } from "./bindings/CandidateNote";
import type { CertReason } from "./bindings/CertReason";
import type { FieldError } from "./bindings/FieldError";
import type { LiveTestReport } from "./bindings/LiveTestReport";
import type { SourceKind } from "./bindings/SourceKind";
import type { StepReport } from "./bindings/StepReport";
import { t } from "./i18n";

/** A field error as a sentence; null when the engine has no kind for it (its English stays). */
export function fieldErrorSentence(e: FieldError): string | null {
  const value = e.value ?? "";
  switch (e.kind) {
    case "missing":
      switch (e.field) {
        case "email":
          return t("engine-field-email-missing");
        case "host":
          return t("engine-field-host-missing");
        case "username":
          return t("engine-field-username-missing");
        case "password":
          return t("engine-field-password-missing");
        default:
          return null;
      }
    case "invalid":
      switch (e.field) {
        case "email":
          return t("engine-field-email-invalid", { value });
        case "host":
          return t("engine-field-host-invalid", { value });
        case "certificate":
          return t("engine-field-fingerprint-invalid", { value });
        default:
          return null;
      }
    case "port_zero":
      return t("engine-field-port-zero");
    case "ca_file_not_absolute":
      return t("engine-field-ca-file-not-absolute");
    case "ca_file_unusable":
      return t("engine-field-ca-file-unusable");
    case "no_folders":
      return t("engine-field-no-folders");
    case "interval_too_short":
      return t("engine-field-interval-too-short", { value: Number(value), min: e.min ?? 0 });
    case "already_set_up":
      return t("engine-field-already-set-up");
    case "unknown_quirk":
      return t("engine-field-unknown-quirk", { value });
    case "other":
      // Only the engine's English says what: a plain sentence here, its words under "Details".
      return t("engine-field-other");
  }
}

/** What went wrong in a failed live test, as a sentence. */
export function testProblemSentence(r: Pick<LiveTestReport, "problem" | "host" | "port" | "username">): string | null {
  const host = r.host;
  const port = r.port;
  switch (r.problem) {
    case null:
      return null;
    case "host_not_found":
      return t("engine-test-host-not-found", { host });
    case "connection_refused":
      return t("engine-test-connection-refused", { host, port });
    case "timed_out":
      return t("engine-test-timed-out", { host, port });
    case "network_unreachable":
      return t("engine-test-network-unreachable", { host });
    case "untrusted_certificate":
      return t("engine-test-untrusted-certificate", { host });
    case "tls_failed":
      return t("engine-test-tls-failed", { host });
    case "ca_file_unusable":
      return t("engine-test-ca-file-unusable");
    case "starttls_not_offered":
      return t("engine-test-starttls-not-offered", { host });
    case "starttls_refused":
      return t("engine-test-starttls-refused", { host });
    case "not_imap":
      return t("engine-test-not-imap", { host, port });
    case "server_closed":
      return t("engine-test-server-closed", { host });
    case "login_disabled":
      return t("engine-test-login-disabled", { host });
    case "auth_failed":
      return t("engine-test-auth-failed", { host, user: r.username });
    case "token_refused":
      return t("engine-test-token-refused", { host });
    case "oauth_not_offered":
      return t("engine-test-oauth-not-offered", { host });
    case "list_failed":
      return t("engine-test-list-failed", { host });
    case "connection_lost":
      return t("engine-test-connection-lost", { host });
  }
}

/** What to do about a failed live test, as a sentence; null when the report gives no advice. */
export function adviceSentence(r: LiveTestReport): string | null {
  const host = r.host;
  const port = r.port;
  const name = r.provider?.name ?? "";
  switch (r.advice_kind) {
    case null:
      return null;
    case "name_service_silent":
      return t("engine-advice-name-service-silent");
    case "check_host_name":
      return t("engine-advice-check-host-name", { host });
    case "check_port_running":
      return t("engine-advice-check-port-running", { host });
    case "check_firewall":
      return t("engine-advice-check-firewall");
    case "check_network":
      return t("engine-advice-check-network");
    case "check_host_and_port":
      return t("engine-advice-check-host-and-port");
    case "token_refused":
      return t("engine-advice-token-refused");
    case "provider_oauth":
      return t("engine-advice-provider-oauth", { name });
    case "provider_special_password":
      return t("engine-advice-provider-special-password", { name });
    case "check_password_provider":
    case "check_password":
      return t("engine-advice-check-password");
    case "login_disabled":
      return t("engine-advice-login-disabled");
    case "use_password":
      return t("engine-advice-use-password");
    case "list_failed":
      return t("engine-advice-list-failed");
    case "certificate_expired":
      return t("engine-advice-certificate-expired", { date: r.certificate?.not_after ?? "" });
    case "certificate_name_mismatch":
      return t("engine-advice-certificate-name-mismatch", { names: r.certificate?.names.join(", ") ?? "", host });
    case "trust_self_signed":
      return t("engine-advice-trust-self-signed");
    case "trust_ca":
      return t("engine-advice-trust-ca");
    case "choose_ca_file":
      return t("engine-advice-choose-ca-file");
    case "starttls_not_offered":
      return t("engine-advice-starttls-not-offered");
    case "use_tls":
      return t("engine-advice-use-tls");
    case "tls_wrong_port":
      return t("engine-advice-tls-wrong-port", { port });
    case "tls_too_old":
      return t("engine-advice-tls-too-old");
    case "stopped_answering":
      return t("engine-advice-stopped-answering");
    case "server_closed":
      return t("engine-advice-server-closed");
    case "not_imap":
      return t("engine-advice-not-imap");
    case "connection_broke":
      return t("engine-advice-connection-broke");
    case "try_again":
      return t("engine-advice-try-again");
  }
}

/** What a step of the live test found, or why it failed, as a sentence; null when the engine
 * gave no kind (a step not reached, or an older engine: its English `detail` stays). */
export function stepDetailSentence(s: StepReport): string | null {
  const d = s.detail_kind;
  if (!d) return null;
  switch (d.kind) {
    case "connected":
      return d.imap ? t("step-found-answered", { address: d.address }) : t("step-found-connected", { address: d.address });
    case "secured": {
      if (!d.subject) return d.starttls ? t("step-found-starttls-unread") : t("step-found-tls-unread");
      const args = { subject: d.subject, issuer: d.issuer, date: day(d.not_after) };
      return d.starttls ? t("step-found-starttls", args) : t("step-found-tls", args);
    }
    case "not_encrypted":
      return t("step-found-not-encrypted");
    case "logged_in":
      return t("step-found-signed-in", { user: d.user });
    case "folders":
      return t("step-found-folders", { count: d.count });
    case "failed":
      return testProblemSentence({ problem: d.problem, host: d.host, port: d.port, username: d.user });
  }
}

/** A certificate time (RFC 3339) as its day; as given when it is not one. */
export function day(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** Why a certificate is not trusted, as a sentence (OpenSSL's words go under "Details"). */
export function certReasonSentence(kind: CertReason): string {
  switch (kind) {
    case "self_signed":
      return t("cert-why-self-signed");
    case "unknown_issuer":
      return t("cert-why-unknown-issuer");
    case "expired":
      return t("cert-why-expired");
    case "not_yet_valid":
      return t("cert-why-not-yet-valid");
    case "name_mismatch":
      return t("cert-why-name-mismatch");
    case "revoked":
      return t("cert-why-revoked");
    case "not_pinned":
      return t("cert-why-not-pinned");
    case "other":
      return t("cert-why-other");
  }
}

/** What the users of a provider of the built-in table must know, by its id; null for a provider
 * this window has no words for (the engine's English note is then shown). */
export function providerNote(id: string): string | null {
  switch (id) {
    case "gmail":
      return t("provider-note-gmail");
    case "outlook":
      return t("provider-note-outlook");
    case "yahoo":
      return t("provider-note-yahoo");
    case "icloud":
      return t("provider-note-icloud");
    case "fastmail":
      return t("provider-note-fastmail");
    case "gmx":
    case "gmx-com":
      return t("provider-note-gmx");
    case "webde":
      return t("provider-note-webde");
    case "mailbox-org":
      return t("provider-note-mailbox-org");
    case "posteo":
      return t("provider-note-posteo");
    case "aol":
      return t("provider-note-aol");
    case "zoho":
    case "zoho-eu":
      return t("provider-note-zoho");
    case "proton-bridge":
      return t("provider-note-proton-bridge");
    default:
      return null;
  }
}

function candidateNote(n: CandidateNote): string | null {
  switch (n.kind) {
    case "provider":
      return providerNote(n.provider);
    case "not_encrypted":
      return t("note-not-encrypted");
    case "untrusted_certificate":
      return `${t("note-untrusted-certificate")} ${certReasonSentence(n.reason)}`;
    case "oauth_only":
      return t("note-oauth-only");
    case "encrypted_password":
      return t("note-encrypted-password");
    case "unusable_sign_in":
      return t("note-unusable-sign-in", { methods: n.methods });
  }
}

/** What to know about a found server, as sentences; the engine's English note when it gave no
 * kinds (or one this window has no words for). */
export function candidateNotes(c: Candidate): string[] {
  const kinds = c.note_kinds;
  const said = kinds.map(candidateNote).filter((n): n is string => n !== null);
  if (kinds.length && said.length === kinds.length) return said;
  return c.note ? [c.note] : [];
}

/** Where discovery looked. */
export function attemptSource(k: SourceKind): string {
  switch (k) {
    case "builtin":
      return t("attempt-source-builtin");
    case "autoconfig":
      return t("attempt-source-autoconfig");
    case "ispdb":
      return t("attempt-source-ispdb");
    case "srv":
      return t("attempt-source-srv");
    case "guess":
      return t("attempt-source-guess");
  }
}

/** What came of an attempt, and the engine's words about it when they say more (for "Details"). */
export function attemptResult(a: Attempt): { text: string; details: string | null } {
  const r = a.result_kind;
  switch (r.kind) {
    case "not_in_table":
      return { text: t("attempt-not-in-table"), details: null };
    case "provider":
      return { text: t("attempt-provider", { name: r.name, server: `${r.host}:${r.port}` }), details: null };
    case "servers":
      return { text: t("attempt-servers", { count: r.count }), details: null };
    case "no_imap_server":
      return { text: t("attempt-no-imap-server"), details: a.result };
    case "unreadable":
      return { text: t("attempt-unreadable"), details: a.result };
    case "targets":
      return { text: t("attempt-targets", { servers: r.targets.join(", ") }), details: null };
    case "no_service":
      return { text: t("attempt-no-service"), details: null };
    case "no_record":
      return { text: t("attempt-no-record"), details: null };
    case "lookup_failed":
      return { text: t("attempt-lookup-failed"), details: a.result };
    case "imap_answered":
      return { text: t("attempt-imap-answered"), details: null };
    case "untrusted":
      return { text: `${t("attempt-untrusted")}: ${certReasonSentence(r.reason)}`, details: a.result };
    case "no_answer":
      return { text: t("attempt-no-answer"), details: a.result };
  }
}
