// The engine's words in the setup wizard and the account editor, in the user's language: a
// field's error (`FieldError.kind`) and the live test's problem and advice (`problem`,
// `advice_kind`) become sentences from the catalogue (locales/*/wizard-engine.ftl). The
// engine's English stays for the CLI; the window shows it only under "Details" when it holds
// words from elsewhere (the server's, the system's).

import type { FieldError } from "./bindings/FieldError";
import type { LiveTestReport } from "./bindings/LiveTestReport";
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
    case "other":
      return null;
  }
}

/** What went wrong in a failed live test, as a sentence. */
export function testProblemSentence(r: LiveTestReport): string | null {
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
