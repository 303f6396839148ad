//! One account's worker: its timer, its kept session, its backoff, its push companions
//! (`push.rs`) and the sweep of the folders push does not cover.
//!
//! At most one pass runs at a time. Requests that arrive during a pass ("Sync now", a push
//! wake-up, the sweep) coalesce into a single follow-up pass. A network error backs off (capped,
//! jittered); an error only the user can fix (wrong password, untrusted certificate) stops the
//! timer until the user asks for a sync or changes the account.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::backoff::{jittered, Backoff};
use super::clock::ClockWatch;
use super::push::{Key, Push};
use super::wakeups::WakeReason;
use super::Shared;
use crate::error::SyncError;
use crate::events::{AccountProblem, AccountState, AccountStatusEvent, EventSink};
use crate::imap::ImapSession;
use crate::model::Account;
use crate::sync::{announce_owed, mark_unreachable, run_pass, sign_in, PassReport, SyncOptions};

/// Why a pass was asked for out of turn (the timer's own passes need no command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The user asked ("Sync now"): also lifts a stop caused by a wrong password.
    User,
    /// A push companion (NOTIFY or IDLE) reported a change.
    Push,
}

#[derive(Debug)]
pub(crate) enum Command {
    SyncNow {
        folders: Option<BTreeSet<String>>,
        reason: Reason,
    },
    /// The account's settings or password changed: start afresh.
    Reload(Box<Account>),
    /// A push companion went up or down.
    PushState {
        key: Key,
        up: bool,
    },
    /// The server answered NOTIFY with NO or BAD (the text): fall back to IDLE.
    NotifyRefused(String),
    /// The network changed, the machine resumed, or a push companion's watchdog found the
    /// path dead: drop the connections (the kept session and every push companion) and look
    /// now, without waiting for the timer or the backoff.
    Wake(WakeReason),
}

/// Requests gathered while waiting or while a pass ran; taken as one pass.
#[derive(Debug, Default)]
struct Pending {
    any: bool,
    all: bool,
    folders: BTreeSet<String>,
}

impl Pending {
    fn add(&mut self, folders: Option<BTreeSet<String>>) {
        self.any = true;
        match folders {
            None => self.all = true,
            Some(f) => self.folders.extend(f),
        }
    }

    fn take(&mut self) -> Option<Option<BTreeSet<String>>> {
        if !self.any {
            return None;
        }
        let scope = if self.all { None } else { Some(std::mem::take(&mut self.folders)) };
        *self = Pending::default();
        Some(scope)
    }
}

pub(crate) struct Worker {
    account: Account,
    shared: Arc<Shared>,
    rx: mpsc::UnboundedReceiver<Command>,
    tx: mpsc::UnboundedSender<Command>,
    stop: watch::Receiver<bool>,
    session: Option<ImapSession>,
    backoff: Backoff,
    /// Set when only the user can fix what went wrong: no timed passes until then.
    blocked: bool,
    push: Push,
    /// What the server offered at the last successful pass: NOTIFY, IDLE.
    offers: Option<(bool, bool)>,
    /// Push wants planning again before the next wait (NOTIFY was refused).
    replan: bool,
    /// When the sweep of the folders push does not cover is due; `None` without a sweep.
    next_sweep: Option<Instant>,
    next_due: Instant,
    /// Whose statuses are heard: see `Fanout::status`.
    generation: u64,
}

impl Worker {
    pub(crate) fn new(
        account: Account,
        shared: Arc<Shared>,
        rx: mpsc::UnboundedReceiver<Command>,
        tx: mpsc::UnboundedSender<Command>,
        stop: watch::Receiver<bool>,
        generation: u64,
    ) -> Worker {
        let backoff = Backoff::new(shared.opts.backoff_min, shared.opts.backoff_max);
        Worker {
            account,
            shared,
            rx,
            tx,
            stop,
            session: None,
            backoff,
            blocked: false,
            push: Push::default(),
            offers: None,
            replan: false,
            next_sweep: None,
            next_due: Instant::now(),
            generation,
        }
    }

