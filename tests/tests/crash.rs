//! Crash injection: the real CLI killed at random points (SIGKILL), aborted right after each
//! batch commit (the `MAILBELL_TEST_ABORT_AFTER_BATCHES` hook), and stopped gracefully (SIGTERM),
//! over and over, while mail keeps arriving in several folders. After a final pass every
//! message that arrived after the baseline is stored exactly once and announced at least once
//! (a killed run's last batch by the next run, marked `late`), every event names a stored row,
//! and a message is announced twice only for a kill between its events and their mark, at most
//! one batch per kill (ARCHITECTURE.md § CLI contract). The bookkeeping is
//! `mailbell_e2e::ledger`.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_e2e::cli::{CliProcess, Finished};
use mailbell_e2e::ledger::{rows_of, Ledger, Rows, RunEnd};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The engine's batch size (SyncOptions::default().batch_size).
const BATCH: usize = 200;
const FOLDERS: [&str; 4] = ["INBOX", "Work", "Lists/rust", "Projekte/Übersicht"];

/// A seed from MAILBELL_CRASH_SEED or the clock, printed so a failure can be replayed.
fn rng(test: &str) -> StdRng {
    let seed = std::env::var("MAILBELL_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64);
    eprintln!("{test}: seed {seed} (MAILBELL_CRASH_SEED={seed} replays the kill points)");
    StdRng::seed_from_u64(seed)
}

fn msg(subject: &str) -> Vec<u8> {
    mailbell_e2e::simple("Burst <burst@example.org>", "alice@localhost", subject, "crash test body")
}

/// The account, its folders with some history, and a first pass that baselines them.
fn setup(extra: &[&str]) -> (Env, Rows) {
    let env = Env::start();
    for f in &FOLDERS[1..] {
        env.dovecot.create_folder(ALICE, f).expect("create folder");
    }
    for f in FOLDERS {
        env.dovecot.fill_folder(ALICE, f, 30, |i| msg(&format!("history {f} {i}"))).expect("history");
    }
    env.add_user(ALICE, common::ALICE_PW, extra);
    let first = env.sync();
    first.assert_ok();
    assert!(first.new_messages().is_empty(), "history is not news: {}", first.stdout);
    let initial = rows(&env);
    (env, initial)
}

fn rows(env: &Env) -> Rows {
    rows_of(&env.messages()).unwrap_or_else(|e| panic!("{e}"))
}

/// Mail that keeps arriving while the CLI runs and dies: one message at a time, in random
/// folders, until stopped. Bulk bursts (`burst`) take the same lock, so a Maildir fill never
/// races with a delivery.
struct Arrivals {
    expected: Mutex<BTreeSet<String>>,
    lock: Mutex<()>,
    stop: AtomicBool,
    seq: AtomicUsize,
}

impl Arrivals {
    fn new() -> Arc<Arrivals> {
        Arc::new(Arrivals {
            expected: Mutex::new(BTreeSet::new()),
            lock: Mutex::new(()),
            stop: AtomicBool::new(false),
            seq: AtomicUsize::new(0),
        })
    }

    fn trickle(&self, env: &Env, seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        while !self.stop.load(Ordering::SeqCst) {
            let folder = FOLDERS[rng.random_range(0..FOLDERS.len())];
            let subject = format!("trickle {} {folder}", self.seq.fetch_add(1, Ordering::SeqCst));
            {
                let _g = self.lock.lock().expect("lock");
                env.dovecot.append(ALICE, folder, &msg(&subject), &[]).expect("append");
                self.expected.lock().expect("lock").insert(subject);
            }
            std::thread::sleep(Duration::from_millis(rng.random_range(30..150)));
        }
    }

    fn burst(&self, env: &Env, folder: &str, n: usize) {
        let _g = self.lock.lock().expect("lock");
        let base = self.seq.fetch_add(n, Ordering::SeqCst);
        let subjects: Vec<String> = (0..n).map(|i| format!("burst {} {folder}", base + i)).collect();
        env.dovecot.fill_folder(ALICE, folder, n, |i| msg(&subjects[i])).expect("burst");
        self.expected.lock().expect("lock").extend(subjects);
    }

    /// Stops the trickle when dropped, also when the test panics (a scoped thread that never
    /// stops would hang the test instead of failing it).
    fn stopper(&self) -> Stopper<'_> {
        Stopper(self)
    }

    fn expected(&self) -> BTreeSet<String> {
        self.expected.lock().expect("lock").clone()
    }
}

