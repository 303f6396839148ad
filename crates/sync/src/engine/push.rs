//! The push companions of one account: which extra connections hear of changes between
//! timed passes, and the tasks that hold them (ARCHITECTURE.md § The engine).
//!
//! - Where the server offers NOTIFY (RFC 5465): one unselected connection hears every
//!   watched folder. A `* STATUS` wakes a pass of that folder, a `* LIST` a full pass.
//! - Otherwise IDLE, one connection per folder, within the account's connection budget
//!   (the pass's own connection included): INBOX first, then the folders where mail last
//!   arrived. The watched folders left over are swept by a scoped pass every `sweep`.
//!
//! Companions only ever wake the worker with a scoped or full pass request: the pass, with its
//! commit-then-announce rules, stays the one place where mail is stored and announced.
//!
//! Every companion runs the same watchdog (ARCHITECTURE.md § Liveness): after
//! `EngineOptions::idle_silence` without a line from the server it probes the connection (DONE
//! on IDLE, NOOP on NOTIFY), and a probe unanswered within `idle_probe` means the path is dead.
//! The companion then wakes its worker (`Command::Wake(ConnectionDead)`), which drops every
//! connection of the account, passes at once and plans the companions afresh after that pass.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::wakeups::WakeReason;
use super::worker::{Command, Reason};
use super::Shared;
use crate::error::SyncError;
use crate::events::PushMode;
use crate::imap::{notify_set_command, IdleLimits, IdleOutcome, ImapError, ImapSession, NotifyEvent, NotifyStart};
use crate::model::Account;
use crate::providers::{self, DEFAULT_CONNECTION_BUDGET};
use crate::store::FolderRow;
use crate::sync::{blocking, sign_in};

/// Which companion a state report is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Notify,
    /// IDLE on this folder (decoded name).
    Idle(String),
}

/// How long notifications that follow the first are gathered into one wake-up.
const GATHER: Duration = Duration::from_millis(100);

struct Companion {
    handle: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Companion {
    fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static, stop: watch::Sender<bool>) -> Companion {
        Companion { handle: tokio::spawn(task), stop }
    }

    fn running(&self) -> bool {
        !self.handle.is_finished()
    }
}

/// The push side of a worker: its companions and what they cover.
#[derive(Default)]
pub(crate) struct Push {
    notify: Option<Companion>,
    idle: BTreeMap<String, Companion>,
    /// Told to stop, not yet gone: awaited before new ones start, so that the account never
    /// holds more connections than its budget, not even for a moment.
    stopping: Vec<JoinHandle<()>>,
    /// Companions connected now.
    up: BTreeSet<Key>,
    /// The server answered NOTIFY with NO or BAD: IDLE from now on (until a reload).
    notify_refused: bool,
    /// The watched folders as of the last plan; `None` before the first.
    watched: Option<BTreeSet<String>>,
    /// Watched folders no companion covers, for the sweep (IDLE mode only).
    swept: BTreeSet<String>,
}

/// A watched folder: the name everyone sees, and the one sent to the server.
#[derive(Debug, Clone)]
struct Target {
    name: String,
    raw_name: String,
}

/// The number of connections the account may hold: the engine's override (tests, or a user
/// who knows their server), else the provider table's, else a small default.
pub(crate) fn connection_budget(account: &Account, shared: &Shared) -> u16 {
    shared
        .opts
        .connection_budget
        .or_else(|| providers::for_host(&account.host).and_then(|p| p.connection_budget))
        .unwrap_or(DEFAULT_CONNECTION_BUDGET)
}

/// The folders that get an IDLE connection, best first: INBOX (where most mail lands), then
/// those that already idle (`idling`: moving a slot costs a new login, and since the sweep is
/// a full pass, a busy swept folder would otherwise take a slot at every sweep), then the
/// folders whose newest stored message is the most recent (where mail has been arriving:
/// server-side filters, mailing lists), then by name so that the choice is stable.
fn idle_order(watched: &[Target], activity: &BTreeMap<String, String>, idling: &BTreeSet<String>) -> Vec<Target> {
    let mut v = watched.to_vec();
    v.sort_by(|a, b| {
        let inbox = |f: &Target| f.name != "INBOX";
        let new = |f: &Target| !idling.contains(&f.name);
        let latest = |f: &Target| std::cmp::Reverse(activity.get(&f.name).cloned().unwrap_or_default());
        (inbox(a), new(a), latest(a), &a.name).cmp(&(inbox(b), new(b), latest(b), &b.name))
    });
    v
}

