//! The engine's event stream, serialised exactly as ARCHITECTURE.md § Events and § CLI
//! contract give them: one JSON object per event with an `event` tag. Fields named there are a contract with tests outside this
//! repository; others may be added, none removed.

use serde::Serialize;

use crate::model::FolderState;
use crate::net::CertificateInfo;
use crate::rules::Ring;
use crate::store::{FolderRow, StoredMessage};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewMessageEvent {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    /// "Name <address>".
    pub from: String,
    pub subject: String,
    /// RFC 3339.
    pub date: String,
    pub preview: String,
    pub from_name: Option<String>,
    pub from_addr: Option<String>,
    pub message_id: Option<String>,
    /// Already read on the server when Mailbell first saw it (read on another device before
    /// the pass, or moved into the folder by the user): stored, but not worth a notification.
    pub seen: bool,
    /// What makes its copies in other folders one message (Gmail's X-GM-MSGID, EMAILID, the
    /// Message-ID, or a hash): a copy seen later is a `message_update` with this identity.
    pub identity: String,
    /// The folders it is known in so far, `folder` first.
    pub folders: Vec<String>,
    /// Announced late: stored by an earlier run that was stopped (killed) before it could tell,
    /// and announced by this one at its start. Front ends sum such mail up rather than ring
    /// for each.
    pub late: bool,
    /// Whether it rings (`ring`), waits for the digest at the end of the quiet hours
    /// (`quiet`) or stays silent (`silent`): the user's rules, decided once by the engine
    /// (ARCHITECTURE.md § What rings). Every stored message is announced whatever this says.
    pub ring: Ring,
    /// Why, in snake_case: `important_sender`, `quiet_hours`, `muted_sender`, `muted_list`,
    /// `folder_off`, `account_off`, `junk`, `seen`, `late`; null for plain mail that rings.
    pub ring_reason: Option<String>,
    /// The id of the mailing list it came through (the List-Id header's `<...>`), if any.
    pub list_id: Option<String>,
}

impl From<&StoredMessage> for NewMessageEvent {
    fn from(m: &StoredMessage) -> Self {
        NewMessageEvent {
            account: m.account_id.clone(),
            folder: m.folder.clone(),
            uidvalidity: m.uidvalidity,
            uid: m.uid,
            from: m.from_display(),
            subject: m.subject.clone(),
            date: m.date.clone(),
            preview: m.preview.clone(),
            from_name: m.from_name.clone(),
            from_addr: m.from_addr.clone(),
            message_id: m.message_id.clone(),
            seen: m.seen,
            identity: m.identity.clone(),
            folders: m.folders.clone(),
            late: false,
            ring: m.ring,
            ring_reason: m.ring_reason.clone(),
            list_id: m.list_id.clone(),
        }
    }
}

/// The quiet hours ended: what came during them and is still news (not read nor deleted
/// meanwhile), in one event, once. Also after a restart in between: what is held is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DigestEvent {
    /// How many held messages are still news.
    pub count: u32,
    /// The newest few of them, newest first (at most [`DigestEvent::LISTED`]).
    pub messages: Vec<NewMessageEvent>,
    /// When the first of them was held (RFC 3339).
    pub since: String,
    /// When the digest was made (RFC 3339).
    pub until: String,
}