    /// Runs until stopped. `previous` is the worker this one replaces (already told to stop):
    /// it is awaited first, even when this one is stopped meanwhile, so that one account never
    /// has two sessions passing at once and whoever awaits this worker awaits that one too.
    pub(crate) async fn run(mut self, previous: Option<JoinHandle<()>>) {
        if let Some(previous) = previous {
            let _ = previous.await;
        }
        // The outbox: what a killed earlier run stored but never announced goes out first.
        if let Err(e) = announce_owed(&self.shared.store, &self.account.id, self.shared.sink.as_ref(), &self.shared.opts.sync.clock).await {
            tracing::warn!(account = %self.account.id, error = %e, "cannot announce the mail an earlier run left unannounced");
        }
        let mut pending = Pending::default();
        pending.add(None); // a first pass at start
        let mut clock = ClockWatch::new(self.shared.opts.clock_tolerance);
        let mut tick = tokio::time::interval(self.shared.opts.clock_check);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop = self.stop.clone();
        loop {
            if *stop.borrow() {
                break;
            }
            if self.replan {
                self.replan = false;
                self.ensure_idle().await;
                self.emit(if self.blocked { AccountState::Error } else { AccountState::Ok }, None, None, 0);
            }
            if let Some(scope) = pending.take() {
                if !self.pass(scope).await {
                    break;
                }
                while let Ok(cmd) = self.rx.try_recv() {
                    self.handle(cmd, &mut pending);
                }
                continue;
            }
            tokio::select! {
                _ = stop.changed() => break,
                cmd = self.rx.recv() => match cmd {
                    Some(cmd) => self.handle(cmd, &mut pending),
                    None => break,
                },
                () = tokio::time::sleep_until(self.next_due), if !self.blocked => pending.add(None),
                () = sleep_until_opt(self.next_sweep), if !self.blocked && self.next_sweep.is_some() => {
                    self.next_sweep = None;
                    // With LIST-STATUS a full pass costs the sweep's one round trip and also
                    // finds folders created since (new folders are news too, and without
                    // NOTIFY nothing else would tell); without it, STATUS of the swept ones.
                    let lists = self.session.as_ref().is_some_and(|s| s.has_capability("LIST-STATUS"));
                    pending.add(if lists { None } else { Some(self.push.swept().clone()) });
                }
                _ = tick.tick() => {
                    if clock.check() {
                        // Back from sleep: the timer is late and the connections are likely
                        // dead. Start both afresh and look at once.
                        self.session = None;
                        self.stop_idle();
                        pending.add(None);
                    }
                }
            }
        }
        self.finish().await;
    }

    fn handle(&mut self, cmd: Command, pending: &mut Pending) {
        match cmd {
            Command::SyncNow { folders, reason } => {
                if reason == Reason::User && self.blocked {
                    self.blocked = false;
                    self.backoff.reset();
                }
                // A push wake-up for folders Mailbell does not watch (NOTIFY hears them all)
                // is worth no pass.
                let folders = match (reason, folders) {
                    (Reason::Push, Some(f)) => {
                        let f = self.push.worth_a_pass(f);
                        if f.is_empty() {
                            return;
                        }
                        Some(f)
                    }
                    (_, f) => f,
                };
                if !self.blocked {
                    pending.add(folders);
                }
            }
            Command::Reload(account) => {
                self.account = *account;
                self.session = None;
                self.blocked = false;
                self.backoff.reset();
                self.push.reset();
                self.next_sweep = None;
                pending.add(None);
            }
            Command::Wake(reason) => {
                tracing::info!(account = %self.account.id, ?reason, "woken: fresh connections and a pass now");
                self.session = None;
                self.stop_idle();
                if !self.blocked {
                    self.backoff.reset();
                    pending.add(None);
                }
            }
            Command::PushState { key, up } => {
                if self.push.set_up(key, up) {
                    self.emit(if self.blocked { AccountState::Error } else { AccountState::Ok }, None, None, 0);
                }
            }
            Command::NotifyRefused(reason) => {
                self.push.notify_refused(&self.account.id, &reason);
                self.replan = true;
            }
        }
    }

    /// One pass with the scope given. Returns false when the engine is stopping.
    async fn pass(&mut self, scope: Option<BTreeSet<String>>) -> bool {
        let full = scope.is_none();
        // The sweep is done by any pass that covers its folders.
        let sweeps = scope.as_ref().is_none_or(|s| self.push.swept().is_subset(s));
        let opts = SyncOptions { only_folders: scope, emit_unchanged: false, ..self.shared.opts.sync.clone() };
        self.emit(AccountState::Syncing, None, None, 0);
        let mut stop = self.stop.clone();
        let mut stopping = false;
        let result = {
            let fut = attempt(&mut self.session, &self.account, &self.shared, &opts);
            tokio::pin!(fut);
            tokio::select! {
                r = &mut fut => Some(r),
                _ = stop.changed() => {
                    stopping = true;
                    // Let the pass finish within the grace period; every batch is atomic, so
                    // cutting it later loses nothing either, but a finished pass is cleaner.
                    tokio::time::timeout(self.shared.opts.shutdown_grace, &mut fut).await.ok()
                }
            }
        };
        match result {
            Some(Ok(report)) => {
                if sweeps {
                    self.next_sweep = None;
                }
                self.succeeded(&report, full).await;
            }
            Some(Err(e)) => self.failed(e).await,
            None => self.session = None,
        }
        !stopping
    }

