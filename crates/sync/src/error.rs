//! The engine's error: what a sync, a sign-in or an account change can fail with, and what
//! it means for the account (offline, sign in again, the user must act).

use serde::Serialize;

use crate::events::{AccountProblem, AccountState, ProblemKind};
use crate::imap::ImapError;
use crate::oauth::OAuthError;
use crate::rules::RulesError;
use crate::secrets::SecretsError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// Bad input in one field of an account's settings (see `account::AccountSpec`).
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The message a reference names is no longer in its folder.
    #[error("the message (UID {uid}) is no longer in {folder} on the server: it was moved or deleted elsewhere; check the folder again for the current list")]
    MessageGone { folder: String, uid: u32 },
    /// The folder was reset on the server since the reference was made: its UIDs name other
    /// messages now, so acting on it could touch the wrong one.
    #[error("the folder {folder} was reset on the server (its UIDVALIDITY is now {current}, the message reference has {given}): the reference is stale; check the folder again and use the message's new reference")]
    StaleReference { folder: String, given: u32, current: u32 },
    /// The account's server marks no folder with the special use an action needs.
    #[error("the account has no {kind} folder: the server marks no folder as {kind} (RFC 6154 \\{kind}); mark a folder as {kind} on the server (in your webmail's or mail program's folder settings), or {instead}")]
    NoSpecialFolder { kind: &'static str, instead: &'static str },
    /// Moving a message needs MOVE, or UIDPLUS's UID EXPUNGE: a plain EXPUNGE would also
    /// remove every other message someone marked \Deleted in the folder.
    #[error("{host} offers neither MOVE nor UID EXPUNGE (UIDPLUS): moving one message would expunge every other message marked deleted in the folder, so Mailbell refuses to; move it in your mail program instead")]
    CannotMoveSafely { host: String },
    /// Archive or Delete of a message already in that folder: moving it would do nothing, and
    /// deleting mail for good is not a notifier's job (it could not be undone).
    #[error("the message is already in {folder}, the account's {kind} folder: Mailbell does not delete mail for good; do that in your mail program")]
    AlreadyThere { folder: String, kind: &'static str },
    /// An undo token that expired, was used already, or never existed.
    #[error(
        "this can no longer be undone (undo lasts {secs} seconds and works once): change the message back in your mail program if needed"
    )]
    UndoExpired { secs: u64 },
    /// The folder a reference names is not on the server.
    #[error("there is no folder {folder} on the server for this account: check the folder's name (`mailbell-cli status` lists them)")]
    NoSuchFolder { folder: String },
    /// Notification rules that cannot be kept (a time like "25:00", not an address...).
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl SyncError {
    /// Retrying will not help until the user acts (wrong password, untrusted certificate...).
    pub fn needs_user(&self) -> bool {
        match self {
            SyncError::Imap(e) => e.needs_user(),
            SyncError::Secrets(_) | SyncError::Invalid(_) | SyncError::Rules(_) => true,
            SyncError::OAuth(e) => e.needs_sign_in(),
            _ => false,
        }
    }

    pub fn is_auth_failure(&self) -> bool {
        matches!(self, SyncError::Imap(ImapError::AuthFailed { .. } | ImapError::TokenRefused { .. }))
            || matches!(self, SyncError::OAuth(e) if e.needs_sign_in())
    }

    /// How the account looks to the user after this error.
    /// The machine has no way to the server right now (no address, no route, the interface
    /// down): not an error of the server or of the settings. The engine waits for the network
    /// to come back, and hears about it (`engine/wakeups.rs`).
    pub fn is_network_down(&self) -> bool {
        let io = match self {
            SyncError::Imap(ImapError::Connect { source, .. } | ImapError::Io(source)) => source,
            _ => return false,
        };
        matches!(io.raw_os_error(), Some(libc::ENETUNREACH | libc::ENETDOWN | libc::EHOSTUNREACH | libc::EADDRNOTAVAIL))
    }

    /// The error as an account's status shows it: "offline, waiting for the network" when
    /// there is none, else the error itself.
    pub fn status_text(&self) -> String {
        if self.is_network_down() {
            format!("offline, waiting for the network ({self})")
        } else {
            self.to_string()
        }
    }

    /// The error as an [`AccountProblem`]: its kind, the arguments a sentence about it needs, and the
    /// raw words (the server's, OpenSSL's, the system's) for "Details".
    pub fn problem(&self) -> AccountProblem {
        use ProblemKind as K;
        let imap = match self {
            SyncError::Imap(e) => e,
            SyncError::Secrets(SecretsError::NotFound { .. }) => return AccountProblem::new(K::PasswordMissing, self.to_string()),
            SyncError::Secrets(e) => return AccountProblem::new(K::Keyring, e.to_string()),
            SyncError::OAuth(e) if e.needs_sign_in() => return AccountProblem::new(K::SignInAgain, e.to_string()),
            SyncError::OAuth(OAuthError::Unreachable { detail, .. }) => return AccountProblem::new(K::ConnectionLost, detail.clone()),
            SyncError::NoSuchFolder { folder } => {
                return AccountProblem { folder: Some(folder.clone()), ..AccountProblem::new(K::FolderGone, self.to_string()) }
            }
            SyncError::Invalid(_) | SyncError::Rules(_) => return AccountProblem::new(K::Settings, self.to_string()),
            _ => return AccountProblem::new(K::Other, self.to_string()),
        };
        let at = |kind: ProblemKind, host: &str, details: String| AccountProblem {
            host: Some(host.to_string()),
            ..AccountProblem::new(kind, details)
        };
        if self.is_network_down() {
            let details = match imap {
                ImapError::Connect { source, .. } | ImapError::Io(source) => source.to_string(),
                other => other.to_string(),
            };
            return AccountProblem::new(K::Offline, details);
        }
        match imap {
            ImapError::AuthFailed { user, host, text } => {
                AccountProblem { user: Some(user.clone()), ..at(K::AuthFailed, host, text.clone()) }
            }
            ImapError::TokenRefused { user, host, text } => {
                AccountProblem { user: Some(user.clone()), ..at(K::SignInAgain, host, text.clone()) }
            }
            ImapError::UntrustedCertificate { host, detail, cert } => {
                AccountProblem { certificate: cert.as_deref().cloned(), ..at(K::CertUntrusted, host, detail.clone()) }
            }
            ImapError::CertificateChanged { host, pinned, cert } => AccountProblem {
                certificate: cert.as_deref().cloned(),
                pinned_sha256: Some(pinned.clone()),
                ..at(K::CertChanged, host, format!("pinned SHA-256 {pinned}"))
            },
            ImapError::CaFile { path, detail } => AccountProblem::new(K::CaFile, format!("{path}: {detail}")),
            ImapError::Tls { host, detail } => at(K::TlsFailed, host, detail.clone()),
            ImapError::StartTlsNotOffered { host, .. } | ImapError::LoginDisabled { host } => at(K::NotEncrypted, host, imap.to_string()),
            ImapError::StartTlsRefused { host, text } => at(K::NotEncrypted, host, text.clone()),
            ImapError::NoOAuth { host } => at(K::NoOauth, host, imap.to_string()),
            ImapError::LoginUnavailable { host, text } => at(K::ServerBusy, host, text.clone()),
            ImapError::Timeout { host, .. } => at(K::Timeout, host, imap.to_string()),
            ImapError::Connect { host, source, .. } => {
                let kind = match source.raw_os_error() {
                    Some(libc::ECONNREFUSED) => K::ConnectionRefused,
                    Some(libc::ETIMEDOUT) => K::Timeout,
                    // The system's resolver failed (std words it "failed to lookup address
                    // information"; no errno).
                    None if source.to_string().contains("lookup") => K::HostNotFound,
                    _ => K::ConnectionLost,
                };
                at(kind, host, source.to_string())
            }
            ImapError::Bye(text) => AccountProblem::new(K::ConnectionLost, text.clone()),
            ImapError::ConnectionLost | ImapError::Io(_) => AccountProblem::new(K::ConnectionLost, imap.to_string()),
            ImapError::Command { text, .. } => AccountProblem::new(K::ServerError, text.clone()),
            ImapError::Protocol(text) => AccountProblem::new(K::ServerError, text.clone()),
        }
    }

    pub fn account_state(&self) -> AccountState {
        match self {
            e if e.is_auth_failure() => AccountState::AuthFailed,
            SyncError::Imap(ImapError::Connect { .. } | ImapError::Timeout { .. } | ImapError::ConnectionLost | ImapError::Io(_))
            | SyncError::OAuth(OAuthError::Unreachable { .. }) => AccountState::Offline,
            _ => AccountState::Error,
        }
    }
}

