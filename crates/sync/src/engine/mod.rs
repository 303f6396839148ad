//! The long-running engine that the desktop app and `mailbell-cli watch` drive: one worker per
//! account (timer, kept session, backoff, IDLE push), run-time account changes, "Sync now",
//! an event stream, and a graceful shutdown.

mod backoff;
mod clock;
mod message;
mod prune;
mod push;
mod quiet;
mod wakeups;
mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch, Notify};
use tokio::task::JoinHandle;

use worker::{Command, Reason, Worker};

use crate::account::{self, NewSecret};
use crate::error::SyncError;
use crate::events::{AccountStatusEvent, Event, EventSink};
use crate::imap::Timeouts;
use crate::model::{Account, NewAccount};
use crate::rules::Rules;
use crate::secrets::Secrets;
use crate::store::{Retention, Store, StoreError};
use crate::sync::SyncOptions;

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub timeouts: Timeouts,
    /// Push: NOTIFY where the server offers it, else IDLE within the connection budget plus
    /// a sweep (ARCHITECTURE.md § The engine).
    pub push: bool,
    /// Connections per account, the pass's own included, for every account: overrides the
    /// provider table's budget (`providers::Provider::connection_budget`, 3 for unknown
    /// servers). One engine-wide knob rather than a per-account setting: the limit is the
    /// server's, and the table knows the big ones.
    pub connection_budget: Option<u16>,
    /// How often watched folders that push does not cover (IDLE mode, more folders than
    /// connections) get a scoped pass: one STATUS round trip, separate from the full interval.
    pub sweep: Duration,
    /// Longest single IDLE before it is ended and re-issued (also the liveness check of a
    /// quiet push connection). Well under RFC 2177's 29 minutes.
    pub idle_round: Duration,
    /// The push watchdog: the longest silence of a push connection (not one line from the
    /// server, keepalives included) before it is probed: DONE on an IDLE connection, NOOP on
    /// the NOTIFY one...
    pub idle_silence: Duration,
    /// ...and how long that probe may go unanswered before the connection counts as dead and
    /// every connection of the account is replaced (the worker is woken: `Command::Wake`).
    pub idle_probe: Duration,
    /// Listen to the system for network changes (rtnetlink) and resume from suspend (logind),
    /// and wake every worker on them (`wakeups.rs`).
    pub system_wakeups: bool,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// How long a pass in progress may go on after shutdown was asked for.
    pub shutdown_grace: Duration,
    /// How often the wall clock is compared with the monotonic one (sleep detection).
    pub clock_check: Duration,
    pub clock_tolerance: Duration,
    /// How often the local clock is looked at for the end of the quiet hours (and their
    /// digest). The clock itself is `sync.clock`, which the pass's decisions read too.
    pub quiet_check: Duration,
    pub sync: SyncOptions,
    /// How many bytes of a message the reading pane fetches at most (`message::BODY_BYTES`;
    /// tests make it small to see the cut).
    pub message_bytes: u32,
    /// What the store keeps of the messages (`store::prune`)...
    pub retention: Retention,
    /// ...and how often it lets go of the rest (`prune.rs`).
    pub prune_every: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            timeouts: Timeouts::default(),
            push: true,
            connection_budget: None,
            sweep: Duration::from_secs(60),
            idle_round: Duration::from_secs(5 * 60),
            // 60 + 10 s: a dead path is found within 70 s whatever the network does, under
            // the 90 s Mailbell promises. Dovecot's keepalive (every 2 min) comes too rarely
            // to count on, so a quiet connection is probed about once a minute.
            idle_silence: Duration::from_secs(60),
            idle_probe: Duration::from_secs(10),
            system_wakeups: true,
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(5 * 60),
            shutdown_grace: Duration::from_secs(10),
            clock_check: Duration::from_secs(30),
            clock_tolerance: Duration::from_secs(60),
            // The digest comes within half a minute of the end of the quiet hours.
            quiet_check: Duration::from_secs(30),
            sync: SyncOptions::default(),
            message_bytes: crate::message::BODY_BYTES,
            retention: Retention::default(),
            // Mail ages by days: an hour is often enough, and a sweep of a bounded store is
            // a few hundred short steps.
            prune_every: Duration::from_secs(60 * 60),
        }
    }
}