impl Push {
    /// The status fields: whether push is on, how, over how many folders, and the sweep.
    pub(crate) fn status(&self, sweep: Duration) -> (bool, PushMode, u32, Option<u32>) {
        let watched = self.watched.as_ref().map_or(0, BTreeSet::len);
        let idle_up = self.up.iter().filter(|k| matches!(k, Key::Idle(_))).count();
        let (mode, folders) = if self.up.contains(&Key::Notify) {
            (PushMode::Notify, watched)
        } else if idle_up > 0 {
            (PushMode::Idle, idle_up)
        } else {
            (PushMode::None, 0)
        };
        let sweep_secs = (!self.swept.is_empty()).then(|| u32::try_from(sweep.as_secs()).unwrap_or(u32::MAX));
        (mode != PushMode::None, mode, u32::try_from(folders).unwrap_or(u32::MAX), sweep_secs)
    }

    /// Records a companion going up or down; true when that changed anything.
    pub(crate) fn set_up(&mut self, key: Key, up: bool) -> bool {
        if up {
            self.up.insert(key)
        } else {
            self.up.remove(&key)
        }
    }

    /// The server refused NOTIFY: say so once, and plan IDLE instead.
    pub(crate) fn notify_refused(&mut self, account: &str, reason: &str) {
        tracing::warn!(account = %account, reason = %reason, "the server refused NOTIFY: falling back to IDLE and a sweep");
        self.notify_refused = true;
        self.up.remove(&Key::Notify);
    }

    /// Watched folders that push does not cover (empty without a sweep).
    pub(crate) fn swept(&self) -> &BTreeSet<String> {
        &self.swept
    }

    /// Keeps only the folders worth a pass from a companion's wake-up: watched ones. A folder
    /// created since the last plan is not dropped for long: its `* LIST` asked for a full pass,
    /// which lists it and plans again.
    pub(crate) fn worth_a_pass(&self, folders: BTreeSet<String>) -> BTreeSet<String> {
        match &self.watched {
            None => folders,
            Some(w) => folders.into_iter().filter(|f| w.contains(f)).collect(),
        }
    }

    /// Stops every companion (sleep, new settings, an error only the user can fix); a plan
    /// after the next successful pass starts them again.
    pub(crate) fn stop_all(&mut self) {
        for c in self.notify.take().into_iter().chain(std::mem::take(&mut self.idle).into_values()) {
            let _ = c.stop.send(true);
            self.stopping.push(c.handle);
        }
        self.up.clear();
        self.swept.clear();
    }

    /// A reload may point the account at another server: NOTIFY gets another chance.
    pub(crate) fn reset(&mut self) {
        self.stop_all();
        self.notify_refused = false;
        self.watched = None;
    }

    async fn await_stopped(&mut self) {
        for handle in self.stopping.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
    }

