//! mailbell-sync: the engine behind Mailbell. It owns the IMAP session, the incremental
//! fetch, the SQLite store and the keyring secrets. It knows nothing about Tauri: the desktop
//! app and the CLI are two thin front ends over the same API.
//!
//! The modules, from the bottom up (ARCHITECTURE.md § Engine modules); each uses only modules
//! before it in this list, and `scripts/check-cycles.py` fails on any import cycle:
//! `model`, `guard`, `mutf7`, `quirks`, `providers`, `open_in`, `paths`, `summary`, `identity`, `rules`, `net`, `secrets`,
//! `store`, `events`, `imap`, `oauth`, `discover`, `error`, `sync`, `message`, `account`, `engine`.
//!
//! Every module is private; what the front ends use is re-exported here, by name, so that a
//! `pub` item nobody uses shows up as dead code. The modules that stay public are namespaces
//! whose verbs would be ambiguous at the root (`account::add`, `oauth::start`,
//! `discover::discover`, `message::show`) or tables and parsers that are public data (`providers`, `quirks`,
//! `summary`, `paths`, `open_in`); each of them re-exports its own curated set in turn.

// Panics are for tests: the engine runs inside long-lived front ends, so a failure must be an
// error with context, never an unwrap (tests may unwrap; clippy.toml allows it there).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod discover;
mod engine;
mod error;
mod events;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod guard;
mod identity;
mod imap;
pub mod message;
mod model;
mod mutf7;
mod net;
pub mod oauth;
pub mod open_in;
pub mod paths;
pub mod providers;
pub mod quirks;
mod rules;
mod secrets;
mod store;
pub mod summary;
mod sync;

pub use engine::{AccountChanges, Engine, EngineOptions};
pub use error::SyncError;
pub use events::{
    AccountProblem, AccountState, AccountStatusEvent, DigestEvent, Event, EventSink, FolderStatusEvent, MessageUpdateEvent,
    NewMessageEvent, ProblemKind, PushMode,
};
pub use guard::{install_quiet_parser_hook, QUIET_LOG_TARGETS};
pub use imap::{join_headers, Credential, ImapError, ServerConfig, Timeouts};
pub use message::{ActionDone, Address, Attachment, MessageAction, MessageRef, MessageView, BODY_BYTES};
pub use model::{Account, FolderState, NewAccount, OAuthConfig, ParseSecurityError, Security, DEFAULT_INTERVAL_SECS, MIN_INTERVAL_SECS};
pub use net::{lazy_system_roots, normalise_sha256, CertReason, CertificateInfo};
pub use open_in::OpenIn;
pub use rules::{Day, LocalClock, QuietSpan, Ring, Rules, RulesError, RulesField, RulesProblem};
pub use secrets::{Secrets, SecretsError};
pub use store::{FolderRow, NewMessage, PruneReport, Retention, Store, StoreError, StoredMessage, Sweep, DB_FILE};
// The bench's simulated year (S9) records deletions the way a pass does.
pub use model::FlagChange;
pub use sync::{server_config, sign_in, sync_account, PassReport, SyncOptions};