/// What every worker shares.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) secrets: Arc<Secrets>,
    pub(crate) sink: Arc<Fanout>,
    pub(crate) opts: EngineOptions,
    /// OAuth2 access tokens, in memory only.
    pub(crate) tokens: crate::oauth::TokenCache,
    /// Told after each pass: the pruning task's moment (`prune.rs`).
    pub(crate) pass_done: Notify,
}

/// Which worker speaks for each account, and the latest status it reported.
///
/// Every worker gets a new generation number when it starts. Only the account's current
/// generation may report its status: a worker that was stopped or replaced may still be
/// finishing a pass, and what it says then must neither outlive `stop_account` in
/// [`Engine::account_states`] nor reach the front ends.
#[derive(Debug, Default)]
struct Statuses {
    next: u64,
    current: BTreeMap<String, u64>,
    latest: BTreeMap<String, AccountStatusEvent>,
}

impl Statuses {
    /// A new generation for the account's next worker; the previous one is no longer heard.
    fn enroll(&mut self, account: &str) -> u64 {
        self.next += 1;
        self.current.insert(account.to_string(), self.next);
        self.next
    }

    /// No worker speaks for the account any more, and its status is forgotten.
    fn retire(&mut self, account: &str) {
        self.current.remove(account);
        self.latest.remove(account);
    }

    fn is_current(&self, account: &str, generation: u64) -> bool {
        self.current.get(account) == Some(&generation)
    }
}

/// Sends each event to the front end's own sink (if any) and to the broadcast bus, and
/// remembers each account's latest status for a front end that looks later.
pub(crate) struct Fanout {
    direct: Option<Arc<dyn EventSink>>,
    /// Made at the first [`Engine::subscribe`]: its ring of [`BUS_CAPACITY`] slots is 2 MiB,
    /// written through when made, and the app and the CLI take every event from `direct` and
    /// never subscribe. Before a subscriber there is no one to send to.
    bus: OnceLock<broadcast::Sender<Event>>,
    statuses: Mutex<Statuses>,
}

/// How far a subscriber may fall behind before it loses the oldest events.
const BUS_CAPACITY: usize = 4096;

impl Fanout {
    fn lock_statuses(&self) -> std::sync::MutexGuard<'_, Statuses> {
        self.statuses.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reports the status of a worker of generation `generation`: recorded and sent only while
    /// that worker is the account's current one. The check, the record and the sending happen
    /// under one lock, the one [`Engine::stop_worker`] retires the account under: once that
    /// has happened, nothing of the old worker gets through.
    pub(crate) fn status(&self, generation: u64, status: AccountStatusEvent) {
        let mut statuses = self.lock_statuses();
        if !statuses.is_current(&status.account, generation) {
            tracing::debug!(account = %status.account, state = ?status.state, "status of a stopped worker dropped");
            return;
        }
        statuses.latest.insert(status.account.clone(), status.clone());
        self.send(Event::AccountStatus(status));
    }

