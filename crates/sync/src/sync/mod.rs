//! One sync pass over one account (ARCHITECTURE.md § Sync algorithm): [`pass`] is the
//! algorithm itself, [`signin`] opens the signed-in session it runs on, and this file holds
//! its options, its report and the one-shot sync of `mailbell-cli sync --once`.

mod outbox;
mod pass;
mod signin;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use outbox::announce_owed;
pub use pass::run_pass;
pub(crate) use signin::{password_of, refresh_access};
pub use signin::{server_config, sign_in};

use crate::error::SyncError;
use crate::events::{AccountProblem, AccountState, AccountStatusEvent, Event, EventSink, FolderStatusEvent};
use crate::imap::Timeouts;
use crate::model::{Account, FolderState};
use crate::oauth::TokenCache;
use crate::rules::LocalClock;
use crate::store::{FolderStatusUpdate, Store, StoreError};

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Messages per transaction: big enough to amortise the commit, small enough that a crash
    /// re-fetches little and events flow while a large burst is still downloading.
    pub batch_size: usize,
    /// At most this many messages are examined when recovering mail around a UIDVALIDITY
    /// reset; more than that in the window is a migration, not news.
    pub recovery_limit: usize,
    /// Only these folders (decoded names), e.g. for "Sync now" on one folder or an IDLE
    /// wake-up on INBOX. `None` means every watched folder. A scoped pass asks STATUS of just
    /// those folders and leaves the folder list to the next full pass.
    pub only_folders: Option<BTreeSet<String>>,
    /// Emit `folder_status` for folders where nothing changed (a one-shot sync reports every
    /// folder; the long-running engine only reports changes).
    pub emit_unchanged: bool,
    /// The local clock the rules read (quiet hours): the system's, or a test's.
    pub clock: LocalClock,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { batch_size: 200, recovery_limit: 500, only_folders: None, emit_unchanged: true, clock: LocalClock::system() }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub new_messages: u32,
    pub folders_checked: u32,
    pub folders_fetched: u32,
    /// Held messages whose read state or existence changed on the server.
    pub updated_messages: u32,
    /// (folder, error text) for folders that failed while the connection stayed good.
    pub folder_errors: Vec<(String, String)>,
}

/// Runs a blocking store call off the async reactor.
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, SyncError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| SyncError::Internal(format!("store task failed: {e}")))?
        .map_err(SyncError::from)
}

/// Emits an account-level status event of a one-shot sync.
pub fn emit_account(
    sink: &dyn EventSink,
    account: &str,
    state: AccountState,
    error: Option<String>,
    problem: Option<AccountProblem>,
    new_messages: u32,
) {
    sink.emit(Event::AccountStatus(AccountStatusEvent {
        account: account.to_string(),
        state,
        error,
        new_messages,
        next_pass_at: None,
        retries: 0,
        push: false,
        push_mode: crate::events::PushMode::None,
        push_folders: 0,
        sweep_secs: None,
        problem,
    }));
}

/// A whole one-shot sync of one account: password from the keyring, connect, one pass, log
/// out. A failure before or between folders is recorded on the account's watched folders so
/// that `status` and the UI show it, and reported as an account event.
pub async fn sync_account(
    store: &Store,
    secrets: &Arc<crate::secrets::Secrets>,
    account: &Account,
    opts: &SyncOptions,
    sink: Arc<dyn EventSink>,
) -> Result<PassReport, SyncError> {
    let sink_ref = sink.as_ref();
    // What a killed earlier run stored but never announced goes out first, server or not.
    announce_owed(store, &account.id, sink_ref, &opts.clock).await?;
    emit_account(sink_ref, &account.id, AccountState::Connecting, None, None, 0);
    let result = async {
        let mut session = sign_in(account, secrets, &TokenCache::new(), Timeouts::default()).await?;
        emit_account(sink_ref, &account.id, AccountState::Syncing, None, None, 0);
        let report = run_pass(&mut session, store, account, opts, Arc::clone(&sink)).await;
        session.logout().await;
        report
    }
    .await;
    match &result {
        Ok(report) => {
            let state = if report.folder_errors.is_empty() { AccountState::Ok } else { AccountState::Error };
            let error = report.folder_errors.first().map(|(f, e)| format!("{f}: {e}"));
            let problem = report.folder_errors.first().map(|(f, e)| AccountProblem::folder_failed(f, e));
            emit_account(sink_ref, &account.id, state, error, problem, report.new_messages);
        }
        Err(e) => {
            mark_unreachable(store, account, &e.to_string(), sink_ref).await?;
            emit_account(sink_ref, &account.id, e.account_state(), Some(e.to_string()), Some(e.problem()), 0);
        }
    }
    result
}

/// Records an account-wide failure on each watched folder that the pass did not reach.
pub(crate) async fn mark_unreachable(store: &Store, account: &Account, error: &str, sink: &dyn EventSink) -> Result<(), SyncError> {
    let (id, error) = (account.id.clone(), error.to_string());
    let rows = blocking(store, move |s| {
        let update =
            FolderStatusUpdate { state: Some(FolderState::Error), error: Some(Some(error)), attempted: true, ..Default::default() };
        for f in s.folders(Some(&id))?.iter().filter(|f| f.watched && f.state != FolderState::Error) {
            s.update_folder_status(&id, &f.name, &update)?;
        }
        s.folders(Some(&id))
    })
    .await?;
    for f in rows.iter().filter(|f| f.watched) {
        sink.emit(Event::FolderStatus(FolderStatusEvent::from(f)));
    }
    Ok(())
}
