//! The engine's bookkeeping of workers and statuses. The test with a worker needs the
//! keyring (the worker reads its password), like the secrets tests: run through scripts/test.sh.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::*;
use crate::events::AccountState;
use crate::model::Security;

/// An IMAP server that never answers: the first connection is held open, silent, until
/// `release` fires (the pass on it hangs in the greeting until then); every later connection
/// is closed at once (a pass on it fails at once).
struct SilentServer {
    port: u16,
    connections: Arc<AtomicUsize>,
    release: Option<oneshot::Sender<()>>,
    first: Option<oneshot::Receiver<()>>,
}

impl SilentServer {
    async fn start() -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let (release, released) = oneshot::channel::<()>();
        let (first_tx, first) = oneshot::channel::<()>();
        let n = Arc::clone(&connections);
        tokio::spawn(async move {
            let (held, _) = listener.accept().await.expect("accept");
            n.fetch_add(1, Ordering::SeqCst);
            let _ = first_tx.send(());
            tokio::spawn(async move {
                let _ = released.await;
                drop(held);
            });
            while let Ok((later, _)) = listener.accept().await {
                n.fetch_add(1, Ordering::SeqCst);
                drop(later);
            }
        });
        SilentServer { port, connections, release: Some(release), first: Some(first) }
    }

    /// Waits until the first connection is open.
    async fn first_connection(&mut self) {
        tokio::time::timeout(Duration::from_secs(20), self.first.take().expect("once")).await.expect("a first connection").expect("server");
    }

    /// Closes the held first connection: the pass on it fails.
    fn release(&mut self) {
        let _ = self.release.take().expect("once").send(());
    }
}

fn options() -> EngineOptions {
    EngineOptions {
        // Nothing ends by itself within the test: only what the test does.
        timeouts: Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(120) },
        push: false,
        backoff_min: Duration::from_secs(120),
        backoff_max: Duration::from_secs(120),
        shutdown_grace: Duration::from_secs(120),
        ..EngineOptions::default()
    }
}

fn new_account(port: u16) -> NewAccount {
    NewAccount {
        display_name: String::new(),
        email: "race@localhost".into(),
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        username: "race".into(),
        ca_file: None,
        folders: None,
        interval_secs: 3600,
    }
}

fn status_of(engine: &Engine, id: &str) -> Option<AccountStatusEvent> {
    engine.account_states().into_iter().find(|s| s.account == id)
}

/// A worker replaced by a second one for the same account (`start` of a running account, or
/// `reload` finding its worker's channel closed) used to be told to stop and left running
/// unawaited: `stop_account` then awaited only the second worker, and the first, still
/// finishing its pass, reported a status after it had returned. Now the replacement waits for
/// its predecessor, and the status of a worker no longer current is never recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_worker_reports_nothing_after_stop_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_dir(dir.path()).expect("store");
    let secrets = Arc::new(Secrets::open().expect("these tests need the keyring: run them through scripts/test.sh"));
    let engine = Arc::new(Engine::new(store, secrets, options(), None));
    let mut server = SilentServer::start().await;
    let account = engine.add_account(new_account(server.port), vec![], NewSecret::Password("pw".into())).await.expect("add");
    let id = account.id.clone();
    // The first worker's pass hangs on the silent first connection.
    server.first_connection().await;
    assert_eq!(status_of(&engine, &id).map(|s| s.state), Some(AccountState::Syncing));

    // A second worker for the same account replaces the first, which is told to stop but is
    // still in its pass (the grace period lets it finish).
    assert_eq!(engine.start(Some(&id)).expect("start"), 1);
    assert_eq!(engine.running(), vec![id.clone()]);

    // Stop the account. While `stop_account` runs (or once it has returned, whichever comes
    // first after half a second), the first worker's pass ends: it fails and would report.
    let stopping = tokio::spawn({
        let (engine, id) = (Arc::clone(&engine), id.clone());
        async move { engine.stop_account(&id).await }
    });
    let returned_early = tokio::time::timeout(Duration::from_millis(500), async {
        while !stopping.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .is_ok();
    server.release();
    stopping.await.expect("stop_account");
    let mut after = engine.subscribe();

    // Whatever might still be under way has had ample time to report.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(event) = tokio::time::timeout_at(deadline, after.recv()).await {
        if let Ok(Event::AccountStatus(s)) = event {
            assert!(s.account != id, "a status reported after stop_account returned: {s:?}");
        }
    }
    assert_eq!(status_of(&engine, &id), None, "the status of the stopped account is forgotten");
    assert!(engine.running().is_empty());
    assert!(!returned_early, "stop_account returned while the replaced worker was still in its pass");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "the replacement did not connect while its predecessor ran");

    engine.remove_account(&id).await.expect("remove");
    engine.shutdown().await;
}