struct Stopper<'a>(&'a Arrivals);

impl Drop for Stopper<'_> {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

fn record(ledger: &mut Ledger, env: &Env, label: &str, end: RunEnd, run: &Finished) {
    let after = rows(env);
    let s = ledger.record(label, end, &run.events(), after).unwrap_or_else(|e| panic!("{e}\nstderr of the run:\n{}", run.stderr));
    eprintln!(
        "{label}: {:?}, {} announced ({} late, {} again), {} inserted, {} unannounced{}",
        run.status,
        s.announced,
        s.late,
        s.repeated,
        s.inserted,
        s.unannounced,
        if run.partial.is_some() { ", a line cut mid-write" } else { "" }
    );
}

/// How a run that was meant to be killed actually ended.
fn end_of(run: &Finished) -> RunEnd {
    if run.status.code() == Some(0) {
        RunEnd::Complete
    } else {
        RunEnd::Killed { batch_size: BATCH }
    }
}

fn sync_args() -> Vec<&'static str> {
    vec!["sync", "--once", "--json"]
}

/// Runs `sync --once` until one run completes cleanly; records each.
fn final_sync(env: &Env, ledger: &mut Ledger, label: &str) {
    let run = mailbell_e2e::cli::run_cli(env.data_dir(), &sync_args(), &[], Duration::from_secs(300)).expect("final sync");
    assert_eq!(run.status.code(), Some(0), "final pass failed:\n{}", run.stderr);
    record(ledger, env, label, RunEnd::Complete, &run);
}

#[test]
fn sync_once_killed_at_random_points_loses_and_duplicates_nothing() {
    let mut rng = rng("sync_once_sigkill");
    let (env, initial) = setup(&[]);
    let arrivals = Arrivals::new();
    let mut ledger = Ledger::new(initial.clone());
    let mut mid_fetch_kills = 0;
    let mut early_kills = 0;
    let mut completed_before_kill = 0;
    let started = Instant::now();
    std::thread::scope(|scope| {
        let trickle_seed = rng.random();
        let arrivals_ref = &arrivals;
        let env_ref = &env;
        scope.spawn(move || arrivals_ref.trickle(env_ref, trickle_seed));
        let _stop = arrivals.stopper();
        for round in 0..40 {
            if round % 3 != 2 {
                let folder = FOLDERS[rng.random_range(0..FOLDERS.len())];
                arrivals.burst(&env, folder, rng.random_range(200..900));
            }
            let pending = arrivals.expected().len().saturating_sub(ledger.rows().len() - initial.len()).max(1);
            let mut p = CliProcess::spawn(env.data_dir(), &sync_args(), &[]).expect("spawn");
            let early = rng.random_bool(0.2);
            if early {
                // Anywhere in start-up, keyring, connect, LIST, the first batch's fetch.
                std::thread::sleep(Duration::from_millis(rng.random_range(0..150)));
                early_kills += 1;
            } else {
                // After the k-th event: mid-fetch, around a commit, between folders.
                let k = rng.random_range(1..=pending);
                p.wait_new_messages(k, Duration::from_secs(30));
                std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
            }
            let run = p.stop_with(libc::SIGKILL, Duration::from_secs(30)).expect("kill");
            let end = end_of(&run);
            if end == RunEnd::Complete {
                completed_before_kill += 1;
            } else {
                assert!(run.killed_by(libc::SIGKILL), "a run that did not complete died of SIGKILL: {:?}\n{}", run.status, run.stderr);
                if !early && !run.new_messages().is_empty() {
                    mid_fetch_kills += 1;
                }
            }
            record(&mut ledger, &env, &format!("sync run {round}"), end, &run);
        }
    });
    final_sync(&env, &mut ledger, "final sync");
    ledger.check_final(&initial, &arrivals.expected()).unwrap_or_else(|e| panic!("{e}"));
    let t = ledger.totals();
    eprintln!(
        "sync --once under SIGKILL: {t}; {mid_fetch_kills} kills after events had been printed, {early_kills} early kills, \
         {completed_before_kill} runs finished before their kill; {} messages arrived; {:?}",
        arrivals.expected().len(),
        started.elapsed()
    );
    assert!(mid_fetch_kills >= 10, "too few kills landed mid-fetch ({mid_fetch_kills}) for the test to mean much");
}