    fn send(&self, event: Event) {
        match (&self.direct, self.bus.get()) {
            (Some(d), Some(bus)) => {
                d.emit(event.clone());
                let _ = bus.send(event);
            }
            (Some(d), None) => d.emit(event),
            (None, Some(bus)) => {
                let _ = bus.send(event);
            }
            (None, None) => {}
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.bus.get_or_init(|| broadcast::channel(BUS_CAPACITY).0).subscribe()
    }
}

impl EventSink for Fanout {
    /// Everything but statuses goes straight through: the messages a stopping worker still
    /// commits are real. A status without a generation is kept only for an account that runs.
    fn emit(&self, event: Event) {
        match event {
            Event::AccountStatus(a) => {
                let mut statuses = self.lock_statuses();
                if statuses.current.contains_key(&a.account) {
                    statuses.latest.insert(a.account.clone(), a.clone());
                    self.send(Event::AccountStatus(a));
                }
            }
            other => self.send(other),
        }
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
    /// Locked before the statuses of the [`Fanout`] where both are needed.
    /// Shared with the wake-up watcher, which tells every worker.
    workers: Arc<Mutex<BTreeMap<String, WorkerHandle>>>,
    /// The system events watcher (`wakeups.rs`), started with the first worker.
    wakeups: Mutex<Option<JoinHandle<()>>>,
    /// The digest of the quiet hours (`quiet.rs`), started with the workers; woken when the
    /// rules change.
    quiet: Mutex<Option<JoinHandle<()>>>,
    /// The store's pruning (`prune.rs`), started with the workers.
    prune: Mutex<Option<JoinHandle<()>>>,
    rules_changed: Arc<Notify>,
    /// The accounts in the store as the engine last saw them, to tell what another program
    /// (`mailbell-cli account add|remove|trust-cert` beside the app) changed since.
    known: Mutex<BTreeMap<String, Account>>,
    /// Held while accounts are added, removed or reconciled, so that a reconcile never sees an
    /// account this engine is adding halfway (and starts a second worker for it).
    membership: tokio::sync::Mutex<()>,
    /// Set at shutdown: ends the account watch.
    closing: watch::Sender<bool>,
    /// The message actions that can still be undone (`message.rs`).
    undos: Mutex<message::Undos>,
}

/// What [`Engine::reconcile`] found changed in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// Accounts another program added, now being watched.
    pub added: Vec<String>,
    /// Accounts another program removed, no longer watched.
    pub removed: Vec<String>,
    /// Running accounts whose connection settings another program changed, reconnected.
    pub changed: Vec<String>,
}

impl AccountChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Whether what the worker connects with differs: server, security, user, CA file, pinned
/// certificate, sign-in, quirks. (A name, the notify switch or the folders are read from the
/// store when used, and cost no reconnection.)
fn connection_changed(before: &Account, now: &Account) -> bool {
    #[allow(clippy::type_complexity)]
    fn of(
        a: &Account,
    ) -> (&String, u16, crate::model::Security, &String, &Option<String>, &Option<String>, &Option<crate::model::OAuthConfig>, &Vec<String>)
    {
        (&a.host, a.port, a.security, &a.username, &a.ca_file, &a.pinned_cert_sha256, &a.oauth, &a.quirks)
    }
    of(before) != of(now)
}

impl Engine {
    /// A new engine with no worker running yet. `sink` receives every event synchronously
    /// (the CLI prints from it, so none is lost); `subscribe` offers a lossy broadcast too.
    /// Statuses reach `sink` under the engine's own lock, in order: it must not call the
    /// engine back.
    pub fn new(store: Store, secrets: Arc<Secrets>, opts: EngineOptions, sink: Option<Arc<dyn EventSink>>) -> Engine {
        let fanout = Fanout { direct: sink, bus: OnceLock::new(), statuses: Mutex::new(Statuses::default()) };
        let shared = Arc::new(Shared {
            store,
            secrets,
            sink: Arc::new(fanout),
            opts,
            tokens: crate::oauth::TokenCache::new(),
            pass_done: Notify::new(),
        });
        let (closing, _) = watch::channel(false);
        Engine {
            shared,
            workers: Arc::new(Mutex::new(BTreeMap::new())),
            wakeups: Mutex::new(None),
            quiet: Mutex::new(None),
            prune: Mutex::new(None),
            rules_changed: Arc::new(Notify::new()),
            known: Mutex::new(BTreeMap::new()),
            membership: tokio::sync::Mutex::new(()),
            closing,
            undos: Mutex::new(message::Undos::default()),
        }
    }

