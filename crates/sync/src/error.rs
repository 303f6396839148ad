//! The engine's error: what a sync, a sign-in or an account change can fail with, and what
//! it means for the account (offline, sign in again, the user must act).

use serde::Serialize;

use crate::events::AccountState;
use crate::imap::ImapError;
use crate::oauth::OAuthError;
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
    #[error("internal error: {0}")]
    Internal(String),
}

impl SyncError {
    /// Retrying will not help until the user acts (wrong password, untrusted certificate...).
    pub fn needs_user(&self) -> bool {
        match self {
            SyncError::Imap(e) => e.needs_user(),
            SyncError::Secrets(_) | SyncError::Invalid(_) => true,
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
pub enum AccountField {
    Email,
    Host,
    Port,
    Username,
    CaFile,
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
            AccountField::Password => "password",
            AccountField::Folders => "folders",
            AccountField::Interval => "interval",
            AccountField::Quirks => "quirks",
        }
    }
}

/// Bad input in one field, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: AccountField,
    pub message: String,
}

impl FieldError {
    pub fn new(field: AccountField, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
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
}
