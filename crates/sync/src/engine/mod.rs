//! The long-running engine that the desktop app and `mailbell-cli watch` drive: one worker per
//! account (timer, kept session, backoff, IDLE push), run-time account changes, "Sync now",
//! an event stream, and a graceful shutdown.

mod backoff;
mod clock;
mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub use backoff::{jittered, Backoff};
pub use clock::ClockWatch;
pub use worker::Reason;
use worker::{Command, Worker};

use crate::events::{AccountStatusEvent, Event, EventSink};
use crate::imap::Timeouts;
use crate::model::{Account, NewAccount};
use crate::secrets::Secrets;
use crate::store::{Store, StoreError};
use crate::sync::{SyncError, SyncOptions};

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub timeouts: Timeouts,
    /// Use IDLE on INBOX where the server offers it.
    pub push: bool,
    /// Longest single IDLE before it is ended and re-issued (also the liveness check of a
    /// quiet push connection). Well under RFC 2177's 29 minutes.
    pub idle_round: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long a pass in progress may go on after shutdown was asked for.
    pub shutdown_grace: Duration,
    /// How often the wall clock is compared with the monotonic one (sleep detection).
    pub clock_check: Duration,
    pub clock_tolerance: Duration,
    pub sync: SyncOptions,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            timeouts: Timeouts::default(),
            push: true,
            idle_round: Duration::from_secs(5 * 60),
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(5 * 60),
            shutdown_grace: Duration::from_secs(10),
            clock_check: Duration::from_secs(30),
            clock_tolerance: Duration::from_secs(60),
            sync: SyncOptions::default(),
        }
    }
}

/// What every worker shares.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) secrets: Arc<Secrets>,
    pub(crate) sink: Arc<dyn EventSink>,
    pub(crate) opts: EngineOptions,
    /// OAuth2 access tokens, in memory only.
    pub(crate) tokens: crate::oauth::TokenCache,
}

/// Sends each event to the front end's own sink (if any) and to the broadcast bus, and
/// remembers each account's latest status for a front end that looks later.
struct Fanout {
    direct: Option<Arc<dyn EventSink>>,
    bus: broadcast::Sender<Event>,
    latest: Arc<Mutex<BTreeMap<String, AccountStatusEvent>>>,
}

impl EventSink for Fanout {
    fn emit(&self, event: Event) {
        if let Event::AccountStatus(a) = &event {
            self.latest.lock().unwrap_or_else(|p| p.into_inner()).insert(a.account.clone(), a.clone());
        }
        if let Some(d) = &self.direct {
            d.emit(event.clone());
        }
        let _ = self.bus.send(event);
    }
}

struct WorkerHandle {
    tx: mpsc::UnboundedSender<Command>,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

/// The engine handle. Cheap to share behind an `Arc`; needs a tokio runtime.
pub struct Engine {
    shared: Arc<Shared>,
    bus: broadcast::Sender<Event>,
    workers: Mutex<BTreeMap<String, WorkerHandle>>,
    latest: Arc<Mutex<BTreeMap<String, AccountStatusEvent>>>,
}

impl Engine {
    /// A new engine with no worker running yet. `sink` receives every event synchronously
    /// (the CLI prints from it, so none is lost); `subscribe` offers a lossy broadcast too.
    pub fn new(store: Store, secrets: Arc<Secrets>, opts: EngineOptions, sink: Option<Arc<dyn EventSink>>) -> Engine {
        let (bus, _) = broadcast::channel(4096);
        let latest = Arc::new(Mutex::new(BTreeMap::new()));
        let fanout = Fanout { direct: sink, bus: bus.clone(), latest: Arc::clone(&latest) };
        let shared = Arc::new(Shared { store, secrets, sink: Arc::new(fanout), opts, tokens: crate::oauth::TokenCache::new() });
        Engine { shared, bus, workers: Mutex::new(BTreeMap::new()), latest }
    }