    /// Decides, after a successful full pass, which companions should run, and starts or
    /// stops them. `notify`/`idle`: what the account's server offers.
    pub(crate) async fn plan(
        &mut self,
        account: &Account,
        shared: &Arc<Shared>,
        wake: &mpsc::UnboundedSender<Command>,
        notify: bool,
        idle: bool,
    ) {
        if !shared.opts.push {
            return;
        }
        let id = account.id.clone();
        let read = blocking(&shared.store, move |s| Ok((s.folders(Some(&id))?, s.folder_activity(&id)?))).await;
        let (rows, activity) = match read {
            Ok(r) => r,
            Err(e) => {
                // Keep whatever runs; the next full pass plans again.
                tracing::warn!(account = %account.id, error = %e, "cannot read the folders to plan push");
                return;
            }
        };
        let watched: Vec<Target> =
            rows.into_iter().filter(|f| f.watched).map(|f: FolderRow| Target { name: f.name, raw_name: f.raw_name }).collect();
        self.watched = Some(watched.iter().map(|f| f.name.clone()).collect());

        if notify && !self.notify_refused && connection_budget(account, shared) >= 2 {
            for (_, c) in std::mem::take(&mut self.idle) {
                let _ = c.stop.send(true);
                self.stopping.push(c.handle);
            }
            self.up.retain(|k| *k == Key::Notify);
            self.swept.clear();
            if self.notify.as_ref().is_some_and(Companion::running) {
                return;
            }
            self.await_stopped().await;
            // An explicit folder list: only those folders report message events.
            let mailboxes = account.folders.as_ref().map(|_| watched.iter().map(|f| f.raw_name.clone()).collect::<Vec<_>>());
            let (stop_tx, stop_rx) = watch::channel(false);
            let task = notify_task(account.clone(), Arc::clone(shared), wake.clone(), stop_rx, mailboxes);
            self.notify = Some(Companion::spawn(task, stop_tx));
            return;
        }
        if let Some(c) = self.notify.take() {
            let _ = c.stop.send(true);
            self.stopping.push(c.handle);
            self.up.remove(&Key::Notify);
        }
        if !idle {
            // No push at all: the timer covers every folder, as the user set it.
            self.swept.clear();
            return;
        }
        let slots = usize::from(connection_budget(account, shared).saturating_sub(1));
        let idling: BTreeSet<String> = self.idle.iter().filter(|(_, c)| c.running()).map(|(name, _)| name.clone()).collect();
        let order = idle_order(&watched, &activity, &idling);
        let (chosen, rest) = order.split_at(slots.min(order.len()));
        self.swept = rest.iter().map(|f| f.name.clone()).collect();
        let chosen_names: BTreeSet<&String> = chosen.iter().map(|f| &f.name).collect();
        let dropped: Vec<String> = self.idle.keys().filter(|k| !chosen_names.contains(k)).cloned().collect();
        for name in dropped {
            if let Some(c) = self.idle.remove(&name) {
                let _ = c.stop.send(true);
                self.stopping.push(c.handle);
            }
            self.up.remove(&Key::Idle(name));
        }
        self.await_stopped().await;
        for f in chosen {
            if self.idle.get(&f.name).is_some_and(Companion::running) {
                continue;
            }
            let (stop_tx, stop_rx) = watch::channel(false);
            let task = idle_task(account.clone(), Arc::clone(shared), wake.clone(), stop_rx, f.name.clone(), f.raw_name.clone());
            self.idle.insert(f.name.clone(), Companion::spawn(task, stop_tx));
        }
    }

    /// Stops every companion and waits (briefly) for them to log out.
    pub(crate) async fn finish(mut self) {
        self.stop_all();
        self.await_stopped().await;
    }
}

/// The watchdog found the companion's connection dead (`what`: which one): the worker is told
/// to replace every connection of the account, unless this companion was already told to stop
/// (then the worker has started afresh already, and a late wake-up would only drop the fresh
/// connections).
fn report_dead(
    account: &Account,
    wake: &mpsc::UnboundedSender<Command>,
    stop: &watch::Receiver<bool>,
    what: &str,
    e: &dyn std::fmt::Display,
) {
    if *stop.borrow() {
        tracing::info!(account = %account.id, error = %e, "{what} connection dead after it was told to stop");
        return;
    }
    // The path is dead, so the worker's kept session most likely is too: the worker starts
    // both afresh (and this companion with them, after its pass).
    tracing::info!(account = %account.id, error = %e, "{what} connection silent and unanswering");
    let _ = wake.send(Command::Wake(WakeReason::ConnectionDead));
}

/// Sleeps the companion's backoff; false when told to stop meanwhile.
async fn backoff_sleep(backoff: &mut Backoff, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(backoff.next_delay()) => true,
        _ = stop.changed() => false,
    }
}