/// The field of an account's settings that an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum AccountField {
    Email,
    Host,
    Port,
    Username,
    CaFile,
    /// The pinned server certificate (its SHA-256 fingerprint).
    Certificate,
    Password,
    Folders,
    Interval,
    Quirks,
}

impl AccountField {
    /// The name front ends use for it (form field ids, `--flag` names with `_` as `-`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountField::Email => "email",
            AccountField::Host => "host",
            AccountField::Port => "port",
            AccountField::Username => "username",
            AccountField::CaFile => "ca_file",
            AccountField::Certificate => "certificate",
            AccountField::Password => "password",
            AccountField::Folders => "folders",
            AccountField::Interval => "interval",
            AccountField::Quirks => "quirks",
        }
    }
}

/// What is wrong with a field's value, so that a front end can say it in the user's language
/// (the English `message` stays for the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum FieldProblem {
    /// Blank where a value is needed (email, host, user name, password).
    Missing,
    /// Not an email address / server name / SHA-256 fingerprint; `value` is what was typed.
    Invalid,
    PortZero,
    CaFileNotAbsolute,
    /// The CA file cannot be read or holds no certificate; `details` says why.
    CaFileUnusable,
    NoFolders,
    /// `value` is the interval asked for, `min` the shortest allowed (seconds).
    IntervalTooShort,
    AlreadySetUp,
    /// A quirk Mailbell does not know; `value` is its name.
    UnknownQuirk,
    /// Only the English `message` says it (a front end says that the value cannot be used,
    /// with `message` under "Details").
    Other,
}

