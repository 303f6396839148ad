//! One message, on the user's request (issue 15): read it ([`show`], a bounded `BODY.PEEK`
//! that never sets `\Seen`), act on it ([`act`]: mark read, archive, delete) and take that
//! back ([`undo`]). Each opens a short-lived session of its own, signed in the way a pass is
//! (`sync::sign_in`), so the CLI uses these without an engine and the engine's workers keep
//! their sessions to the sync.
//!
//! The sync stays EXAMINE + PEEK: `act` and `undo` are the only code in Mailbell that changes
//! anything on a server, and only the one message the user named.
//!
//! `model.rs` the types front ends see, `fetch.rs` the reading, `view.rs` MIME to a view,
//! `sanitize.rs` the HTML sanitiser, `act.rs` the actions and their undo.

mod act;
mod fetch;
mod model;
mod sanitize;
mod view;

use std::sync::Arc;

pub use act::{act, undo, Acted, Undo};
pub use fetch::show;
pub use model::{ActionDone, Address, Attachment, MessageAction, MessageRef, MessageView};

use crate::error::SyncError;
use crate::events::EventSink;
use crate::imap::{ImapError, ImapSession, Timeouts};
use crate::model::Account;
use crate::oauth::TokenCache;
use crate::secrets::Secrets;
use crate::store::{FolderRow, Store, StoreError};
use crate::sync::blocking;

/// How many bytes of a message `show` fetches at most: enough for any ordinary letter with
/// its HTML, and a bound on what a hostile or huge message can make Mailbell hold and parse.
pub const BODY_BYTES: u32 = 1024 * 1024;

/// What the message verbs work with: the store (accounts, folders, the messages to update),
/// the keyring, the access-token cache, the timeouts of every command, and where the
/// `message_update` events of an action go.
pub struct Context<'a> {
    pub store: &'a Store,
    pub secrets: &'a Arc<Secrets>,
    pub tokens: &'a TokenCache,
    pub timeouts: Timeouts,
    pub sink: &'a dyn EventSink,
}

impl Context<'_> {
    async fn account(&self, id: &str) -> Result<Account, SyncError> {
        let id = id.to_string();
        blocking(self.store, move |s| s.account(&id)?.ok_or(StoreError::NoSuchAccount(id))).await
    }

    async fn folders(&self, account: &str) -> Result<Vec<FolderRow>, SyncError> {
        let id = account.to_string();
        blocking(self.store, move |s| s.folders(Some(&id))).await
    }

    /// A signed-in session of its own. Whoever opens one logs it out when done, success or
    /// not, with LOGOUT (never CLOSE: see `imap/change.rs`).
    async fn session(&self, account: &Account) -> Result<ImapSession, SyncError> {
        crate::sync::sign_in(account, self.secrets, self.tokens, self.timeouts).await
    }
}

/// The name on the wire of a folder given by its decoded name: the store's, else encoded.
fn raw_name(folders: &[FolderRow], name: &str) -> String {
    folders.iter().find(|f| f.name == name).map(|f| f.raw_name.clone()).unwrap_or_else(|| crate::mutf7::encode(name))
}

/// A NO to EXAMINE or SELECT: the folder is not there (or not open to this user).
fn folder_error(e: ImapError, folder: &str) -> SyncError {
    match e {
        ImapError::Command { .. } => SyncError::NoSuchFolder { folder: folder.to_string() },
        other => other.into(),
    }
}

/// The reference checked against the folder's UIDVALIDITY now.
fn check_validity(r: &MessageRef, current: Option<u32>) -> Result<u32, SyncError> {
    let current = current.ok_or_else(|| ImapError::Protocol(format!("the server gave no UIDVALIDITY for {}", r.folder)))?;
    match r.uidvalidity {
        Some(given) if given != current => Err(SyncError::StaleReference { folder: r.folder.clone(), given, current }),
        _ => Ok(current),
    }
}