    /// The latest status of each account that has reported one (state, error, next pass,
    /// retries, push), for a window opened after the events went by.
    pub fn account_states(&self) -> Vec<AccountStatusEvent> {
        self.shared.sink.lock_statuses().latest.values().cloned().collect()
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Events from now on. A subscriber that falls behind by thousands loses the oldest:
    /// the store remains the source of truth.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.sink.subscribe()
    }

    /// Starts a worker for every enabled account (or only `only`). Returns how many run.
    pub fn start(&self, only: Option<&str>) -> Result<usize, SyncError> {
        let accounts = self.shared.store.accounts()?;
        self.lock_known().extend(accounts.iter().map(|a| (a.id.clone(), a.clone())));
        let mut n = 0;
        for a in accounts.into_iter().filter(|a| a.enabled && only.is_none_or(|id| id == a.id)) {
            self.spawn(a);
            n += 1;
        }
        self.start_wakeups();
        self.start_quiet();
        self.start_prune();
        Ok(n)
    }

    /// Starts the store's pruning task once.
    fn start_prune(&self) {
        let mut slot = self.prune.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(prune::spawn(Arc::clone(&self.shared), self.closing.subscribe()));
        }
    }

    /// Starts the quiet hours' digest task once.
    fn start_quiet(&self) {
        let mut slot = self.quiet.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(quiet::spawn(Arc::clone(&self.shared), self.closing.subscribe(), Arc::clone(&self.rules_changed)));
        }
    }

    /// The notification rules: quiet hours, important senders, muted senders and lists.
    pub fn rules(&self) -> Result<Rules, SyncError> {
        Ok(self.shared.store.rules()?)
    }

    /// Validates and keeps new notification rules (a time like "25:00" is an error naming
    /// it); they apply to the next mail announced, and a digest that is due (quiet hours
    /// removed or shortened) goes out at once.
    pub fn set_rules(&self, rules: Rules) -> Result<(), SyncError> {
        let rules = rules.validated()?;
        self.shared.store.set_rules(&rules)?;
        self.rules_changed.notify_one();
        Ok(())
    }

    /// Switches a folder's notifications: off, its mail is still stored, listed and counted,
    /// and never rings.
    pub fn set_folder_notify(&self, account: &str, folder: &str, notify: bool) -> Result<(), SyncError> {
        if self.shared.store.set_folder_notify(account, folder, notify)? {
            return Ok(());
        }
        Err(match self.shared.store.account(account)? {
            None => StoreError::NoSuchAccount(account.to_string()),
            Some(_) => StoreError::NoSuchFolder { account: account.to_string(), folder: folder.to_string() },
        }
        .into())
    }

    /// Switches an account's notifications: off, its mail is still stored, listed and
    /// counted, and never rings.
    pub fn set_account_notify(&self, account: &str, notify: bool) -> Result<(), SyncError> {
        Ok(self.shared.store.set_account_notify(account, notify)?)
    }

    /// Starts the system events watcher once: each wake-up goes to every worker running then.
    fn start_wakeups(&self) {
        if !self.shared.opts.system_wakeups {
            return;
        }
        let mut slot = self.wakeups.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return;
        }
        let workers = Arc::clone(&self.workers);
        *slot = Some(wakeups::spawn(self.closing.subscribe(), move |reason| {
            for w in workers.lock().unwrap_or_else(|p| p.into_inner()).values() {
                let _ = w.tx.send(Command::Wake(reason));
            }
        }));
    }

    /// Starts a worker for the account. A worker already there for it (`start` of a running
    /// account, `reload` finding its worker gone) is told to stop, and from now on is not heard:
    /// the new one has the account's current generation, and waits for the old one to end
    /// before its first pass, so that awaiting the new one awaits both.
    fn spawn(&self, account: Account) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        let id = account.id.clone();
        let mut workers = self.lock_workers();
        let generation = self.shared.sink.lock_statuses().enroll(&id);
        let previous = workers.remove(&id).map(|old| {
            let _ = old.stop.send(true);
            old.join
        });
        let worker = Worker::new(account, Arc::clone(&self.shared), rx, tx.clone(), stop_rx, generation);
        let join = tokio::spawn(worker.run(previous));
        workers.insert(id, WorkerHandle { tx, stop: stop_tx, join });
    }

    fn lock_workers(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, WorkerHandle>> {
        // A panic while holding this lock leaves the map itself intact: keep using it.
        self.workers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_known(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Account>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Brings the workers in line with the store after another program changed it: starts
    /// the enabled accounts that appeared, stops those that are gone (their data and keyring
    /// entry are the other program's business). One query when nothing changed.
    pub async fn reconcile(&self) -> Result<AccountChanges, SyncError> {
        let _membership = self.membership.lock().await;
        let store = self.shared.store.clone();
        let accounts = tokio::task::spawn_blocking(move || store.accounts())
            .await
            .map_err(|e| SyncError::Internal(format!("store task failed: {e}")))??;
        let now: BTreeMap<String, Account> = accounts.iter().map(|a| (a.id.clone(), a.clone())).collect();
        let previous = std::mem::replace(&mut *self.lock_known(), now.clone());
        let mut changes = AccountChanges::default();
        let running: BTreeSet<String> = self.running().into_iter().collect();
        for a in accounts {
            match previous.get(&a.id) {
                None if a.enabled && !running.contains(&a.id) => {
                    tracing::debug!(account = %a.id, "account added by another program: starting it");
                    changes.added.push(a.id.clone());
                    self.spawn(a);
                }
                // A certificate trusted or forgotten, a server or CA file changed by another
                // program: the worker goes on with the account as it is now (a fresh
                // connection; a stop for a changed certificate is lifted by a new pin).
                Some(before) if running.contains(&a.id) && connection_changed(before, &a) => {
                    tracing::info!(account = %a.id, "account's connection settings changed by another program: reconnecting");
                    changes.changed.push(a.id.clone());
                    self.reload(&a.id)?;
                }
                _ => {}
            }
        }
        for gone in previous.keys().filter(|id| !now.contains_key(*id)) {
            tracing::debug!(account = %gone, "account removed by another program: stopping it");
            self.stop_account(gone).await;
            changes.removed.push(gone.clone());
        }
        Ok(changes)
    }

    /// Runs [`Engine::reconcile`] every `every` until shutdown, calling `on_change` with what
    /// changed. `mailbell-cli watch` and the app both run it, so an account added with the CLI
    /// is watched within seconds wherever the engine runs.
    pub fn watch_accounts(self: &Arc<Self>, every: Duration, on_change: impl Fn(AccountChanges) + Send + 'static) -> JoinHandle<()> {
        let engine = Arc::clone(self);
        let mut closing = self.closing.subscribe();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = closing.wait_for(|c| *c) => return,
                    () = tokio::time::sleep(every) => {}
                }
                match engine.reconcile().await {
                    Ok(changes) if !changes.is_empty() => on_change(changes),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot read the accounts"),
                }
            }
        })
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

    /// Adds a checked account with its secret (see [`account::add`]) and starts its worker. A
    /// second account with the same address, server and port is refused
    /// ([`account::refuse_duplicate`]).
    pub async fn add_account(&self, new: NewAccount, quirks: Vec<String>, secret: NewSecret) -> Result<Account, SyncError> {
        self.add_account_pinned(new, quirks, secret, None).await
    }

    /// [`Engine::add_account`] for a server whose one certificate the user trusted while
    /// setting the account up (the wizard's "Trust this certificate"): pinned before its worker
    /// starts, so its first connection already accepts exactly that certificate.
    pub async fn add_account_pinned(
        &self,
        new: NewAccount,
        quirks: Vec<String>,
        secret: NewSecret,
        pin: Option<String>,
    ) -> Result<Account, SyncError> {
        let _membership = self.membership.lock().await;
        let shared = Arc::clone(&self.shared);
        let account = tokio::task::spawn_blocking(move || {
            account::refuse_duplicate(&shared.store, &new)?;
            let mut account = account::add(&shared.store, &shared.secrets, &new, &quirks, secret)?;
            if let Some(pin) = pin {
                account.pinned_cert_sha256 = account::pin_certificate(&shared.store, &account.id, Some(&pin))?;
            }
            Ok::<_, SyncError>(account)
        })
        .await
        .map_err(|e| SyncError::Internal(format!("add account task failed: {e}")))??;
        self.lock_known().insert(account.id.clone(), account.clone());
        self.spawn(account.clone());
        Ok(account)
    }

    /// Stops the account's worker, then removes it (see [`account::remove`]): the sign-in is
    /// revoked, the keyring entry and the data go. `None` when there was no such account.
    pub async fn remove_account(&self, account_id: &str) -> Result<Option<account::Revocation>, SyncError> {
        let _membership = self.membership.lock().await;
        self.stop_account(account_id).await;
        self.lock_known().remove(account_id);
        account::remove(&self.shared.store, &self.shared.secrets, account_id).await
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
        tokio::task::spawn_blocking(move || account::set_secret(&shared.secrets, &id, &password))
            .await
            .map_err(|e| SyncError::Internal(format!("keyring task failed: {e}")))??;
        self.shared.tokens.forget(account_id);
        self.reload(account_id)
    }

    /// Trusts exactly the server certificate with this SHA-256 fingerprint for the account
    /// (any case, colons optional), or none again (`None`), and checks the account again.
    pub fn trust_certificate(&self, account_id: &str, sha256: Option<&str>) -> Result<(), SyncError> {
        account::pin_certificate(&self.shared.store, account_id, sha256)?;
        self.reload(account_id)
    }

    /// Trusts the CA certificate in `path` (a PEM file, checked here) for the account, or none
    /// but the system's again (`None`), and checks the account again.
    pub fn set_ca_file(&self, account_id: &str, path: Option<&str>) -> Result<(), SyncError> {
        let path = path.map(account::check_ca_file).transpose()?;
        self.shared.store.set_account_ca_file(account_id, path.as_deref())?;
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
        // What this engine was told to use is no change for the account watch to act on again.
        if let Some(known) = self.lock_known().get_mut(account_id) {
            *known = account.clone();
        }
        let sent = self.lock_workers().get(account_id).map(|w| w.tx.send(Command::Reload(Box::new(account.clone()))).is_ok());
        if sent != Some(true) && account.enabled {
            self.spawn(account);
        }
        Ok(())
    }

    /// Stops the account's worker and forgets its status. The handle goes and the account is
    /// retired in one step (both locks held): from then on no status of this worker, or of one
    /// it replaced, is recorded or sent, however long it takes to finish its pass. A worker
    /// started meanwhile (`reload`) is a new generation and is heard.
    async fn stop_worker(&self, account_id: &str) {
        let handle = {
            let mut workers = self.lock_workers();
            self.shared.sink.lock_statuses().retire(account_id);
            workers.remove(account_id)
        };
        if let Some(h) = handle {
            let _ = h.stop.send(true);
            let _ = h.join.await;
        }
    }

    /// Stops every worker: passes in progress get the grace period to finish, sessions log
    /// out. Committed batches are durable whatever happens; the next start resumes from them.
    pub async fn shutdown(&self) {
        let _ = self.closing.send(true);
        let quiet = self.quiet.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(q) = quiet {
            let _ = q.await;
        }
        let prune = self.prune.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(p) = prune {
            let _ = p.await;
        }
        let handles: Vec<WorkerHandle> = std::mem::take(&mut *self.lock_workers()).into_values().collect();
        for h in &handles {
            let _ = h.stop.send(true);
        }
        for h in handles {
            let _ = h.join.await;
        }
    }
}

#[cfg(test)]
mod tests;
