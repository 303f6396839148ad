//! The IMAP side of the engine: connecting securely, listing folders, detecting change and
//! streaming new messages. Every command goes through the raw loop in `session`.

mod connect;
mod error;
mod fetch;
mod idle;
mod list;
pub mod probe;
mod quote;
mod session;
mod stream;

pub use connect::{load_ca, login, login_bearer, open, Capabilities, Credential, ServerConfig, Timeouts};
pub use error::ImapError;
pub use fetch::{join_headers, uid_set, Examined, FetchStream, FetchedMessage, HEADER_BYTES, SUBJECT_BYTES, TEXT_BYTES};
pub use idle::IdleOutcome;
pub use list::{MailboxStatus, ServerFolder};
pub use probe::{
    live_test, live_test_with, live_test_with_progress, CertificateInfo, Field, FolderInfo, LiveTestReport, Problem, ProviderInfo, Step,
    StepReport, StepStatus,
};
pub use session::ImapSession;