    async fn succeeded(&mut self, report: &PassReport, full: bool) {
        self.backoff.reset();
        // The store is quiet now: the pruning task's moment, if a sweep is due.
        self.shared.pass_done.notify_one();
        // Only a full pass covers every folder: a pass scoped to INBOX (IDLE) or one folder
        // must not push back the timer, or a busy INBOX would starve the other folders.
        if full {
            self.next_due = Instant::now() + jittered(Duration::from_secs(u64::from(self.account.interval_secs)));
        }
        let (state, error, problem) = match report.folder_errors.first() {
            None => (AccountState::Ok, None, None),
            Some((f, e)) => (AccountState::Error, Some(format!("{f}: {e}")), Some(AccountProblem::folder_failed(f, e))),
        };
        if let Some(s) = &self.session {
            self.offers = Some((s.has_capability("NOTIFY"), s.has_capability("IDLE")));
        }
        // A full pass has just listed the folders: plan push over them (new folders, changed
        // watch choices). A scoped pass changes nothing push depends on.
        if full {
            self.ensure_idle().await;
        }
        if self.next_sweep.is_none() && !self.push.swept().is_empty() {
            self.next_sweep = Some(Instant::now() + self.shared.opts.sweep);
        }
        self.emit(state, error, problem, report.new_messages);
    }

    async fn failed(&mut self, e: SyncError) {
        tracing::info!(account = %self.account.id, error = %e, "pass failed");
        if self.session.as_ref().is_some_and(ImapSession::is_broken) || matches!(e, SyncError::Imap(_)) {
            self.session = None;
        }
        let _ = mark_unreachable(&self.shared.store, &self.account, &e.to_string(), self.shared.sink.as_ref()).await;
        if e.needs_user() {
            self.blocked = true;
            self.stop_idle();
        } else {
            self.next_due = Instant::now() + self.backoff.next_delay();
        }
        self.emit(e.account_state(), Some(e.status_text()), Some(e.problem()), 0);
    }

    fn emit(&self, state: AccountState, error: Option<String>, problem: Option<AccountProblem>, new_messages: u32) {
        let (push, push_mode, push_folders, sweep_secs) = self.push.status(self.shared.opts.sweep);
        let next_pass_at = (!self.blocked && !matches!(state, AccountState::Syncing | AccountState::Connecting)).then(|| {
            let wait = self.next_due.saturating_duration_since(Instant::now());
            let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            at.to_rfc3339_opts(SecondsFormat::Secs, true)
        });
        self.shared.sink.status(
            self.generation,
            AccountStatusEvent {
                account: self.account.id.clone(),
                state,
                error,
                new_messages,
                next_pass_at,
                retries: self.backoff.attempts(),
                push,
                push_mode,
                push_folders,
                sweep_secs,
                problem,
            },
        );
    }

    /// Starts or adjusts the push companions (see `push.rs`) for what the server offered.
    async fn ensure_idle(&mut self) {
        if let Some((notify, idle)) = self.offers {
            self.push.plan(&self.account, &self.shared, &self.tx, notify, idle).await;
        }
    }

    /// Stops every push companion and the sweep; the next full pass starts them again.
    fn stop_idle(&mut self) {
        self.push.stop_all();
        self.next_sweep = None;
    }

    async fn finish(mut self) {
        std::mem::take(&mut self.push).finish().await;
        if let Some(s) = self.session.take() {
            s.logout().await;
        }
    }
}

/// Runs a pass on the kept session, connecting when there is none. A kept session that turns
/// out dead (server restart, NAT timeout) gets one fresh connection at once.
async fn attempt(slot: &mut Option<ImapSession>, account: &Account, shared: &Shared, opts: &SyncOptions) -> Result<PassReport, SyncError> {
    let reused = slot.is_some();
    let result = pass_on(slot, account, shared, opts).await;
    match result {
        Err(SyncError::Imap(_)) if reused && slot.as_ref().is_none_or(ImapSession::is_broken) => {
            *slot = None;
            pass_on(slot, account, shared, opts).await
        }
        other => other,
    }
}

async fn pass_on(slot: &mut Option<ImapSession>, account: &Account, shared: &Shared, opts: &SyncOptions) -> Result<PassReport, SyncError> {
    let session = match slot {
        Some(s) => s,
        None => slot.insert(sign_in(account, &shared.secrets, &shared.tokens, shared.opts.timeouts).await?),
    };
    let result = run_pass(session, &shared.store, account, opts, Arc::clone(&shared.sink) as Arc<dyn EventSink>).await;
    if session.is_broken() {
        *slot = None;
    }
    result
}

/// Sleeps until `at`; never wakes without one (the caller guards the branch).
async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_requests_coalesce() {
        let mut p = Pending::default();
        assert_eq!(p.take(), None);
        p.add(Some(["INBOX".to_string()].into()));
        p.add(Some(["Work".to_string()].into()));
        assert_eq!(p.take(), Some(Some(["INBOX".to_string(), "Work".to_string()].into())));
        assert_eq!(p.take(), None);
        p.add(Some(["INBOX".to_string()].into()));
        p.add(None);
        assert_eq!(p.take(), Some(None), "a full pass covers a folder request");
    }
}
