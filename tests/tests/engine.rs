//! The engine handle in-process, with test-sized timeouts: sync-now coalescing, a stalled
//! server, and accounts changed at run time.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::{Proxy, ProxyMode};
use mailbell_sync::account::{NewSecret, Revocation};
use mailbell_sync::{AccountState, EngineOptions, Event, Timeouts};
use tokio::sync::broadcast;

fn quick_options() -> EngineOptions {
    EngineOptions {
        timeouts: Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(2) },
        push: false,
        backoff_min: Duration::from_millis(300),
        backoff_max: Duration::from_secs(2),
        ..EngineOptions::default()
    }
}

async fn next_account_event(rx: &mut broadcast::Receiver<Event>, timeout: Duration, pred: impl Fn(&AccountState) -> bool) -> Event {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(e @ Event::AccountStatus(_))) => {
                if let Event::AccountStatus(a) = &e {
                    if pred(&a.state) {
                        return e;
                    }
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("timed out waiting for an account event"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_starts_at_once_and_coalesces_with_a_running_pass() {
    let env = Env::start();
    for i in 0..40 {
        env.dovecot.create_folder(ALICE, &format!("f{i}")).expect("create");
    }
    // 20 ms each way makes a pass long enough to ask for more while it runs.
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Delay(Duration::from_millis(20))).expect("proxy");
    let engine = env.engine(quick_options());
    let mut rx = engine.subscribe();
    let account = engine.add_account(env.new_account_at(proxy.port()), vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::Ok).await;

    // Idle worker: a request starts a pass at once.
    let t = Instant::now();
    engine.sync_now(&account.id, None).expect("sync now");
    next_account_event(&mut rx, Duration::from_secs(5), |s| *s == AccountState::Syncing).await;
    eprintln!("sync-now to pass start: {:?}", t.elapsed());
    // Five more requests while it runs: one follow-up pass, not five.
    for _ in 0..5 {
        engine.sync_now(&account.id, Some("INBOX")).expect("sync now");
    }
    let mut passes = 1;
    let mut oks = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while oks < 2 && Instant::now() < deadline {
        if let Ok(Ok(Event::AccountStatus(a))) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            match a.state {
                AccountState::Syncing => passes += 1,
                AccountState::Ok => oks += 1,
                _ => {}
            }
        }
    }
    // Anything else would arrive promptly after the follow-up.
    while let Ok(Ok(Event::AccountStatus(a))) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
        if a.state == AccountState::Syncing {
            passes += 1;
        }
    }
    assert_eq!(passes, 2, "five requests during a pass coalesce into one more pass");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_server_is_detected_and_the_engine_reconnects() {
    let env = Env::start();
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    let engine = env.engine(quick_options());
    let mut rx = engine.subscribe();
    let account = engine.add_account(env.new_account_at(proxy.port()), vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::Ok).await;
    let connections_before = proxy.connections();

    proxy.set_mode(ProxyMode::Stall);
    env.append("INBOX", "sent into the void");
    engine.sync_now(&account.id, None).expect("sync now");
    let failed = next_account_event(&mut rx, Duration::from_secs(15), |s| *s == AccountState::Offline || *s == AccountState::Error).await;
    eprintln!("stall reported as {failed:?}");
    proxy.set_mode(ProxyMode::Passthrough);
    // The backoff retries by itself and a fresh connection gets the mail.
    let mut got = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !got && Instant::now() < deadline {
        if let Ok(Ok(Event::NewMessage(m))) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            got = m.subject == "sent into the void";
        }
    }
    assert!(got, "the message arrived after the stall");
    assert!(proxy.connections() > connections_before, "a new connection was made");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_change_at_run_time() {
    let env = Env::start();
    let engine = env.engine(quick_options());
    let mut rx = engine.subscribe();
    let new = env.new_account_at(env.dovecot.tls_port());
    let account = engine.add_account(new, vec![], NewSecret::Password("wrong".into())).await.expect("add");
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::AuthFailed).await;
    // The user fixes the password: the worker starts afresh and works.
    engine.set_password(&account.id, ALICE_PW.into()).await.expect("set password");
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::Ok).await;
    assert_eq!(engine.running(), vec![account.id.clone()]);
    engine.set_interval(&account.id, 120).expect("interval");
    assert_eq!(engine.store().account(&account.id).expect("get").expect("exists").interval_secs, 120);
    // Stopped (another program removed it): the worker and its status go, the data and the
    // keyring entry stay for whoever removes them.
    engine.stop_account(&account.id).await;
    assert!(engine.running().is_empty());
    assert!(engine.account_states().iter().all(|s| s.account != account.id), "its status is forgotten");
    assert!(engine.store().account(&account.id).expect("get").is_some());
    assert!(mailbell_e2e::keyring_has("mailbell", &account.id).expect("lookup"));
    engine.start(Some(&account.id)).expect("start again");
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::Ok).await;
    // Removed at run time: worker gone, keyring entry gone.
    assert_eq!(
        engine.remove_account(&account.id).await.expect("remove"),
        Some(Revocation::None),
        "a password account has nothing to revoke"
    );
    assert!(engine.running().is_empty());
    assert!(!mailbell_e2e::keyring_has("mailbell", &account.id).expect("lookup"));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_follows_accounts_another_program_adds_and_removes() {
    let env = Env::start();
    let engine = env.engine(quick_options());
    let mut rx = engine.subscribe();
    assert_eq!(engine.start(None).expect("start"), 0);
    assert!(engine.reconcile().await.expect("reconcile").is_empty(), "nothing changed yet");
    // Another program (the CLI) adds an account: the next reconcile starts its worker.
    let id = env.add_alice();
    let changes = engine.reconcile().await.expect("reconcile");
    assert_eq!((changes.added, changes.removed), (vec![id.clone()], vec![]));
    assert_eq!(engine.running(), vec![id.clone()]);
    next_account_event(&mut rx, Duration::from_secs(20), |s| *s == AccountState::Ok).await;
    assert!(engine.reconcile().await.expect("reconcile").is_empty(), "a running account is not started twice");
    // The CLI removes it: the next reconcile stops the worker and forgets its status.
    env.cli(&["account", "remove", &id]).assert_ok();
    let changes = engine.reconcile().await.expect("reconcile");
    assert_eq!((changes.added, changes.removed), (vec![], vec![id.clone()]));
    assert!(engine.running().is_empty());
    assert!(engine.account_states().iter().all(|s| s.account != id));
    engine.shutdown().await;
}