/// Runs `sync --once` with the abort hook at `k` until a run completes; checks each run.
/// Returns the number of aborted runs.
fn abort_loop(env: &Env, ledger: &mut Ledger, k: u32, phase: &str) -> usize {
    let value = k.to_string();
    // Every round before the one that completes was aborted.
    for round in 0..300 {
        let run = mailbell_e2e::cli::run_cli(
            env.data_dir(),
            &sync_args(),
            &[("MAILBELL_TEST_ABORT_AFTER_BATCHES", value.as_str())],
            Duration::from_secs(120),
        )
        .expect("run");
        let label = format!("{phase} run {round} (abort after batch {k})");
        if run.status.code() == Some(0) {
            record(ledger, env, &format!("{label}, completed"), RunEnd::Complete, &run);
            return round;
        }
        assert!(run.killed_by(libc::SIGABRT), "the hook aborts: {:?}\n{}", run.status, run.stderr);
        let before = ledger.rows().len();
        record(ledger, env, &label, RunEnd::Killed { batch_size: BATCH }, &run);
        let inserted = ledger.rows().len() - before;
        // The abort comes right after the k-th commit, before its events: the batches before
        // it were announced in full, the k-th (possibly a folder's short or empty last batch)
        // not at all. The run first announced, late, what the previous abort left unannounced.
        let events = run.new_messages();
        let late = events.iter().filter(|e| e["late"] == true).count();
        let announced = events.len() - late;
        assert!(announced <= (k as usize - 1) * BATCH, "{label}: {announced} events");
        assert!(late <= BATCH, "{label}: {late} late events, more than the previous run's last batch");
        assert!(inserted >= announced && inserted - announced <= BATCH, "{label}: {inserted} rows, {announced} events");
    }
    panic!("{phase}: the hook runs never completed");
}

#[test]
fn sync_once_aborted_right_after_each_batch_commit_announces_that_batch_at_the_next_start() {
    let (env, initial) = setup(&[]);
    let arrivals = Arrivals::new();
    let mut ledger = Ledger::new(initial.clone());
    // Batches of 200 per folder plus each folder's last (short or empty) one: 6 + 3 + 3 + 1
    // commits. Aborting after the first commit of every run makes each of them an abort point.
    arrivals.burst(&env, "INBOX", 1000);
    arrivals.burst(&env, "Work", 530);
    arrivals.burst(&env, "Lists/rust", 400);
    arrivals.burst(&env, "Projekte/Übersicht", 199);
    let every_boundary = abort_loop(&env, &mut ledger, 1, "each boundary");
    assert!(every_boundary >= 11, "one aborted run per commit ({every_boundary})");
    // Aborting after the second commit: the first batch of each run is announced, the second
    // is stored but not announced, and the next run goes on after it.
    arrivals.burst(&env, "INBOX", 900);
    arrivals.burst(&env, "Work", 450);
    let second = abort_loop(&env, &mut ledger, 2, "second batch");
    final_sync(&env, &mut ledger, "final sync");
    ledger.check_final(&initial, &arrivals.expected()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "sync --once aborted after batch commits: {}; {every_boundary} runs aborted after their first commit, {second} after their second",
        ledger.totals()
    );
    assert!(second >= 3);
    assert!(ledger.totals().announced >= 3 * BATCH, "the first batches of the second phase were announced");
}

fn watch_args() -> Vec<&'static str> {
    vec!["watch", "--json"]
}