/// Bad input in one field, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FieldError {
    pub field: AccountField,
    pub message: String,
    pub kind: FieldProblem,
    /// The value as typed, for the sentence about it.
    pub value: Option<String>,
    /// The smallest value allowed, for `interval_too_short`.
    pub min: Option<u32>,
    /// Words from elsewhere (the system's, OpenSSL's, the address parser's), for "Details".
    pub details: Option<String>,
}

impl FieldError {
    pub fn new(field: AccountField, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into(), kind: FieldProblem::Other, value: None, min: None, details: None }
    }

    pub fn of(field: AccountField, kind: FieldProblem, message: impl Into<String>) -> FieldError {
        FieldError { kind, ..FieldError::new(field, message) }
    }

    pub fn with_value(self, value: impl Into<String>) -> FieldError {
        FieldError { value: Some(value.into()), ..self }
    }

    pub fn with_details(self, details: impl Into<String>) -> FieldError {
        FieldError { details: Some(details.into()), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_network_reads_offline_waiting_for_it() {
        let down = SyncError::Imap(ImapError::Connect {
            host: "imap.example.org".into(),
            port: 993,
            source: std::io::Error::from_raw_os_error(libc::ENETUNREACH),
        });
        assert!(down.is_network_down());
        assert_eq!(down.account_state(), AccountState::Offline);
        assert!(
            down.status_text().starts_with("offline, waiting for the network (cannot connect to imap.example.org:993"),
            "{}",
            down.status_text()
        );
        let refused = SyncError::Imap(ImapError::Connect {
            host: "imap.example.org".into(),
            port: 993,
            source: std::io::Error::from_raw_os_error(libc::ECONNREFUSED),
        });
        assert!(!refused.is_network_down());
        assert_eq!(refused.status_text(), refused.to_string());
    }

    fn connect(source: std::io::Error) -> SyncError {
        SyncError::Imap(ImapError::Connect { host: "imap.example.org".into(), port: 993, source })
    }

    #[test]
    fn errors_are_classified_as_problems_with_their_raw_words() {
        let auth = SyncError::Imap(ImapError::AuthFailed {
            user: "alice".into(),
            host: "imap.example.org".into(),
            text: "[AUTHENTICATIONFAILED] Authentication failed.".into(),
        });
        let p = auth.problem();
        assert_eq!((p.kind, p.user.as_deref(), p.host.as_deref()), (ProblemKind::AuthFailed, Some("alice"), Some("imap.example.org")));
        assert_eq!(p.details, "[AUTHENTICATIONFAILED] Authentication failed.");
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["kind"], "auth_failed");

        let kind = |e: SyncError| e.problem().kind;
        assert_eq!(kind(connect(std::io::Error::from_raw_os_error(libc::ECONNREFUSED))), ProblemKind::ConnectionRefused);
        assert_eq!(kind(connect(std::io::Error::from_raw_os_error(libc::ENETUNREACH))), ProblemKind::Offline);
        assert_eq!(
            kind(connect(std::io::Error::other("failed to lookup address information: Name or service not known"))),
            ProblemKind::HostNotFound
        );
        let timeout = ImapError::Timeout { host: "h".into(), port: 993, what: "connecting", timeout: std::time::Duration::from_secs(15) };
        assert_eq!(kind(SyncError::Imap(timeout)), ProblemKind::Timeout);
        assert_eq!(kind(SyncError::Imap(ImapError::ConnectionLost)), ProblemKind::ConnectionLost);
        assert_eq!(kind(SyncError::Secrets(SecretsError::NotFound { account: "a".into() })), ProblemKind::PasswordMissing);
        assert_eq!(kind(SyncError::Secrets(SecretsError::Locked)), ProblemKind::Keyring);
        let gone = SyncError::NoSuchFolder { folder: "Lists".into() }.problem();
        assert_eq!((gone.kind, gone.folder.as_deref()), (ProblemKind::FolderGone, Some("Lists")));
        let token = SyncError::OAuth(OAuthError::SignInAgain { error: "invalid_grant".into(), description: None });
        assert_eq!(kind(token), ProblemKind::SignInAgain);
    }

    #[test]
    fn certificate_problems_carry_the_certificate_and_its_fingerprint() {
        let der = crate::net::cert::test_certificate("imap.example.org", 30).1.to_der().unwrap();
        let cert = crate::net::cert::describe(&der, "self-signed certificate").unwrap();
        let untrusted = SyncError::Imap(ImapError::UntrustedCertificate {
            host: "imap.example.org".into(),
            detail: "self-signed certificate".into(),
            cert: Some(Box::new(cert.clone())),
        });
        // The CLI user reads the fingerprint they can pin in the error itself.
        assert!(untrusted.to_string().contains(&cert.sha256_fingerprint), "{untrusted}");
        assert!(untrusted.needs_user());
        let p = untrusted.problem();
        assert_eq!((p.kind, p.details.as_str()), (ProblemKind::CertUntrusted, "self-signed certificate"));
        assert_eq!(p.certificate.map(|c| c.sha256_fingerprint), Some(cert.sha256_fingerprint.clone()));

        let pinned = "AB:".repeat(31) + "CD";
        let changed = SyncError::Imap(ImapError::CertificateChanged {
            host: "imap.example.org".into(),
            pinned: pinned.clone(),
            cert: Some(Box::new(cert.clone())),
        });
        assert!(changed.needs_user(), "a changed certificate stops the account");
        assert!(changed.to_string().contains(&pinned) && changed.to_string().contains(&cert.sha256_fingerprint), "{changed}");
        let p = changed.problem();
        assert_eq!((p.kind, p.pinned_sha256), (ProblemKind::CertChanged, Some(pinned)));
        assert_eq!(p.certificate.map(|c| c.sha256_fingerprint), Some(cert.sha256_fingerprint));
    }
}