/// The NOTIFY companion: one unselected session that hears every watched folder. It
/// reconnects with its own backoff, asking for a full pass each time it is up again (mail may
/// have arrived while it was down), and ends when the server refuses NOTIFY (the worker falls
/// back to IDLE), the user must act (the worker reports that), or its watchdog finds the path
/// dead (the worker replaces every connection).
async fn notify_task(
    account: Account,
    shared: Arc<Shared>,
    wake: mpsc::UnboundedSender<Command>,
    mut stop: watch::Receiver<bool>,
    mailboxes: Option<Vec<String>>,
) {
    let mut backoff = Backoff::new(shared.opts.backoff_min, shared.opts.backoff_max);
    let command = match notify_set_command(mailboxes.as_deref()) {
        Some(c) => c,
        // A name that cannot be sent, or an explicit list with nothing in it yet: every
        // personal folder then (the worker filters what is not watched).
        None => notify_set_command(None).unwrap_or_default(),
    };
    loop {
        if *stop.borrow() {
            return;
        }
        let opened = async {
            let mut s = sign_in(&account, &shared.secrets, &shared.tokens, shared.opts.timeouts).await?;
            if !s.has_capability("NOTIFY") {
                s.logout().await;
                return Ok(Err("NOTIFY is no longer offered".to_string()));
            }
            match s.notify_set(&command).await? {
                NotifyStart::Active => Ok(Ok(s)),
                NotifyStart::Refused(text) => {
                    s.logout().await;
                    Ok(Err(text))
                }
            }
        }
        .await;
        let opened: Result<Result<ImapSession, String>, SyncError> = opened;
        match opened {
            Ok(Err(reason)) => {
                let _ = wake.send(Command::NotifyRefused(reason));
                return;
            }
            Ok(Ok(mut session)) => {
                backoff.reset();
                let _ = wake.send(Command::PushState { key: Key::Notify, up: true });
                // The initial STATUS burst was dropped: one full pass covers it, and any mail
                // that arrived while push was down.
                let _ = wake.send(Command::SyncNow { folders: None, reason: Reason::Push });
                let ended = notify_loop(&mut session, &account, &shared, &wake, &mut stop).await;
                let _ = wake.send(Command::PushState { key: Key::Notify, up: false });
                match ended {
                    Ok(()) => {
                        session.logout().await;
                        return;
                    }
                    Err(SyncError::Imap(e @ ImapError::Timeout { .. })) => {
                        report_dead(&account, &wake, &stop, "NOTIFY", &e);
                        return;
                    }
                    Err(e) => tracing::info!(account = %account.id, error = %e, "NOTIFY connection lost"),
                }
            }
            Err(e) if e.needs_user() => return,
            Err(e) => tracing::info!(account = %account.id, error = %e, "NOTIFY connection failed"),
        }
        if !backoff_sleep(&mut backoff, &mut stop).await {
            return;
        }
    }
}

/// Reads notifications until told to stop (`Ok`) or the connection fails (`Err`). NOTIFY has
/// no IDLE round to prove the path alive, so the watchdog's bounds apply here too: after
/// `idle_silence` without a line from the server (any line restarts it, keepalives included)
/// comes a NOOP, and a NOOP not answered within `idle_probe` is an [`ImapError::Timeout`]: a
/// dead connection.
async fn notify_loop(
    session: &mut ImapSession,
    account: &Account,
    shared: &Shared,
    wake: &mpsc::UnboundedSender<Command>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), SyncError> {
    loop {
        let events = tokio::select! {
            r = session.notify_wait(shared.opts.idle_silence, GATHER) => r?,
            _ = stop.changed() => return Ok(()),
        };
        let events = if events.is_empty() { session.notify_noop(shared.opts.idle_probe).await? } else { events };
        let mut folders = BTreeSet::new();
        let mut full = false;
        let mut overflow = false;
        for e in events {
            match e {
                NotifyEvent::Folder(f) => {
                    folders.insert(f);
                }
                NotifyEvent::Listing => full = true,
                NotifyEvent::Overflow => overflow = true,
            }
        }
        if full || overflow {
            let _ = wake.send(Command::SyncNow { folders: None, reason: Reason::Push });
        } else if !folders.is_empty() {
            let _ = wake.send(Command::SyncNow { folders: Some(folders), reason: Reason::Push });
        }
        if overflow {
            // The server sends nothing more until NOTIFY is set again: reconnect.
            tracing::info!(account = %account.id, "NOTIFY overflowed on the server: setting it again");
            return Err(SyncError::Internal("NOTIFY overflow".into()));
        }
    }
}