#[test]
fn watch_killed_at_random_points_loses_and_duplicates_nothing() {
    let mut rng = rng("watch_sigkill");
    // A long interval: passes come from each start and from IDLE pushes on INBOX.
    let (env, initial) = setup(&["--interval", "3600"]);
    let arrivals = Arrivals::new();
    let mut ledger = Ledger::new(initial.clone());
    let mut kills_after_events = 0;
    std::thread::scope(|scope| {
        let trickle_seed = rng.random();
        let arrivals_ref = &arrivals;
        let env_ref = &env;
        scope.spawn(move || arrivals_ref.trickle(env_ref, trickle_seed));
        let _stop = arrivals.stopper();
        for round in 0..16 {
            let mut p = CliProcess::spawn(env.data_dir(), &watch_args(), &[]).expect("spawn");
            // A burst while it runs, half of the time into INBOX (IDLE wakes a pass for it).
            let folder = if rng.random_bool(0.5) { "INBOX" } else { FOLDERS[rng.random_range(1..FOLDERS.len())] };
            p.wait_for(Duration::from_secs(30), |e| e["event"] == "account_status").expect("watch started");
            arrivals.burst(&env, folder, rng.random_range(200..700));
            match rng.random_range(0..3) {
                0 => std::thread::sleep(Duration::from_millis(rng.random_range(0..1500))),
                _ => {
                    let k = rng.random_range(1..=400);
                    if p.wait_new_messages(k, Duration::from_secs(20)) {
                        kills_after_events += 1;
                    }
                    std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
                }
            }
            let run = p.stop_with(libc::SIGKILL, Duration::from_secs(30)).expect("kill");
            assert!(run.killed_by(libc::SIGKILL), "{:?}\n{}", run.status, run.stderr);
            record(&mut ledger, &env, &format!("watch run {round}"), RunEnd::Killed { batch_size: BATCH }, &run);
        }
    });
    // A last watch runs its first pass and stops gracefully; `sync --once` then covers mail
    // that reached a non-INBOX folder after that pass (the timer is an hour).
    let mut p = CliProcess::spawn(env.data_dir(), &watch_args(), &[]).expect("spawn");
    p.wait_for(Duration::from_secs(120), |e| e["event"] == "account_status" && e["state"] == "ok").expect("a full pass");
    let run = p.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("stop");
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    record(&mut ledger, &env, "last watch (SIGTERM)", RunEnd::Complete, &run);
    final_sync(&env, &mut ledger, "final sync");
    ledger.check_final(&initial, &arrivals.expected()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "watch under SIGKILL: {}; {kills_after_events} kills after events; {} messages arrived",
        ledger.totals(),
        arrivals.expected().len()
    );
    assert!(kills_after_events >= 5, "too few kills landed mid-burst ({kills_after_events})");
}

#[test]
fn watch_stopped_with_sigterm_at_random_points_loses_no_event() {
    let mut rng = rng("watch_sigterm");
    let (env, initial) = setup(&["--interval", "3600"]);
    let arrivals = Arrivals::new();
    let mut ledger = Ledger::new(initial.clone());
    let mut stops_mid_burst = 0;
    std::thread::scope(|scope| {
        let trickle_seed = rng.random();
        let arrivals_ref = &arrivals;
        let env_ref = &env;
        scope.spawn(move || arrivals_ref.trickle(env_ref, trickle_seed));
        let _stop = arrivals.stopper();
        for round in 0..14 {
            let folder = FOLDERS[rng.random_range(0..FOLDERS.len())];
            arrivals.burst(&env, folder, rng.random_range(300..1200));
            let mut p = CliProcess::spawn(env.data_dir(), &watch_args(), &[]).expect("spawn");
            // The signal handler is in place once the engine has said anything.
            p.wait_for(Duration::from_secs(30), |e| e["event"] == "account_status").expect("watch started");
            let k = rng.random_range(0..=500);
            if k > 0 && p.wait_new_messages(k, Duration::from_secs(20)) {
                stops_mid_burst += 1;
            }
            std::thread::sleep(Duration::from_micros(rng.random_range(0..30_000)));
            let run = p.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("stop");
            assert_eq!(run.status.code(), Some(0), "SIGTERM is a clean exit:\n{}", run.stderr);
            assert!(run.partial.is_none(), "a graceful stop cuts no line: {:?}", run.partial);
            record(&mut ledger, &env, &format!("watch run {round} (SIGTERM)"), RunEnd::Complete, &run);
        }
    });
    final_sync(&env, &mut ledger, "final sync");
    ledger.check_final(&initial, &arrivals.expected()).unwrap_or_else(|e| panic!("{e}"));
    let t = ledger.totals();
    eprintln!("watch under SIGTERM: {t}; {stops_mid_burst} stops mid-burst; {} messages arrived", arrivals.expected().len());
    assert_eq!(t.unannounced, 0);
    assert!(stops_mid_burst >= 5, "too few stops landed mid-burst ({stops_mid_burst})");
}

