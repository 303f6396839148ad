//! The IMAP side of the engine: connecting securely, signing in, listing folders, detecting
//! change and streaming new messages. Every command goes through the raw loop in `session`.
//!
//! It stands on `net` (TCP, TLS) and the engine's vocabulary (`model`) alone: it knows no
//! store, no discovery and no identity server. Callers that need the pre-login dialogue step
//! by step (the live test, discovery's probes) use the crate-visible pieces below.

mod body;
mod change;
mod connect;
mod error;
mod fetch;
mod idle;
mod list;
mod notify;
mod preview;
mod quote;
mod sasl;
mod session;
mod stream;

pub use body::FetchedBody;
pub use change::CopiedTo;
#[cfg(feature = "fuzzing")]
pub(crate) use connect::login;
pub(crate) use connect::{authenticate, greeting, read_certificate, secure, AuthFailure, Phase, Progress};
pub use connect::{login_bearer, login_on, open, Capabilities, Credential, ServerConfig, Timeouts};
pub use error::ImapError;
pub use fetch::{join_headers, Examined, FetchStream, FetchedMessage};
pub use idle::{IdleLimits, IdleOutcome};
pub use list::MailboxStatus;
pub use notify::{set_command as notify_set_command, NotifyEvent, NotifyStart};
#[cfg(feature = "fuzzing")]
pub(crate) use preview::{fetch_preview, Preview};
pub use session::ImapSession;