/// An IDLE companion: a session that idles on one folder and wakes the worker when it
/// changes. It reconnects with its own backoff and gives up only when the server has no IDLE,
/// the user must act (the worker reports that), or its watchdog ([`IdleLimits`]) finds the path
/// dead (the worker replaces every connection).
async fn idle_task(
    account: Account,
    shared: Arc<Shared>,
    wake: mpsc::UnboundedSender<Command>,
    mut stop: watch::Receiver<bool>,
    folder: String,
    raw_name: String,
) {
    let mut backoff = Backoff::new(shared.opts.backoff_min, shared.opts.backoff_max);
    let key = Key::Idle(folder.clone());
    let scope: BTreeSet<String> = std::iter::once(folder).collect();
    let limits = IdleLimits { round: shared.opts.idle_round, silence: shared.opts.idle_silence, probe: shared.opts.idle_probe };
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
            s.examine(&raw_name, false, None).await?;
            Ok::<_, SyncError>(Some(s))
        }
        .await;
        match opened {
            Ok(None) => return,
            Ok(Some(mut session)) => {
                backoff.reset();
                let _ = wake.send(Command::PushState { key: key.clone(), up: true });
                // Mail may have arrived while push was down.
                let _ = wake.send(Command::SyncNow { folders: Some(scope.clone()), reason: Reason::Push });
                loop {
                    let stopped = async {
                        let _ = stop.changed().await;
                    };
                    // New mail, or a message read or deleted elsewhere (unsolicited FETCH FLAGS /
                    // EXPUNGE): look at the folder now, without waiting for this session's DONE.
                    let wake_now = |o: IdleOutcome| {
                        if matches!(o, IdleOutcome::NewMail | IdleOutcome::Changed) {
                            let _ = wake.send(Command::SyncNow { folders: Some(scope.clone()), reason: Reason::Push });
                        }
                    };
                    match session.idle_round(limits, stopped, wake_now).await {
                        Ok((s, IdleOutcome::NewMail | IdleOutcome::Changed | IdleOutcome::Quiet)) => session = s,
                        Ok((s, IdleOutcome::Stopped)) => {
                            s.logout().await;
                            return;
                        }
                        Err(e @ ImapError::Timeout { .. }) => {
                            let _ = wake.send(Command::PushState { key: key.clone(), up: false });
                            report_dead(&account, &wake, &stop, "IDLE", &e);
                            return;
                        }
                        Err(e) => {
                            tracing::info!(account = %account.id, error = %e, "IDLE connection lost");
                            break;
                        }
                    }
                }
                let _ = wake.send(Command::PushState { key: key.clone(), up: false });
            }
            Err(e) if e.needs_user() => return,
            Err(e) => tracing::info!(account = %account.id, error = %e, "IDLE connection failed"),
        }
        if !backoff_sleep(&mut backoff, &mut stop).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> Target {
        Target { name: name.to_string(), raw_name: name.to_string() }
    }

    #[test]
    fn inbox_first_then_recent_activity_then_name() {
        let watched = vec![row("Alpha"), row("INBOX"), row("Lists"), row("Zeta"), row("Beta")];
        let activity: BTreeMap<String, String> =
            [("Lists".to_string(), "2024-05-02T10:00:00Z".to_string()), ("Zeta".to_string(), "2024-05-01T10:00:00Z".to_string())].into();
        let order: Vec<String> = idle_order(&watched, &activity, &BTreeSet::new()).into_iter().map(|f| f.name).collect();
        assert_eq!(order, ["INBOX", "Lists", "Zeta", "Alpha", "Beta"]);
        // A folder that idles keeps its slot though mail now arrives elsewhere; INBOX stays first.
        let idling: BTreeSet<String> = ["Beta".to_string()].into();
        let order: Vec<String> = idle_order(&watched, &activity, &idling).into_iter().map(|f| f.name).collect();
        assert_eq!(order, ["INBOX", "Beta", "Lists", "Zeta", "Alpha"]);
    }

    #[test]
    fn status_says_the_strategy() {
        let mut p = Push { watched: Some(["INBOX".to_string(), "Work".to_string(), "Lists".to_string()].into()), ..Push::default() };
        assert_eq!(p.status(Duration::from_secs(60)), (false, PushMode::None, 0, None));
        p.set_up(Key::Notify, true);
        assert_eq!(p.status(Duration::from_secs(60)), (true, PushMode::Notify, 3, None));
        p.notify_refused("a1", "NO not here");
        p.set_up(Key::Idle("INBOX".into()), true);
        p.swept = ["Work".to_string(), "Lists".to_string()].into();
        assert_eq!(p.status(Duration::from_secs(60)), (true, PushMode::Idle, 1, Some(60)));
        assert_eq!(p.worth_a_pass(["Trash".to_string(), "Work".to_string()].into()), ["Work".to_string()].into());
    }
}
