// What went wrong with an account, said as a sentence about the user's situation, with the
// server's own words kept for a "Details" disclosure; and the one action that fixes it, which
// becomes the account's main button. The engine sends the kind and its arguments (`problem`
// beside the raw `error` of a status event or a failed command).

import { h } from "./dom";
import type { AccountView } from "./bindings/AccountView";
import type { AccountProblem as Problem } from "./bindings/AccountProblem";

/** The sentence for a problem. */
export function problemSentence(p: Problem): string {
  const host = p.host ?? "the server";
  const folder = p.folder ?? "a folder";
  switch (p.kind) {
    case "auth_failed":
      return p.user ? `${host} did not accept the password for ${p.user}.` : `${host} did not accept the password.`;
    case "sign_in_again":
      return `Your sign-in at ${host} has ended. Sign in again to keep getting mail.`;
    case "password_missing":
      return "Mailbell has no password for this account in your keyring.";
    case "keyring":
      return "Mailbell cannot use your keyring, where it keeps the password.";
    case "cert_untrusted":
      return `Mailbell does not trust the certificate of ${host}, so it did not send your password.`;
    case "cert_changed":
      return `The certificate of ${host} is not the one you trusted. Mailbell stopped checking this account until you review it.`;
    case "ca_file":
      return "The CA certificate chosen for this account cannot be used.";
    case "tls_failed":
      return `Mailbell could not set up an encrypted connection to ${host}.`;
    case "not_encrypted":
      return `${host} would only take your password unencrypted, so Mailbell did not send it.`;
    case "no_oauth":
      return `${host} does not offer signing in through the browser.`;
    case "host_not_found":
      return `There is no server called ${host}: is the name right?`;
    case "connection_refused":
      return `${host} does not accept connections on this port.`;
    case "timeout":
      return `${host} did not answer in time. Mailbell will try again.`;
    case "offline":
      return "This computer is offline. Mailbell will look for mail again when the network is back.";
    case "connection_lost":
      return `The connection to ${host} was lost. Mailbell will try again.`;
    case "server_busy":
      return `${host} cannot sign anyone in right now. Mailbell will try again.`;
    case "server_error":
      return "The server reported an error.";
    case "folder_failed":
      return `Mailbell could not look for mail in ${folder}.`;
    case "folder_gone":
      return `The folder ${folder} is no longer on the server.`;
    case "settings":
      return "This account's settings cannot be used.";
    case "other":
      return "Something went wrong.";
  }
}

/** The sentence, and the raw words under "Details" (the server's, or the engine's whole text). */
export function problemText(p: Problem | null | undefined, raw: string | null | undefined, test: string): HTMLElement | null {
  if (!p && !raw) return null;
  const sentence = p ? problemSentence(p) : (raw ?? "");
  const details = p ? p.details || raw : null;
  return h(
    "div",
    { class: "problem", data: { test, kind: p?.kind ?? "" }, attrs: { role: "alert" } },
    h("p", { class: "error-text", data: { test: `${test}-sentence` } }, sentence),
    details
      ? h(
          "details",
          { class: "problem-details", data: { test: `${test}-details` } },
          h("summary", null, "Details"),
          h("pre", { class: "raw-words", data: { test: `${test}-raw` } }, details),
        )
      : null,
  );
}

/** What the account's main button does: the fix for its state. */
export type Fix = "password" | "sign_in" | "certificate" | "check";

export function fixFor(v: AccountView): Fix {
  const kind = v.status?.problem?.kind;
  const oauth = v.account.oauth !== null;
  if (kind === "sign_in_again" || (oauth && (kind === "auth_failed" || v.status?.state === "auth_failed"))) return "sign_in";
  if (kind === "auth_failed" || kind === "password_missing" || v.status?.state === "auth_failed") return "password";
  if (kind === "cert_untrusted" || kind === "cert_changed" || kind === "ca_file") return "certificate";
  return "check";
}

export const FIX_LABELS: Record<Fix, string> = {
  password: "Enter password…",
  sign_in: "Sign in again",
  certificate: "Review certificate…",
  check: "Check",
};