impl DigestEvent {
    /// Messages a digest lists; `count` tells the rest.
    pub const LISTED: usize = 5;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FolderStatusEvent {
    pub account: String,
    pub folder: String,
    pub state: FolderState,
    pub uidvalidity: u32,
    pub last_uid: u32,
    pub error: Option<String>,
    pub last_sync_at: Option<String>,
    pub messages: u32,
    pub unseen: u32,
    pub notice: Option<String>,
    /// `error` as a kind and arguments a front end words as a sentence, with the raw words in
    /// `details` (ARCHITECTURE.md § Events: problems).
    // Optional in TypeScript so that front-end code written before it still type-checks; the
    // JSON always has it (null when there is no problem).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub problem: Option<AccountProblem>,
}

impl From<&FolderRow> for FolderStatusEvent {
    fn from(f: &FolderRow) -> Self {
        FolderStatusEvent {
            account: f.account_id.clone(),
            folder: f.name.clone(),
            state: f.state,
            uidvalidity: f.uidvalidity,
            last_uid: f.last_uid,
            error: f.last_error.clone(),
            last_sync_at: f.last_sync_at.clone(),
            messages: f.messages,
            unseen: f.unseen,
            notice: f.notice.clone(),
            problem: f.last_error.as_ref().map(|e| AccountProblem::folder_failed(&f.name, e)),
        }
    }
}

/// A message Mailbell holds was read elsewhere (or marked unread again) or deleted on the
/// server, or a copy of it turned up in another folder: the front ends update their list and
/// counts. `folder`, `uidvalidity`, `uid`, `seen` and `expunged` are that copy's; the
/// `message_*` fields and `folders` are the message's as a whole.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageUpdateEvent {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub seen: bool,
    pub expunged: bool,
    /// This copy just turned up (in a folder other than the first, or again in the same one):
    /// the message rings no second time.
    pub new_copy: bool,
    /// The message's identity, as in its `new_message`.
    pub identity: String,
    /// Every folder the message is known in now.
    pub folders: Vec<String>,
    /// The message is read: every copy still on the server (on Gmail: any copy).
    pub message_seen: bool,
    /// Every copy of the message is gone from the server.
    pub message_expunged: bool,
    /// Where the message was first seen (its `new_message`'s folder, UIDVALIDITY and UID):
    /// how a front end finds the row it lists.
    pub first_folder: String,
    pub first_uidvalidity: u32,
    pub first_uid: u32,
}

impl MessageUpdateEvent {
    /// The event for a copy (`folder`, `uidvalidity`, `uid` in the state `seen`, `expunged`)
    /// of the message `message`, as now listed.
    pub fn of_copy(message: &StoredMessage, folder: &str, uidvalidity: u32, uid: u32, seen: bool, expunged: bool, new_copy: bool) -> Self {
        MessageUpdateEvent {
            account: message.account_id.clone(),
            folder: folder.to_string(),
            uidvalidity,
            uid,
            seen,
            expunged,
            new_copy,
            identity: message.identity.clone(),
            folders: message.folders.clone(),
            message_seen: message.seen,
            message_expunged: message.expunged,
            first_folder: message.folder.clone(),
            first_uidvalidity: message.uidvalidity,
            first_uid: message.uid,
        }
    }
}

/// Where an account stands as a whole (its connection, its login).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum AccountState {
    Connecting,
    Syncing,
    Ok,
    Error,
    AuthFailed,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountStatusEvent {
    pub account: String,
    pub state: AccountState,
    pub error: Option<String>,
    /// New messages stored by the pass that just ended (0 while it runs).
    pub new_messages: u32,
    /// When the next timed pass is due (RFC 3339), for a running engine.
    pub next_pass_at: Option<String>,
    /// Failed attempts in a row (network errors back off between them).
    pub retries: u32,
    /// Whether push is active: NOTIFY, or IDLE on at least one folder (INBOX first).
    pub push: bool,
    /// How changes reach the engine between timed passes (ARCHITECTURE.md § The engine).
    pub push_mode: PushMode,
    /// How many watched folders push covers now (every watched folder with NOTIFY; the
    /// folders with an IDLE connection up otherwise).
    pub push_folders: u32,
    /// The period of the sweep over watched folders that push does not cover (IDLE mode with
    /// more folders than connections); `None` when there is no sweep.
    pub sweep_secs: Option<u32>,
    /// `error` as a kind and arguments a front end words as a sentence, with the raw words in
    /// `details` (ARCHITECTURE.md § Events: problems).
    // Optional in TypeScript so that front-end code written before it still type-checks; the
    // JSON always has it (null when there is no problem).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub problem: Option<AccountProblem>,
}

/// What went wrong, as a kind a front end turns into a sentence about the user's situation
/// (and into the action that fixes it), the arguments that sentence needs, and the raw words
/// (the server's, OpenSSL's, the system's) for a "Details" disclosure. `error` beside it
/// keeps the engine's own English prose for the CLI and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountProblem {
    pub kind: ProblemKind,
    /// The server's host name, when the problem is about the server.
    pub host: Option<String>,
    /// The user name the server refused.
    pub user: Option<String>,
    /// The folder, for a problem in one folder.
    pub folder: Option<String>,
    /// The raw words: the server's answer, OpenSSL's reason, the system's error.
    pub details: String,
    /// For `cert_untrusted` and `cert_changed`: the certificate the server presents now
    /// (its SHA-256 fingerprint is what `account trust-cert` pins), when it could be read.
    pub certificate: Option<CertificateInfo>,
    /// For `cert_changed`: the fingerprint the user had trusted.
    pub pinned_sha256: Option<String>,
}

