// The account setup's logic, without DOM: discovered candidates as form values, where each
// error goes, the live test's step progress, and the default choice of folders. The wizard
// (views/wizard/) and the account editor (views/editor.ts) only draw what this decides.

import type { AccountView } from "./bindings/AccountView";
import type { AppError } from "./bindings/AppError";
import type { Candidate } from "./bindings/Candidate";
import type { FolderInfo } from "./bindings/FolderInfo";
import type { LiveTestReport } from "./bindings/LiveTestReport";
import type { OAuthConfig } from "./bindings/OAuthConfig";
import type { Offer } from "./bindings/Offer";
import type { Security } from "./bindings/Security";
import type { ServerSettings } from "./bindings/ServerSettings";
import type { Step } from "./bindings/Step";
import type { StepReport } from "./bindings/StepReport";
import { adviceSentence, fieldErrorSentence, providerNote, stepDetailSentence, testProblemSentence } from "./engine-words";
import { t } from "./i18n";

export type WizardStep = "address" | "server" | "folders" | "finish";
export const WIZARD_STEPS: readonly WizardStep[] = ["address", "server", "folders", "finish"];

/** The wizard's fields, by the names the commands' errors use; `oauth` is the sign-in in the
 * browser (its button). */
export type FieldName = "email" | "display_name" | "password" | "oauth" | "host" | "port" | "security" | "username" | "ca_file" | "folders" | "interval";

/** The step that holds a field. */
export function stepOfField(f: FieldName): WizardStep {
  switch (f) {
    case "email":
    case "display_name":
      return "address";
    case "folders":
      return "folders";
    case "interval":
      return "finish";
    default:
      return "server";
  }
}

const FIELDS: readonly string[] = ["email", "display_name", "password", "oauth", "host", "port", "security", "username", "ca_file", "folders", "interval"];

function asField(f: string | null | undefined): FieldName | null {
  return f && FIELDS.includes(f) ? (f as FieldName) : null;
}

/** An error to show: next to `field`, or for the whole step when it names none; `details` are
 * words from elsewhere (the server's, the system's) for a "Details" disclosure. `said`: the
 * message is the catalogue's sentence, shown as it is (an engine's words get a capital first). */
export type Placement = { field: FieldName | null; message: string; advice: string | null; details?: string | null; said?: boolean };

/** Where a command's rejection goes, in the user's language when the engine said what kind of
 * error it is. */
export function placeError(e: AppError): Placement {
  const fe = e.field_error;
  const said = fe ? fieldErrorSentence(fe) : null;
  // A kind only the engine's English describes: that English is the details.
  if (fe && said) return { field: asField(e.field), message: said, advice: null, details: fe.kind === "other" ? fe.message : fe.details, said: true };
  // The app's own sentence (already in the user's language), with words from elsewhere behind it.
  if (e.details) return { field: asField(e.field), message: e.message, advice: null, details: e.details, said: true };
  return { field: asField(e.field), message: e.message, advice: null };
}

/** Where a failed test's words go: the failed step's detail (the server's own words) and the
 * advice, next to the field the report names. A test with a sign-in's token (`signedIn`) has
 * no password: a refused token goes next to the sign-in. Null for a test that passed. */
export function placeReport(r: LiveTestReport, signedIn = false): Placement | null {
  if (r.ok) return null;
  const failed = r.steps.find((s) => s.status === "failed");
  const field = signedIn && r.field === "password" ? "oauth" : asField(r.field);
  const said = testProblemSentence(r);
  // The engine's English advice only when there is no kind for it (a report from an older engine).
  const advice = r.advice_kind ? adviceSentence(r) : r.advice;
  if (said) return { field, message: said, advice, details: failed?.detail || null, said: true };
  return { field, message: failed?.detail ?? t("setup-test-failed"), advice };
}

/** What to say about an untrusted certificate, beside the certificate itself: giving the CA file
 * helps unless the certificate expired or names another host (then the engine's advice says
 * what does). */
export function certificateAdvice(r: LiveTestReport): { caFile: boolean; text: string } | null {
  const c = r.certificate;
  if (r.problem !== "untrusted_certificate" || !c) return null;
  if (c.expired || c.reason_kind === "name_mismatch") return { caFile: false, text: adviceSentence(r) ?? r.advice ?? "" };
  return {
    caFile: true,
    text: c.self_signed ? t("setup-cert-advice-self-signed") : t("setup-cert-advice"),
  };
}

/** The provider's help, when its users need more than their password (app password, OAuth, a
 * bridge). */
