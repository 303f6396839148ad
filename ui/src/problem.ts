// What went wrong with an account, said as a sentence about the user's situation, with the
// server's own words kept for a "Details" disclosure; and the one action that fixes it, which
// becomes the account's main button. The engine sends the kind and its arguments (`problem`
// beside the raw `error` of a status event or a failed command).

import { h } from "./dom";
import { t } from "./i18n";
import type { AccountView } from "./bindings/AccountView";
import type { AccountProblem as Problem } from "./bindings/AccountProblem";

/** The sentence for a problem. */
export function problemSentence(p: Problem): string {
  // The engine names the host for every kind about a server; the fallbacks are for the rest.
  const host = p.host ?? t("problem-the-server");
  const folder = p.folder ?? t("problem-a-folder");
  switch (p.kind) {
    case "auth_failed":
      return p.user ? t("problem-auth-failed-user", { host, user: p.user }) : t("problem-auth-failed", { host });
    case "sign_in_again":
      return t("problem-sign-in-again", { host });
    case "password_missing":
      return t("problem-password-missing");
    case "keyring":
      return t("problem-keyring");
    case "cert_untrusted":
      return t("problem-cert-untrusted", { host });
    case "cert_changed":
      return t("problem-cert-changed", { host });
    case "ca_file":
      return t("problem-ca-file");
    case "tls_failed":
      return t("problem-tls-failed", { host });
    case "not_encrypted":
      return t("problem-not-encrypted", { host });
    case "no_oauth":
      return t("problem-no-oauth", { host });
    case "host_not_found":
      return t("problem-host-not-found", { host });
    case "connection_refused":
      return t("problem-connection-refused", { host });
    case "timeout":
      return t("problem-timeout", { host });
    case "offline":
      return t("problem-offline");
    case "connection_lost":
      return t("problem-connection-lost", { host });
    case "server_busy":
      return t("problem-server-busy", { host });
    case "server_error":
      return t("problem-server-error");
    case "folder_failed":
      return t("problem-folder-failed", { folder });
    case "folder_gone":
      return t("problem-folder-gone", { folder });
    case "settings":
      return t("problem-settings");
    case "other":
      return t("problem-other");
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
          h("summary", null, t("problem-details")),
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

/** The main button's label for a fix. */
export function fixLabel(fix: Fix): string {
  switch (fix) {
    case "password":
      return t("fix-enter-password");
    case "sign_in":
      return t("account-sign-in-again");
    case "certificate":
      return t("fix-review-certificate");
    case "check":
      return t("account-check-now");
  }
}