    /// The latest status of each account that has reported one (state, error, next pass,
    /// retries, push), for a window opened after the events went by.
    pub fn account_states(&self) -> Vec<AccountStatusEvent> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Events from now on. A subscriber that falls behind by thousands loses the oldest:
    /// the store remains the source of truth.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.bus.subscribe()
    }

    /// Starts a worker for every enabled account (or only `only`). Returns how many run.
    pub fn start(&self, only: Option<&str>) -> Result<usize, SyncError> {
        let accounts = self.shared.store.accounts()?;
        let mut n = 0;
        for a in accounts.into_iter().filter(|a| a.enabled && only.is_none_or(|id| id == a.id)) {
            self.spawn(a);
            n += 1;
        }
        Ok(n)
    }

    fn spawn(&self, account: Account) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        let id = account.id.clone();
        let worker = Worker::new(account, Arc::clone(&self.shared), rx, tx.clone(), stop_rx);
        let join = tokio::spawn(worker.run());
        let old = self.lock_workers().insert(id, WorkerHandle { tx, stop: stop_tx, join });
        if let Some(old) = old {
            let _ = old.stop.send(true);
        }
    }

    fn lock_workers(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, WorkerHandle>> {
        // A panic while holding this lock leaves the map itself intact: keep using it.
        self.workers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ids of the accounts with a running worker.
    pub fn running(&self) -> Vec<String> {
        self.lock_workers().iter().filter(|(_, w)| !w.join.is_finished()).map(|(id, _)| id.clone()).collect()
    }

    /// Asks for a pass now: of one folder or of the whole account. Coalesces with a pass in
    /// progress; lifts a stop caused by an authentication failure (the user asked).
    pub fn sync_now(&self, account_id: &str, folder: Option<&str>) -> Result<(), SyncError> {
        let workers = self.lock_workers();
        let w = workers.get(account_id).ok_or_else(|| StoreError::NoSuchAccount(account_id.to_string()))?;
        let folders = folder.map(|f| std::iter::once(f.to_string()).collect::<BTreeSet<_>>());
        w.tx.send(Command::SyncNow { folders, reason: Reason::User })
            .map_err(|_| SyncError::Internal(format!("the worker of {account_id} has stopped")))
    }

    /// Adds an account (password to the keyring, row to the store) and starts its worker.
    pub async fn add_account(&self, new: NewAccount, password: String) -> Result<Account, SyncError> {
        let shared = Arc::clone(&self.shared);
        let account = tokio::task::spawn_blocking(move || -> Result<Account, SyncError> {
            let account = shared.store.add_account(&new)?;
            if let Err(e) = shared.secrets.set(&account.id, &password) {
                let _ = shared.store.remove_account(&account.id);
                return Err(e.into());
            }
            Ok(account)
        })
        .await
        .map_err(|e| SyncError::Internal(format!("add account task failed: {e}")))??;
        self.spawn(account.clone());
        Ok(account)
    }

    /// Adds an account that signs in with OAuth2: `refresh_token` goes to the keyring, the
    /// sign-in settings to the store, then its worker starts.
    pub async fn add_oauth_account(
        &self,
        new: NewAccount,
        oauth: crate::oauth::OAuthConfig,
        refresh_token: String,
    ) -> Result<Account, SyncError> {
        let shared = Arc::clone(&self.shared);
        let account = tokio::task::spawn_blocking(move || -> Result<Account, SyncError> {
            let account = shared.store.add_account(&new)?;
            let stored = shared.store.set_account_oauth(&account.id, Some(&oauth)).map_err(SyncError::from);
            let stored = stored.and_then(|()| shared.secrets.set(&account.id, &refresh_token).map_err(SyncError::from));
            if let Err(e) = stored {
                let _ = shared.store.remove_account(&account.id);
                return Err(e);
            }
            Ok(shared.store.account(&account.id)?.unwrap_or(account))
        })
        .await
        .map_err(|e| SyncError::Internal(format!("add account task failed: {e}")))??;
        self.spawn(account.clone());
        Ok(account)
    }

    /// Stops the account's worker and removes its keyring entry and its data. An OAuth2
    /// account's refresh token is revoked at the provider first, where it has an endpoint for
    /// that (best effort: a provider that cannot be reached does not keep the account).
    pub async fn remove_account(&self, account_id: &str) -> Result<bool, SyncError> {
        self.stop_worker(account_id).await;
        self.shared.tokens.forget(account_id);
        revoke_sign_in(&self.shared, account_id).await;
        let shared = Arc::clone(&self.shared);
        let id = account_id.to_string();
        tokio::task::spawn_blocking(move || -> Result<bool, SyncError> {
            shared.secrets.delete(&id)?;
            Ok(shared.store.remove_account(&id)?)
        })
        .await
        .map_err(|e| SyncError::Internal(format!("remove account task failed: {e}")))?
    }

    /// Stops the account's worker and forgets what the engine holds of it in memory (status,
    /// access token), leaving its data and keyring entry alone: for an account another
    /// program removed (`mailbell-cli account remove` while the app runs).
    pub async fn stop_account(&self, account_id: &str) {
        self.stop_worker(account_id).await;
        self.shared.tokens.forget(account_id);
    }

    /// Stores a new password (or, for an OAuth2 account, a new refresh token after signing in
    /// again) and restarts the account's worker with it.
    pub async fn set_password(&self, account_id: &str, password: String) -> Result<(), SyncError> {
        let shared = Arc::clone(&self.shared);
        let id = account_id.to_string();
        tokio::task::spawn_blocking(move || shared.secrets.set(&id, &password))
            .await
            .map_err(|e| SyncError::Internal(format!("keyring task failed: {e}")))??;
        self.shared.tokens.forget(account_id);
        self.reload(account_id)
    }

    /// Changes the account's pass interval at run time.
    pub fn set_interval(&self, account_id: &str, interval_secs: u32) -> Result<(), SyncError> {
        self.shared.store.set_account_interval(account_id, interval_secs)?;
        self.reload(account_id)
    }

    /// Makes the account's worker pick up what changed in its store row (quirks, folders,
    /// server settings); starts it if it is enabled and not running.
    pub fn reload(&self, account_id: &str) -> Result<(), SyncError> {
        let account = self.shared.store.account(account_id)?.ok_or_else(|| StoreError::NoSuchAccount(account_id.to_string()))?;
        let sent = self.lock_workers().get(account_id).map(|w| w.tx.send(Command::Reload(account.clone())).is_ok());
        if sent != Some(true) && account.enabled {
            self.spawn(account);
        }
        Ok(())
    }

    async fn stop_worker(&self, account_id: &str) {
        self.latest.lock().unwrap_or_else(|p| p.into_inner()).remove(account_id);
        let handle = self.lock_workers().remove(account_id);
        if let Some(h) = handle {
            let _ = h.stop.send(true);
            let _ = h.join.await;
        }
    }

    /// Stops every worker: passes in progress get the grace period to finish, sessions log
    /// out. Committed batches are durable whatever happens; the next start resumes from them.
    pub async fn shutdown(&self) {
        let handles: Vec<WorkerHandle> = std::mem::take(&mut *self.lock_workers()).into_values().collect();
        for h in &handles {
            let _ = h.stop.send(true);
        }
        for h in handles {
            let _ = h.join.await;
        }
    }
}

/// Revokes an OAuth2 account's refresh token at the provider, if it has one and an endpoint.
async fn revoke_sign_in(shared: &Arc<Shared>, account_id: &str) {
    let Ok(Some(account)) = shared.store.account(account_id) else { return };
    let Some(oauth) = account.oauth else { return };
    let secrets = Arc::clone(&shared.secrets);
    let id = account_id.to_string();
    let Ok(Ok(token)) = tokio::task::spawn_blocking(move || secrets.get(&id)).await else { return };
    match crate::oauth::revoke(&oauth, &token).await {
        Ok(true) => tracing::info!(account = %account_id, "sign-in revoked at the provider"),
        Ok(false) => {}
        Err(e) => tracing::warn!(account = %account_id, error = %e, "could not revoke the sign-in at the provider"),
    }
}