export function providerHelp(r: LiveTestReport): { name: string; note: string; url: string } | null {
  const p = r.provider;
  if (!p || p.access === "password") return null;
  return { name: p.name, note: providerNote(p.id) ?? p.note, url: p.help_url };
}

// ---------------------------------------------------------------------------------------------
// Server settings

/** The server form as typed (the port as text, the CA file possibly blank), and the one
 * certificate the user trusted for it ("Trust this certificate"), if any. */
export type ServerForm = { host: string; port: string; security: Security; username: string; caFile: string; pin?: string | null };

export function defaultPort(s: Security): number {
  return s === "tls" ? 993 : 143;
}

/** A candidate as form values; the user name is the hint, else the whole address. */
export function formFromCandidate(c: Candidate, email: string): ServerForm {
  return { host: c.host, port: String(c.port), security: c.security, username: c.username_hint || email.trim(), caFile: "" };
}

/** The form when discovery found nothing: TLS on 993, the address as user name. */
export function blankForm(email: string): ServerForm {
  return { host: "", port: "993", security: "tls", username: email.trim(), caFile: "" };
}

/** The port to show after the security mode changed: a default port follows the mode, a port the
 * user chose stays. */
export function portAfterSecurityChange(port: string, from: Security, to: Security): string {
  return port.trim() === String(defaultPort(from)) ? String(defaultPort(to)) : port;
}

/** The form checked as far as the window can (the commands check again), or the first bad field. */
export function serverSettings(f: ServerForm): { ok: ServerSettings } | { err: Placement } {
  const bad = (field: FieldName, message: string) => ({ err: { field, message, advice: null } });
  const host = f.host.trim();
  if (!host) return bad("host", t("setup-enter-host"));
  const port = Number(f.port.trim());
  if (!/^\d+$/.test(f.port.trim()) || port < 1 || port > 65535) return bad("port", t("setup-enter-port"));
  const username = f.username.trim();
  if (!username) return bad("username", t("setup-enter-username"));
  const caFile = f.caFile.trim();
  return { ok: { host, port, security: f.security, username, ca_file: caFile || null, ...(f.pin ? { pinned_cert_sha256: f.pin } : {}) } };
}

export function sameSettings(a: ServerSettings, b: ServerSettings): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.security === b.security &&
    a.username === b.username &&
    a.ca_file === b.ca_file &&
    (a.pinned_cert_sha256 ?? null) === (b.pinned_cert_sha256 ?? null)
  );
}

/** The built-in table's providers by id (the candidate names only the id). */
const PROVIDER_NAMES: Record<string, string> = {
  gmail: "Gmail",
  outlook: "Outlook.com / Microsoft 365",
  yahoo: "Yahoo Mail",
  icloud: "iCloud Mail",
  fastmail: "Fastmail",
  gmx: "GMX",
  "gmx-com": "GMX",
  webde: "WEB.DE",
  "mailbox-org": "mailbox.org",
  posteo: "Posteo",
  aol: "AOL Mail",
  zoho: "Zoho Mail",
  "zoho-eu": "Zoho Mail (EU)",
  "proton-bridge": "Proton Mail Bridge",
};

/** Where a candidate came from, in words, with the URL or record it came from. */
export function sourceText(c: Candidate): { text: string; where: string | null } {
  switch (c.source) {
    case "builtin":
      return { text: t("source-builtin", { provider: PROVIDER_NAMES[c.provider] ?? c.provider }), where: null };
    case "autoconfig":
      return { text: t("source-autoconfig"), where: c.source_url };
    case "ispdb":
      return { text: t("source-ispdb"), where: c.source_url };
    case "srv":
      return { text: t("source-srv"), where: c.source_record };
    case "guess":
      return { text: t("source-guess", { host: c.host, port: String(c.port) }), where: null };
  }
}

export const SECURITIES: readonly Security[] = ["tls", "starttls", "plain"];

/** A connection security as the server form names it. */
export function securityLabel(s: Security): string {
  switch (s) {
    case "tls":
      return t("security-tls");
    case "starttls":
      return t("security-starttls");
    case "plain":
      return t("security-plain");
  }
}

/** One line for a candidate in the "settings found" list. */
export function candidateLabel(c: Candidate): string {
  return `${c.host}:${c.port} · ${c.security.toUpperCase()} · ${c.source}`;
}

// ---------------------------------------------------------------------------------------------
// OAuth2 sign-in in the browser

/** An offer the user can take (the provider signs in with OAuth2 and this build can). */
export function usableOffer(o: Offer | null): o is Offer & { unavailable: null } {
  return !!o && !o.unavailable;
}

