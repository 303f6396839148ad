//! One account's worker: its timer, its kept session, its backoff, and its IDLE companion.
//!
//! At most one pass runs at a time. Requests that arrive during a pass ("Sync now", an IDLE
//! wake-up) coalesce into a single follow-up pass. A network error backs off (capped,
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
use super::wakeups::WakeReason;
use super::Shared;
use crate::error::SyncError;
use crate::events::{AccountState, AccountStatusEvent, EventSink};
use crate::imap::{IdleLimits, IdleOutcome, ImapError, ImapSession};
use crate::model::Account;
use crate::sync::{mark_unreachable, run_pass, sign_in, PassReport, SyncOptions};

/// Why a pass was asked for out of turn (the timer's own passes need no command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The user asked ("Sync now"): also lifts a stop caused by a wrong password.
    User,
    /// IDLE reported new mail.
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
    /// The IDLE companion went up or down.
    PushState(bool),
    /// The network changed, the machine resumed, or the push watchdog found the path dead:
    /// drop the connections and look now, without waiting for the timer or the backoff.
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
    push: bool,
    idle: Option<(JoinHandle<()>, watch::Sender<bool>)>,
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
            push: false,
            idle: None,
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
                if !self.blocked {
                    pending.add(folders);
                }
            }
            Command::Reload(account) => {
                self.account = *account;
                self.session = None;
                self.blocked = false;
                self.backoff.reset();
                self.stop_idle();
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
            Command::PushState(on) => {
                if self.push != on {
                    self.push = on;
                    self.emit(if self.blocked { AccountState::Error } else { AccountState::Ok }, None, 0);
                }
            }
        }
    }

    /// One pass with the scope given. Returns false when the engine is stopping.
    async fn pass(&mut self, scope: Option<BTreeSet<String>>) -> bool {
        let full = scope.is_none();
        let opts = SyncOptions { only_folders: scope, emit_unchanged: false, ..self.shared.opts.sync.clone() };
        self.emit(AccountState::Syncing, None, 0);
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
            Some(Ok(report)) => self.succeeded(&report, full),
            Some(Err(e)) => self.failed(e).await,
            None => self.session = None,
        }
        !stopping
    }

    fn succeeded(&mut self, report: &PassReport, full: bool) {
        self.backoff.reset();
        // Only a full pass covers every folder: a pass scoped to INBOX (IDLE) or one folder
        // must not push back the timer, or a busy INBOX would starve the other folders.
        if full {
            self.next_due = Instant::now() + jittered(Duration::from_secs(u64::from(self.account.interval_secs)));
        }
        let (state, error) = match report.folder_errors.first() {
            None => (AccountState::Ok, None),
            Some((f, e)) => (AccountState::Error, Some(format!("{f}: {e}"))),
        };
        self.emit(state, error, report.new_messages);
        self.ensure_idle();
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
        self.emit(e.account_state(), Some(e.status_text()), 0);
    }

    fn emit(&self, state: AccountState, error: Option<String>, new_messages: u32) {
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
                push: self.push,
            },
        );
    }

    fn ensure_idle(&mut self) {
        let offered = self.session.as_ref().is_some_and(|s| s.has_capability("IDLE"));
        if !self.shared.opts.push || !offered || self.idle.as_ref().is_some_and(|(h, _)| !h.is_finished()) {
            return;
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = idle_task(self.account.clone(), Arc::clone(&self.shared), self.tx.clone(), stop_rx);
        self.idle = Some((tokio::spawn(task), stop_tx));
    }

    fn stop_idle(&mut self) {
        if let Some((_, stop)) = self.idle.take() {
            let _ = stop.send(true);
        }
        self.push = false;
    }

    async fn finish(mut self) {
        if let Some((handle, stop)) = self.idle.take() {
            let _ = stop.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
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

/// The IDLE companion: a second session that idles on INBOX and wakes the worker on new mail.
/// It reconnects with its own backoff and gives up only when the server has no IDLE or the
/// user must act (the worker reports that).
async fn idle_task(account: Account, shared: Arc<Shared>, wake: mpsc::UnboundedSender<Command>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(shared.opts.backoff_min, shared.opts.backoff_max);
    let inbox: BTreeSet<String> = std::iter::once("INBOX".to_string()).collect();
    loop {
        if *stop.borrow() {
            return;
        }
        let opened = async {
            let mut s = sign_in(&account, &shared.secrets, &shared.tokens, shared.opts.timeouts).await?;
            if !s.has_capability("IDLE") {
                s.logout().await;
                return Ok(None);
            }
            s.examine("INBOX", false, None).await?;
            Ok::<_, SyncError>(Some(s))
        }
        .await;
        match opened {
            Ok(None) => return,
            Ok(Some(mut session)) => {
                backoff.reset();
                let _ = wake.send(Command::PushState(true));
                // Mail may have arrived while push was down.
                let _ = wake.send(Command::SyncNow { folders: Some(inbox.clone()), reason: Reason::Push });
                loop {
                    let stopped = async {
                        let _ = stop.changed().await;
                    };
                    // New mail, or a message read or deleted elsewhere (unsolicited FETCH FLAGS /
                    // EXPUNGE): look at INBOX now, without waiting for this session's DONE.
                    let wake_now = |o: IdleOutcome| {
                        if matches!(o, IdleOutcome::NewMail | IdleOutcome::Changed) {
                            let _ = wake.send(Command::SyncNow { folders: Some(inbox.clone()), reason: Reason::Push });
                        }
                    };
                    let limits =
                        IdleLimits { round: shared.opts.idle_round, silence: shared.opts.idle_silence, probe: shared.opts.idle_probe };
                    match session.idle_round(limits, stopped, wake_now).await {
                        Ok((s, IdleOutcome::NewMail | IdleOutcome::Changed | IdleOutcome::Quiet)) => session = s,
                        Ok((s, IdleOutcome::Stopped)) => {
                            s.logout().await;
                            return;
                        }
                        Err(e @ ImapError::Timeout { .. }) => {
                            // The path is dead, so the worker's kept session most likely is too:
                            // the worker starts both afresh (and this companion with them).
                            tracing::info!(account = %account.id, error = %e, "IDLE connection silent and unanswering");
                            let _ = wake.send(Command::Wake(WakeReason::ConnectionDead));
                            return;
                        }
                        Err(e) => {
                            tracing::info!(account = %account.id, error = %e, "IDLE connection lost");
                            break;
                        }
                    }
                }
                let _ = wake.send(Command::PushState(false));
            }
            Err(e) if e.needs_user() => return,
            Err(e) => tracing::info!(account = %account.id, error = %e, "IDLE connection failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff.next_delay()) => {}
            _ = stop.changed() => return,
        }
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
