//! Push for every watched folder (ARCHITECTURE.md § The engine): NOTIFY where the server
//! offers it (Dovecot does by default), else IDLE within the connection budget and a sweep
//! for the rest. The engine runs in process with a one-hour interval, so nothing here is
//! the timer's doing. Latencies are printed; the assertions only bound them generously.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::{DovecotOptions, Proxy, ProxyMode};
use mailbell_sync::account::NewSecret;
use mailbell_sync::{AccountStatusEvent, EngineOptions, Event, PushMode};
use tokio::sync::broadcast;

/// Far above the ~1 s it takes on an idle machine: the test machine may be loaded.
const BOUND: Duration = Duration::from_secs(10);

fn options() -> EngineOptions {
    EngineOptions { backoff_min: Duration::from_millis(300), backoff_max: Duration::from_secs(2), ..EngineOptions::default() }
}

/// The first event within `timeout` that `pred` picks.
async fn wait_for<T>(rx: &mut broadcast::Receiver<Event>, timeout: Duration, mut pred: impl FnMut(&Event) -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e)) => {
                if let Some(t) = pred(&e) {
                    return Some(t);
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => panic!("the test fell {n} events behind"),
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => return None,
        }
    }
}

async fn wait_status(
    rx: &mut broadcast::Receiver<Event>,
    timeout: Duration,
    pred: impl Fn(&AccountStatusEvent) -> bool,
) -> AccountStatusEvent {
    wait_for(rx, timeout, |e| match e {
        Event::AccountStatus(a) if pred(a) => Some(a.clone()),
        _ => None,
    })
    .await
    .expect("account status never came")
}

/// Appends one message to `folder` and returns how long until the engine announced it.
async fn announced_after(env: &Env, rx: &mut broadcast::Receiver<Event>, folder: &str, subject: &str) -> (Duration, u32) {
    let started = Instant::now();
    let uid = env.append(folder, subject);
    let seen = wait_for(rx, BOUND, |e| match e {
        Event::NewMessage(m) if m.subject == subject => Some(m.folder.clone()),
        _ => None,
    })
    .await;
    let took = started.elapsed();
    assert_eq!(seen.as_deref(), Some(folder), "mail in {folder} not announced within {BOUND:?}");
    (took, uid)
}