export function sameOffer(a: Offer | null, b: Offer | null): boolean {
  return a === b || (!!a && !!b && a.provider === b.provider && a.name === b.name && a.unavailable === b.unavailable);
}

/** The name of an account's sign-in provider: the built-in provider's, else the identity
 * server's host (the administrator's name for it comes from `oauth_offer`, when it answers). */
export function oauthProviderName(c: OAuthConfig): string {
  const known = PROVIDER_NAMES[c.provider];
  if (known) return known;
  try {
    return new URL(c.authorize_url).host || c.authorize_url;
  } catch {
    return c.authorize_url;
  }
}

/** Whether an account must be signed in again in the browser: an OAuth2 account whose sign-in
 * the server or provider refused (expired, revoked). Password accounts get a new password. */
export function needsSignInAgain(v: AccountView): boolean {
  return !!v.account.oauth && v.status?.state === "auth_failed";
}

// ---------------------------------------------------------------------------------------------
// The live test's progress

export const TEST_STEPS: readonly Step[] = ["connect", "secure", "authenticate", "list_folders"];

/** A live test's step, in words. */
export function stepLabel(s: Step): string {
  switch (s) {
    case "connect":
      return t("step-connect");
    case "secure":
      return t("step-secure");
    case "authenticate":
      return t("step-authenticate");
    case "list_folders":
      return t("step-list-folders");
  }
}

export type StepState = "pending" | "running" | "ok" | "failed" | "skipped";
export type Progress = { run: number; steps: Record<Step, { state: StepState; detail: string }> };

/** A test just started: the first step runs, the others wait. */
export function startProgress(run: number): Progress {
  const steps = {} as Progress["steps"];
  TEST_STEPS.forEach((s, i) => (steps[s] = { state: i === 0 ? "running" : "pending", detail: "" }));
  return { run, steps };
}

/** One finished step of test `run`. Steps of another run (an earlier test still reporting)
 * change nothing: the same progress comes back. The next waiting step then runs. */
export function applyStep(p: Progress, run: number, step: StepReport): Progress {
  if (run !== p.run) return p;
  // In the user's language when the engine said what kind of finding it is (its English
  // detail of a failure is the error's "Details").
  const steps = { ...p.steps, [step.step]: { state: step.status, detail: stepDetailSentence(step) ?? step.detail } };
  if (step.status === "ok") {
    const next = TEST_STEPS[TEST_STEPS.indexOf(step.step) + 1];
    if (next && steps[next].state === "pending") steps[next] = { state: "running", detail: "" };
  } else if (step.status === "failed") {
    for (const s of TEST_STEPS) if (steps[s].state === "pending" || steps[s].state === "running") steps[s] = { state: "skipped", detail: "" };
  }
  return { run, steps };
}

/** The final word: the report's steps (events may have been missed). */
export function progressFromReport(run: number, r: LiveTestReport): Progress {
  let p = startProgress(run);
  for (const s of r.steps) p = applyStep(p, run, s);
  for (const s of TEST_STEPS) if (p.steps[s].state === "running" || p.steps[s].state === "pending") p.steps[s] = { state: "skipped", detail: "" };
  return p;
}

let lastRun = 0;
/** A fresh id for a test run (its events carry it). */
export function nextRun(): number {
  lastRun = (lastRun + 1) % 0xffff_ffff;
  return lastRun;
}

// ---------------------------------------------------------------------------------------------
// Folders

/** The folders that can be watched (not the hierarchy-only ones), INBOX first as the test lists. */
export function offeredFolders(folders: FolderInfo[]): FolderInfo[] {
  return folders.filter((f) => f.selectable);
}

/** Mailbell's default choice; INBOX at least when the rule picks nothing. */
export function defaultFolders(folders: FolderInfo[]): Set<string> {
  const offered = offeredFolders(folders);
  const chosen = new Set(offered.filter((f) => f.watched_by_default).map((f) => f.name));
  if (chosen.size === 0) {
    const inbox = offered.find((f) => f.name.toUpperCase() === "INBOX") ?? offered[0];
    if (inbox) chosen.add(inbox.name);
  }
  return chosen;
}

/** "12 messages, 3 unread", when the server told. */
export function folderCounts(f: { messages: number | null; unseen: number | null }): string {
  if (f.messages === null) return "";
  return f.unseen ? t("setup-folder-counts-unread", { count: f.messages, unseen: f.unseen }) : t("setup-folder-counts", { count: f.messages });
}
