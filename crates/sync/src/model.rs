//! The engine's vocabulary: accounts, security modes, folder states. Types here are shared by
//! the store, the sync pass, the events and both front ends.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Default pass interval when an account does not set one (ARCHITECTURE.md § CLI contract: 5 minutes).
pub const DEFAULT_INTERVAL_SECS: u32 = 300;
/// Below this the server would see a login storm from one user; the CLI refuses less.
pub const MIN_INTERVAL_SECS: u32 = 10;

/// How the connection to the IMAP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Security {
    /// Implicit TLS from the first byte (port 993).
    Tls,
    /// Plain TCP upgraded with STARTTLS before anything else is said; never falls back.
    Starttls,
    /// No encryption at all: only when the user chose it explicitly.
    Plain,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::Starttls => "starttls",
            Security::Plain => "plain",
        }
    }

    /// The port a user expects when they name only the mode.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::Starttls | Security::Plain => 143,
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown security mode {0:?}: use tls, starttls or plain")]
pub struct ParseSecurityError(pub String);

impl FromStr for Security {
    type Err = ParseSecurityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tls" | "ssl" | "imaps" => Ok(Security::Tls),
            "starttls" => Ok(Security::Starttls),
            "plain" | "none" => Ok(Security::Plain),
            _ => Err(ParseSecurityError(s.to_string())),
        }
    }
}

/// What a user gives to create an account. The password is not here: it goes to the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewAccount {
    pub display_name: String,
    pub email: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    /// Extra CA certificate (PEM) trusted for this account only, for self-hosted servers.
    pub ca_file: Option<String>,
    /// Explicit watched folders (decoded names); `None` means the default rule.
    pub folders: Option<Vec<String>>,
    pub interval_secs: u32,
}

/// A stored account. Ids are random strings so that two data directories sharing one keyring
/// never collide on the keyring entry (service `mailbell`, user = id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Account {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub ca_file: Option<String>,
    pub folders: Option<Vec<String>>,
    pub interval_secs: u32,
    pub enabled: bool,
    pub created_at: String,
    /// Named server quirks switched on for this account (see `quirks::KNOWN`).
    pub quirks: Vec<String>,
    /// Set for an account that signs in with OAuth2: its keyring entry then holds the refresh
    /// token instead of a password.
    pub oauth: Option<OAuthConfig>,
    /// Its new mail may ring (ARCHITECTURE.md § What rings); off, it is still stored, listed
    /// and counted.
    pub notify: bool,
    /// The SHA-256 fingerprint (colon-separated upper-case hex) of the one server certificate
    /// the user trusted for this account (`account trust-cert`, "Trust this certificate"):
    /// set, the server must present exactly it, whatever the CA (ARCHITECTURE.md § Security).
    pub pinned_cert_sha256: Option<String>,
}

impl Account {
    /// What the keyring entry of this account holds, for messages.
    pub fn secret_name(&self) -> &'static str {
        if self.oauth.is_some() {
            "sign-in token"
        } else {
            "password"
        }
    }
}

/// How an account signs in with OAuth2: the provider's endpoints and Mailbell's client there.
/// Stored with the account (no secret in it: Mailbell is a public client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OAuthConfig {
    /// The built-in provider's id (e.g. `gmail`), or `custom`.
    pub provider: String,
    pub authorize_url: String,
    pub token_url: String,
    /// RFC 7009 revocation endpoint, where the provider has one.
    pub revoke_url: Option<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    /// Some providers issue "secrets" to desktop clients that cannot keep them (RFC 8252
    /// §8.5); they are sent as given, and are not treated as secrets.
    pub client_secret: Option<String>,
}

/// Where a folder stands, as shown in `status` and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum FolderState {
    /// Known but never synced.
    Idle,
    Syncing,
    Ok,
    Error,
}

impl FolderState {
    pub fn as_str(self) -> &'static str {
        match self {
            FolderState::Idle => "idle",
            FolderState::Syncing => "syncing",
            FolderState::Ok => "ok",
            FolderState::Error => "error",
        }
    }

    pub fn parse(s: &str) -> FolderState {
        match s {
            "syncing" => FolderState::Syncing,
            "ok" => FolderState::Ok,
            "error" => FolderState::Error,
            _ => FolderState::Idle,
        }
    }
}

/// One selectable folder as the server listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFolder {
    /// Decoded UTF-8 name: what users, the CLI and the store use.
    pub name: String,
    /// The name on the wire (modified UTF-7): what commands use.
    pub raw_name: String,
    pub delimiter: Option<String>,
    pub special_use: Option<String>,
}

/// What the server says changed about a message Mailbell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagChange {
    /// Its flags now are these.
    Flags(u32, Vec<String>),
    /// It is gone from the server.
    Expunged(u32),
}

/// RFC 6154 special-use attributes that mark a folder as not worth notifying about by default:
/// mail lands there by the user's own action (sent, drafts, archive), as spam, or the folder is
/// a virtual view of other folders (Gmail's All Mail, Starred and Important repeat every
/// message that is also under a label or in INBOX).
pub const UNWATCHED_SPECIAL_USE: &[&str] = &["\\Junk", "\\Trash", "\\Sent", "\\Drafts", "\\All", "\\Flagged", "\\Archive", "\\Important"];

/// The default watch rule for a folder first seen on the server.
pub fn watched_by_default(name: &str, special_use: Option<&str>, explicit: Option<&[String]>) -> bool {
    if let Some(list) = explicit {
        return list.iter().any(|f| f == name || (f.eq_ignore_ascii_case("inbox") && name.eq_ignore_ascii_case("inbox")));
    }
    match special_use {
        Some(su) => !UNWATCHED_SPECIAL_USE.iter().any(|u| u.eq_ignore_ascii_case(su)),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_parses_user_spellings() {
        assert_eq!("TLS".parse::<Security>(), Ok(Security::Tls));
        assert_eq!("starttls".parse::<Security>(), Ok(Security::Starttls));
        assert_eq!("plain".parse::<Security>(), Ok(Security::Plain));
        let err = "ssl3".parse::<Security>().unwrap_err();
        assert!(err.to_string().contains("use tls, starttls or plain"));
    }

    #[test]
    fn default_watch_rule_skips_special_folders() {
        assert!(watched_by_default("INBOX", None, None));
        assert!(watched_by_default("Lists/rust", None, None));
        assert!(!watched_by_default("Junk", Some("\\Junk"), None));
        assert!(!watched_by_default("Sent Items", Some("\\Sent"), None));
        assert!(!watched_by_default("[Gmail]/All Mail", Some("\\All"), None));
        assert!(!watched_by_default("[Gmail]/Important", Some("\\Important"), None));
        assert!(!watched_by_default("[Gmail]/Starred", Some("\\Flagged"), None));
        let explicit = vec!["Work".to_string(), "inbox".to_string()];
        assert!(watched_by_default("Work", None, Some(&explicit)));
        assert!(watched_by_default("INBOX", None, Some(&explicit)));
        assert!(!watched_by_default("Other", None, Some(&explicit)));
    }
}