/// The engine's graceful stop, in-process with a short grace period: a pass still running when
/// the grace period ends is dropped. Whatever it committed must have been announced (a graceful
/// stop loses no event); what it had not committed is fetched again next time. `watch` is the
/// same engine with a 10 s grace, so the same holds for any pass longer than that (a first
/// sync after a long time offline, a slow link).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_stopped_mid_pass_announces_every_row_it_committed() {
    use mailbell_sync::Event;
    use mailbell_sync::Secrets;
    use mailbell_sync::Store;
    use mailbell_sync::{Engine, EngineOptions};

    let mut rng = rng("engine_shutdown_grace");
    let (env, initial) = setup(&["--interval", "3600"]);
    let arrivals = Arrivals::new();
    let mut ledger = Ledger::new(initial.clone());
    let secrets = Arc::new(Secrets::open().expect("keyring"));
    let mut cut_short = 0;
    // Whether a stop lands mid-pass depends on the machine's speed: go on (up to 48 rounds)
    // until at least 8 did, so that the guarantee is exercised on a fast machine too.
    for round in 0..48 {
        if round >= 16 && cut_short >= 8 {
            break;
        }
        arrivals.burst(&env, FOLDERS[round % FOLDERS.len()], 1500);
        let store = Store::open_dir(env.data_dir()).expect("store");
        let events: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let sink_events = Arc::clone(&events);
        let sink: Arc<dyn mailbell_sync::EventSink> = Arc::new(move |e: Event| {
            sink_events.lock().expect("lock").push(serde_json::to_value(&e).expect("event as JSON"));
        });
        let grace = Duration::from_millis(rng.random_range(0..20));
        let opts = EngineOptions { push: false, shutdown_grace: grace, ..EngineOptions::default() };
        let engine = Engine::new(store.clone(), Arc::clone(&secrets), opts, Some(sink));
        engine.start(None).expect("start");
        let k = rng.random_range(1..1300);
        let deadline = Instant::now() + Duration::from_secs(30);
        while events.lock().expect("lock").iter().filter(|e| e["event"] == "new_message").count() < k && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        engine.shutdown().await;
        drop(engine);
        // Work the dropped pass had handed to the blocking pool finishes by itself.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = rows_of(
            &store.messages(None, 1_000_000).expect("messages").iter().map(|m| serde_json::to_value(m).expect("row")).collect::<Vec<_>>(),
        )
        .expect("rows");
        let events = events.lock().expect("lock").clone();
        if after.len() - ledger.rows().len() < 1500 {
            cut_short += 1;
        }
        let s = ledger
            .record(&format!("engine run {round} (grace {grace:?}, stopped after {k} events)"), RunEnd::Complete, &events, after)
            .unwrap_or_else(|e| panic!("a graceful stop lost events: {e}"));
        eprintln!("engine run {round}: grace {grace:?}, {} announced, {} inserted", s.announced, s.inserted);
    }
    final_sync(&env, &mut ledger, "final sync");
    ledger.check_final(&initial, &arrivals.expected()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("engine stopped mid-pass: {}; {cut_short} passes cut short by the grace period", ledger.totals());
    assert!(cut_short >= 8, "too few stops landed mid-pass ({cut_short})");
}
