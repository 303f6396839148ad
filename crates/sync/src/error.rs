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