fn summary(latencies: &BTreeMap<String, Duration>) -> String {
    let mut v: Vec<Duration> = latencies.values().copied().collect();
    v.sort();
    let max = v.last().copied().unwrap_or_default();
    let median = v.get(v.len() / 2).copied().unwrap_or_default();
    format!("{} folders, median {median:?}, max {max:?}", v.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_reports_every_folder_new_folders_flags_and_expunges_without_the_timer() {
    let env = Env::start();
    let folders: Vec<String> = std::iter::once("INBOX".to_string()).chain((1..20).map(|i| format!("Folder {i:02}"))).collect();
    for f in folders.iter().skip(1) {
        env.dovecot.create_folder(ALICE, f).expect("create");
    }
    let engine = env.engine(options());
    let mut rx = engine.subscribe();
    let acc =
        engine.add_account(env.new_account_at(env.dovecot.tls_port()), vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    let up = wait_status(&mut rx, Duration::from_secs(30), |a| a.push_mode == PushMode::Notify).await;
    assert!(up.push, "push is on with NOTIFY");
    assert_eq!(up.push_folders, 20, "NOTIFY covers every watched folder: {up:?}");
    assert_eq!(up.sweep_secs, None, "no sweep with NOTIFY");

    let mut latencies = BTreeMap::new();
    let mut uids = BTreeMap::new();
    for f in &folders {
        let (took, uid) = announced_after(&env, &mut rx, f, &format!("pushed to {f}")).await;
        latencies.insert(f.clone(), took);
        uids.insert(f.clone(), uid);
    }
    eprintln!("NOTIFY latency per folder: {latencies:?}");
    eprintln!("NOTIFY latency: {}", summary(&latencies));

    // A folder created after start: its * LIST wakes a full pass, which gives it a row and a
    // baseline; then its mail is news. (Mail that lands before the baseline is history.)
    env.dovecot.create_folder(ALICE, "Fresh").expect("create");
    let started = Instant::now();
    loop {
        let row = engine.store().folder(&acc.id, "Fresh").expect("store");
        if row.is_some_and(|r| r.has_watermark()) {
            break;
        }
        assert!(started.elapsed() < BOUND, "a new folder did not get a baseline within {BOUND:?}: no full pass on * LIST");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("new folder listed and baselined after {:?}", started.elapsed());
    let (took, _) = announced_after(&env, &mut rx, "Fresh", "first mail in a new folder").await;
    eprintln!("new folder's first mail announced after {took:?}");

    // Read and deleted elsewhere, in folders other than INBOX.
    let started = Instant::now();
    env.dovecot.add_flags(ALICE, "Folder 03", uids["Folder 03"], &["\\Seen"]).expect("flags");
    let read = wait_for(&mut rx, BOUND, |e| match e {
        Event::MessageUpdate(u) if u.folder == "Folder 03" && u.uid == uids["Folder 03"] && u.seen => Some(()),
        _ => None,
    })
    .await;
    assert!(read.is_some(), "a message read elsewhere was not reported within {BOUND:?}");
    eprintln!("flag change reported after {:?}", started.elapsed());
    let started = Instant::now();
    env.dovecot.expunge(ALICE, "Folder 07", &[uids["Folder 07"]]).expect("expunge");
    let gone = wait_for(&mut rx, BOUND, |e| match e {
        Event::MessageUpdate(u) if u.folder == "Folder 07" && u.uid == uids["Folder 07"] && u.expunged => Some(()),
        _ => None,
    })
    .await;
    assert!(gone.is_some(), "an expunge was not reported within {BOUND:?}");
    eprintln!("expunge reported after {:?}", started.elapsed());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_notify_idle_fills_the_budget_and_the_sweep_covers_the_rest() {
    let env = Env::with(DovecotOptions::default().hide_capability("NOTIFY"));
    let folders: Vec<String> = std::iter::once("INBOX".to_string()).chain((0..6).map(|i| format!("g{i}"))).collect();
    for f in folders.iter().skip(1) {
        env.dovecot.create_folder(ALICE, f).expect("create");
    }
    // Counts the connections the engine holds at once.
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    let budget = 4u16;
    let sweep = Duration::from_secs(3);
    let engine = env.engine(EngineOptions { connection_budget: Some(budget), sweep, ..options() });
    let mut rx = engine.subscribe();
    engine.add_account(env.new_account_at(proxy.port()), vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    let up =
        wait_status(&mut rx, Duration::from_secs(30), |a| a.push_mode == PushMode::Idle && a.push_folders == u32::from(budget) - 1).await;
    assert!(up.push);
    assert_eq!(up.sweep_secs, Some(3), "the folders left over are swept: {up:?}");

    // INBOX first, then (no activity yet) by name: g0 and g1 idle, g2..g5 are swept.
    let mut latencies = BTreeMap::new();
    for f in &folders {
        let (took, _) = announced_after(&env, &mut rx, f, &format!("mail for {f}")).await;
        latencies.insert(f.clone(), took);
    }
    let idle: BTreeMap<String, Duration> =
        latencies.iter().filter(|(f, _)| ["INBOX", "g0", "g1"].contains(&f.as_str())).map(|(f, d)| (f.clone(), *d)).collect();
    let swept: BTreeMap<String, Duration> =
        latencies.iter().filter(|(f, _)| !idle.contains_key(*f)).map(|(f, d)| (f.clone(), *d)).collect();
    eprintln!("IDLE latency: {} {idle:?}", summary(&idle));
    eprintln!("sweep ({sweep:?}) latency: {} {swept:?}", summary(&swept));
    // A folder created now (a filter's `fileinto :create`) and given mail at once: the sweep
    // lists (LIST-STATUS), so it is found and its mail is news within a sweep, not a full interval.
    env.dovecot.create_folder(ALICE, "fresh").expect("create");
    let (took, _) = announced_after(&env, &mut rx, "fresh", "mail in a folder created after start").await;
    eprintln!("a folder created after start: its mail announced after {took:?}");
    eprintln!("connections: peak {} of budget {budget}, {} opened in all", proxy.peak_connections(), proxy.connections());
    assert!(proxy.peak_connections() <= u64::from(budget), "{} connections at once, budget {budget}", proxy.peak_connections());
    // The sweeps are full passes that plan the IDLE slots again, and the swept folders just got
    // mail: still, a folder that idles keeps its slot, so no connection was replaced.
    assert_eq!(proxy.connections(), u64::from(budget), "IDLE slots moved between folders (a login each)");
    engine.shutdown().await;
    assert!(proxy.peak_connections() <= u64::from(budget), "{} connections at once, budget {budget}", proxy.peak_connections());
}
