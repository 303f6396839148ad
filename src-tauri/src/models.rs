//! The app's own types that cross to the window (commands' arguments and results, app events).
//! The engine's types (accounts, folders, messages, events) cross as they are. TypeScript
//! definitions of both are generated into ui/src/bindings by ts-rs: never written by hand.

use serde::{Deserialize, Serialize};

use mailbell_sync::account::StepReport;
use mailbell_sync::discover::{Attempt, Candidate};
use mailbell_sync::AccountStatusEvent;
use mailbell_sync::{Account, FolderRow, MessageAction, MessageRef, OpenIn, Rules, Security};

/// The names of the Tauri events the window listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Channel {
    /// Payload: the engine's `Event`, as the engine emitted it.
    #[serde(rename = "mailbell:engine")]
    Engine,
    /// Payload: an [`AppEvent`].
    #[serde(rename = "mailbell:app")]
    App,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Engine => "mailbell:engine",
            Channel::App => "mailbell:app",
        }
    }
}

/// What the app itself tells the window (the engine's events go on [`Channel::Engine`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum AppEvent {
    /// Settings changed (from the tray menu or another window).
    Settings(Settings),
    /// How many messages the user has not looked at in Mailbell.
    Unviewed { count: u32 },
    /// Accounts were added or removed outside the window (e.g. `mailbell-cli account add`), or
    /// the engine started: fetch a fresh `snapshot`.
    Refresh,
    /// Show this message in the list (the user clicked a notification that sums up several).
    Reveal { message: MessageKey },
    /// Open this message in the reading pane (the user clicked its notification).
    Open { message: MessageKey },
    /// A notification's action (Mark as read, Archive, Delete) ran on this message: `error`
    /// says why it failed; `undo` is the token that takes it back for a while.
    Acted { message: MessageKey, action: MessageAction, error: Option<String>, undo: Option<String> },
    /// One step of the connection test `run` (the id the window gave `test_connection`) ended.
    TestStep { run: u32, step: StepReport },
    /// The sign-in `run` waits for the browser at this page (opened already where possible;
    /// shown so that the user can open or copy it).
    SignInUrl { run: u32, url: String },
}

/// A message as the server names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MessageKey {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
}

impl From<&MessageKey> for MessageRef {
    fn from(k: &MessageKey) -> MessageRef {
        MessageRef { account: k.account.clone(), folder: k.folder.clone(), uidvalidity: Some(k.uidvalidity), uid: k.uid }
    }
}

/// An account's "Open in" choice and what this desktop offers (Settings and the reading pane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OpenInOptions {
    pub account: String,
    pub choice: OpenIn,
    /// The name of the desktop's default mail program; null: none is set.
    pub mail_program: Option<String>,
    /// The name of the provider whose webmail the account can open; null: none known.
    pub webmail: Option<String>,
}

/// User settings kept in the store's settings table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Settings {
    /// Desktop notifications for new mail.
    pub notifications: bool,
    /// Notifications paused for now (the tray's "Pause notifications").
    pub paused: bool,
    /// Start Mailbell at login (opt-in).
    pub autostart: bool,
    /// Start in the tray without opening the window (when there is a tray and an account).
    pub start_in_tray: bool,
    /// Notifications of new mail play the desktop's new-mail sound (opt-in: off by default).
    pub sound: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { notifications: true, paused: false, autostart: false, start_in_tray: false, sound: false }
    }
}

/// A change of some settings; fields left out stay as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
pub struct SettingsPatch {
    pub notifications: Option<bool>,
    pub paused: Option<bool>,
    pub autostart: Option<bool>,
    pub start_in_tray: Option<bool>,
    pub sound: Option<bool>,
}

/// One account with its folders and the engine's latest word on it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountView {
    pub account: Account,
    pub folders: Vec<FolderRow>,
    /// The last `account_status` event since the app started (none before the first pass).
    pub status: Option<AccountStatusEvent>,
    /// Whether the engine runs a worker for it.
    pub running: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct About {
    pub version: String,
    pub data_dir: String,
    pub log_file: String,
    /// Whether a tray icon could be shown (libayatana-appindicator present).
    pub tray: bool,
}

/// Everything the window shows, in one call.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Snapshot {
    pub accounts: Vec<AccountView>,
    pub settings: Settings,
    /// What rings: quiet hours, important senders, muted senders and lists (the engine's).
    pub rules: Rules,
    pub unviewed: u32,
    /// Why the engine is not running, when it is not (e.g. the keyring could not be opened).
    pub engine_error: Option<String>,
    pub about: About,
}

/// Where and how to reach an account's IMAP server, as the setup form has it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login name (often the whole address).
    pub username: String,
    /// A CA certificate (PEM file path) to trust for this server only; empty or null: none.
    pub ca_file: Option<String>,
    /// The one certificate (SHA-256) a saved account trusts ("Trust this certificate"), so
    /// that testing its new password meets the server as its checks do. The wizard has none.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub pinned_cert_sha256: Option<String>,
}

/// A new account as the setup wizard collected it (the password travels beside it, once).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountSetup {
    /// Shown instead of the address; may be empty.
    pub display_name: String,
    pub email: String,
    pub server: ServerSettings,
    /// The folders to watch (decoded names), as the user chose them.
    pub folders: Vec<String>,
    pub interval_secs: u32,
    /// Named server quirks discovery suggested (see `mailbell_sync::quirks::KNOWN`).
    pub quirks: Vec<String>,
}

/// What discovery found for an address. Finding nothing is not an error: the wizard then
/// asks for the settings, and `error` says what was tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DiscoveryView {
    pub domain: String,
    /// Best first; may be empty.
    pub candidates: Vec<Candidate>,
    /// Everything tried, in order, with its outcome.
    pub attempts: Vec<Attempt>,
    /// Why there are no candidates, when there are none.
    pub error: Option<String>,
    /// The same as a kind, for the window's own words (`domain` and `attempts` are its details).
    pub error_kind: Option<DiscoveryFailure>,
}

/// Why discovery found no server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum DiscoveryFailure {
    NotFound,
    /// The domain's SRV records say it offers no IMAP.
    NoService,
    TimedOut,
}