/// The kinds of [`AccountProblem`], in snake_case on the wire. Front ends map each to a sentence and
/// to the one action that fixes it (enter the password, review the certificate, check again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ProblemKind {
    /// The server refused the password.
    AuthFailed,
    /// The OAuth2 sign-in expired, was revoked or its token was refused: sign in again.
    SignInAgain,
    /// No password (or token) for the account in the keyring.
    PasswordMissing,
    /// The keyring is locked, missing or failing.
    Keyring,
    /// The certificate does not verify (unknown CA, self-signed, wrong name, expired).
    CertUntrusted,
    /// The account pins a certificate and the server now presents another one.
    CertChanged,
    /// The account's CA file cannot be used.
    CaFile,
    /// The TLS handshake failed for another reason (wrong port, too old TLS).
    TlsFailed,
    /// The server would only take the password unencrypted (no STARTTLS, LOGINDISABLED).
    NotEncrypted,
    /// The server offers no OAuth2 sign-in.
    NoOauth,
    /// The host name does not resolve.
    HostNotFound,
    /// Nothing listens on that port.
    ConnectionRefused,
    /// The server did not answer in time.
    Timeout,
    /// This machine has no network.
    Offline,
    /// The connection broke (closed, reset, BYE).
    ConnectionLost,
    /// The server cannot check logins right now ([UNAVAILABLE]).
    ServerBusy,
    /// The server answered a command with an error, or with something unreadable.
    ServerError,
    /// One folder could not be checked.
    FolderFailed,
    /// The folder is not on the server (any more).
    FolderGone,
    /// The account's settings are not usable.
    Settings,
    /// Anything else.
    Other,
}

impl AccountProblem {
    /// A problem of kind `kind` with the raw words `details` and no arguments yet.
    pub fn new(kind: ProblemKind, details: impl Into<String>) -> AccountProblem {
        AccountProblem { kind, host: None, user: None, folder: None, details: details.into(), certificate: None, pinned_sha256: None }
    }

    /// One folder could not be checked; `error` is the stored text.
    pub fn folder_failed(folder: &str, error: &str) -> AccountProblem {
        AccountProblem { folder: Some(folder.to_string()), ..AccountProblem::new(ProblemKind::FolderFailed, error) }
    }
}

/// The push strategy an account's worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum PushMode {
    /// One NOTIFY (RFC 5465) connection hears every folder.
    Notify,
    /// IDLE connections on some folders (INBOX first), within the connection budget.
    Idle,
    /// No push: the timer (and "Sync now") only.
    #[default]
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Event {
    NewMessage(NewMessageEvent),
    MessageUpdate(MessageUpdateEvent),
    FolderStatus(FolderStatusEvent),
    AccountStatus(AccountStatusEvent),
    Digest(DigestEvent),
}

/// Receives the engine's events. The CLI prints them; the app forwards them to its window.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

impl<F: Fn(Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: Event) {
        self(event)
    }
}

impl EventSink for tokio::sync::broadcast::Sender<Event> {
    fn emit(&self, event: Event) {
        // No subscriber is not an error: events are a view, the store is the truth.
        let _ = self.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_the_contract_fields() {
        let e = Event::FolderStatus(FolderStatusEvent {
            account: "a1".into(),
            folder: "INBOX".into(),
            state: FolderState::Ok,
            uidvalidity: 7,
            last_uid: 42,
            error: None,
            last_sync_at: None,
            messages: 0,
            unseen: 0,
            notice: None,
            problem: None,
        });
        let v: serde_json::Value = serde_json::to_value(&e).expect("json");
        assert_eq!(v["event"], "folder_status");
        assert_eq!(v["state"], "ok");
        assert_eq!(v["last_uid"], 42);
        assert!(v["error"].is_null());
        let a = Event::AccountStatus(AccountStatusEvent {
            account: "a1".into(),
            state: AccountState::AuthFailed,
            error: Some("x".into()),
            new_messages: 0,
            next_pass_at: None,
            retries: 0,
            push: false,
            push_mode: PushMode::None,
            push_folders: 0,
            sweep_secs: None,
            problem: None,
        });
        let v: serde_json::Value = serde_json::to_value(&a).expect("json");
        assert_eq!(v["event"], "account_status");
        assert_eq!(v["state"], "auth_failed");
        assert_eq!(v["push_mode"], "none");
        assert!(v["sweep_secs"].is_null());
    }
}
