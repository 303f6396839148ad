//! Errors of Mailbell's commands, as the window receives them: a stable `kind` to branch on and
//! the engine's own message (which says what to do, and never holds a password).

use serde::Serialize;

use mailbell_sync::account::FieldError;
use mailbell_sync::{AccountProblem, RulesError, RulesField, RulesProblem, SecretsError, StoreError, SyncError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ErrorKind {
    /// The engine is not running (e.g. no Secret Service yet): `message` says why.
    Unavailable,
    /// The request itself is wrong (unknown account, interval too short...).
    Invalid,
    Store,
    Keyring,
    Sync,
    /// Start at login could not be changed.
    Autostart,
    Internal,
}

/// What a failed command returns to the front end (`{ "kind": ..., "message": ... }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    /// The form field the error is about (e.g. `email`, `host`, `port`, `ca_file`,
    /// `password`, `folders`, `interval`), so that the window can show it next to that field.
    pub field: Option<String>,
    /// For an error of the engine talking to a server: what went wrong as a kind with the
    /// server's own words (`details`), for a sentence and a "Details" disclosure.
    // Optional in TypeScript so that front-end code written before it still type-checks; the
    // JSON always has it (null when there is no problem).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub problem: Option<Box<AccountProblem>>,
    /// For bad input in a form field: what is wrong as a kind with its arguments, for a sentence
    /// in the user's language (`message` is the engine's English).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub field_error: Option<Box<FieldError>>,
    /// Words from elsewhere (the engine's English, a provider's answer) behind a `message` in
    /// the user's language, for a "Details" disclosure.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub details: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> AppError {
        AppError { kind, message: message.into(), field: None, problem: None, field_error: None, details: None }
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Invalid, message)
    }

    /// Bad input in one field of a form.
    pub fn in_field(field: &str, message: impl Into<String>) -> AppError {
        AppError {
            kind: ErrorKind::Invalid,
            message: message.into(),
            field: Some(field.to_string()),
            problem: None,
            field_error: None,
            details: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(ErrorKind::Internal, message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let kind = if matches!(e, StoreError::NoSuchAccount(_)) { ErrorKind::Invalid } else { ErrorKind::Store };
        AppError::new(kind, e.to_string())
    }
}

impl From<SecretsError> for AppError {
    fn from(e: SecretsError) -> Self {
        AppError::new(ErrorKind::Keyring, e.to_string())
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            SyncError::Secrets(s) => s.into(),
            SyncError::Invalid(f) => f.into(),
            SyncError::Rules(r) => r.into(),
            other => AppError { problem: Some(Box::new(other.problem())), ..AppError::new(ErrorKind::Sync, other.to_string()) },
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError { field_error: Some(Box::new(e.clone())), ..AppError::in_field(e.field.as_str(), e.message) }
    }
}

/// A notification rule that cannot be kept: its part of the rules is the field
/// (`quiet_hours`, `important`, `muted`), the sentence (in the desktop's language, from the
/// engine's kind of problem) says what is wrong.
impl From<RulesError> for AppError {
    fn from(e: RulesError) -> Self {
        let field = match e.field {
            RulesField::QuietHours => "quiet_hours",
            RulesField::Important => "important",
            RulesField::Muted => "muted",
        };
        let message = match e.problem {
            RulesProblem::BadTime { span, start: true, value } => crate::tr!("error-rules-bad-start", n = span, value = value),
            RulesProblem::BadTime { span, start: false, value } => crate::tr!("error-rules-bad-end", n = span, value = value),
            RulesProblem::NoDay { span } => crate::tr!("error-rules-no-day", n = span),
            RulesProblem::BadEntry { entry } => match e.field {
                RulesField::Muted => crate::tr!("error-rules-bad-muted", entry = entry),
                _ => crate::tr!("error-rules-bad-important", entry = entry),
            },
        };
        AppError::in_field(field, message)
    }
}

impl From<tauri::Error> for AppError {
    fn from(e: tauri::Error) -> Self {
        AppError::internal(e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_kind_and_message() {
        let e: AppError = StoreError::NoSuchAccount("abc".into()).into();
        let v = serde_json::to_value(&e).expect("json");
        assert_eq!(v["kind"], "invalid");
        assert!(v["message"].as_str().is_some_and(|m| m.contains("abc")), "{v}");
        let e: AppError = SyncError::Rules(RulesError {
            field: RulesField::Muted,
            message: "Muted: \"x y\" is not an address.".into(),
            problem: RulesProblem::BadEntry { entry: "x y".into() },
        })
        .into();
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Invalid, Some("muted")));
        assert_eq!(
            e.message,
            "Muted: \"x y\" is not an address (jane@example.org), a domain (example.org) or a mailing list (list:news.example.org)."
        );
        let e: AppError = SecretsError::Locked.into();
        assert_eq!(serde_json::to_value(&e).expect("json")["kind"], "keyring");
    }
}