fn status(account: &str, state: AccountState) -> AccountStatusEvent {
    AccountStatusEvent {
        account: account.into(),
        state,
        error: None,
        new_messages: 0,
        next_pass_at: None,
        retries: 0,
        push: false,
        push_mode: crate::events::PushMode::None,
        push_folders: 0,
        sweep_secs: None,
        problem: None,
    }
}

/// The broadcast bus (2 MiB of slots) exists only once someone subscribes: a front end that
/// takes its events from its own sink (the app, the CLI) never pays for it.
#[test]
fn the_bus_is_made_by_the_first_subscriber() {
    struct Count(AtomicUsize);
    impl EventSink for Count {
        fn emit(&self, _: Event) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let direct = Arc::new(Count(AtomicUsize::new(0)));
    let fanout = Fanout { direct: Some(direct.clone()), bus: OnceLock::new(), statuses: Mutex::new(Statuses::default()) };
    let first = fanout.lock_statuses().enroll("a");
    fanout.status(first, status("a", AccountState::Syncing));
    assert!(fanout.bus.get().is_none(), "no bus without a subscriber");
    let mut rx = fanout.subscribe();
    fanout.status(first, status("a", AccountState::Ok));
    assert_eq!(direct.0.load(Ordering::SeqCst), 2, "the sink hears every event");
    match rx.try_recv() {
        Ok(Event::AccountStatus(s)) => assert_eq!(s.state, AccountState::Ok),
        other => panic!("the subscriber hears the event after it subscribed: {other:?}"),
    }
    assert!(rx.try_recv().is_err(), "and nothing from before");
}

/// The gate itself, step by step: only the account's current worker is heard, and nothing of
/// a retired account gets into the statuses or onto the bus, whenever it arrives.
#[test]
fn only_the_current_worker_of_an_account_is_heard() {
    let fanout = Fanout { direct: None, bus: OnceLock::new(), statuses: Mutex::new(Statuses::default()) };
    let mut rx = fanout.subscribe();
    let latest = |f: &Fanout| f.lock_statuses().latest.values().map(|s| s.state).collect::<Vec<_>>();

    let first = fanout.lock_statuses().enroll("a");
    fanout.status(first, status("a", AccountState::Syncing));
    assert_eq!(latest(&fanout), vec![AccountState::Syncing]);

    // Replaced: the old worker finishing its pass is not heard, the new one is.
    let second = fanout.lock_statuses().enroll("a");
    fanout.status(first, status("a", AccountState::Ok));
    assert_eq!(latest(&fanout), vec![AccountState::Syncing]);
    fanout.status(second, status("a", AccountState::Offline));
    assert_eq!(latest(&fanout), vec![AccountState::Offline]);

    // Stopped: forgotten, and neither worker is heard afterwards.
    fanout.lock_statuses().retire("a");
    fanout.status(second, status("a", AccountState::Ok));
    fanout.status(first, status("a", AccountState::Error));
    fanout.emit(Event::AccountStatus(status("a", AccountState::Ok)));
    assert!(latest(&fanout).is_empty());

    // Started again: heard again.
    let third = fanout.lock_statuses().enroll("a");
    fanout.status(third, status("a", AccountState::Syncing));
    assert_eq!(latest(&fanout), vec![AccountState::Syncing]);

    let mut sent = Vec::new();
    while let Ok(Event::AccountStatus(s)) = rx.try_recv() {
        sent.push(s.state);
    }
    assert_eq!(sent, vec![AccountState::Syncing, AccountState::Offline, AccountState::Syncing], "the bus carries what was heard only");
}
