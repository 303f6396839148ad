//! Soak mode (scripts/soak.sh): `mailbell-cli watch` against a private Dovecot for N minutes,
//! with mail trickling into several folders and random faults: proxy resets, stalls and
//! latency, Dovecot restarts, and `watch` itself killed (SIGKILL) or stopped (SIGTERM) and
//! started again. At the end it checks, with the same bookkeeping as the crash tests
//! (`mailbell_e2e::ledger`), that every message is stored once and announced at most once,
//! and prints what it saw: messages delivered, duplicates, losses, reconnects, latency, and
//! the RSS of `watch` over time. Exit status 1 when a guarantee broke.
//!
//! `cargo run -p mailbell-e2e --example soak -- MINUTES` inside a keyring session (soak.sh
//! does that); MAILBELL_CLI selects the CLI binary (soak.sh builds a release one).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mailbell_e2e::cli::{run_cli, CliProcess, Finished};
use mailbell_e2e::ledger::{rows_of, Ledger, Rows, RunEnd};
use mailbell_e2e::{Dovecot, DovecotOptions, Proxy, ProxyMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const FOLDERS: [&str; 3] = ["INBOX", "Work", "Lists/rust"];
const BATCH: usize = 200;

#[derive(Debug, Clone, Copy)]
enum Chaos {
    Reset,
    Stall(Duration),
    Latency(Duration),
    ServerRestart(Duration),
    KillWatch,
    StopWatch,
}

fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn msg(subject: &str) -> Vec<u8> {
    mailbell_e2e::MessageBuilder::new().from("Soak Sender <soak@example.org>").subject(subject).text("A message of the soak run.\n").build()
}

fn rows(data: &std::path::Path) -> anyhow::Result<Rows> {
    let out = run_cli(data, &["messages", "--limit", "1000000", "--json"], &[], Duration::from_secs(120))?;
    let v: Value = serde_json::from_str(&out.lines.join("\n")).context("messages --json")?;
    rows_of(v.as_array().map(Vec::as_slice).unwrap_or_default()).map_err(anyhow::Error::msg)
}

struct Stats {
    faults: BTreeMap<&'static str, u32>,
    rss: Vec<(u64, u64)>,
    /// Send-to-announce latency: INBOX (IDLE push), other folders (the 60 s timer).
    latencies: Vec<Duration>,
    timer_latencies: Vec<Duration>,
    watch_runs: u32,
    guarantee_errors: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let minutes: f64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(10.0);
    let seed: u64 = std::env::var("MAILBELL_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let total = Duration::from_secs_f64(minutes * 60.0);
    println!("soak: {minutes} min, seed {seed} (MAILBELL_SOAK_SEED replays the schedule)");
    mailbell_e2e::require_secret_service()?;

    let dovecot = Dovecot::start(DovecotOptions::default())?;
    for f in &FOLDERS[1..] {
        dovecot.create_folder("alice", f)?;
    }
    for f in FOLDERS {
        dovecot.fill_folder("alice", f, 100, |i| msg(&format!("history {f} {i}")))?;
    }
    let proxy = Arc::new(Proxy::start(dovecot.tls_addr(), ProxyMode::Passthrough)?);
    let data = tempfile::tempdir()?;
    let ca = dovecot.ca_cert_path().display().to_string();
    let port = proxy.port().to_string();
    let add = {
        let mut cmd = std::process::Command::new(mailbell_e2e::cli_bin()?);
        cmd.arg("--data-dir").arg(data.path()).args([
            "account",
            "add",
            "--email",
            "alice@localhost",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--username",
            "alice",
            "--password-stdin",
            "--ca-file",
            &ca,
            "--interval",
            "60",
        ]);
        cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn()?;
        use std::io::Write;
        child.stdin.take().context("stdin")?.write_all(b"alice-secret-pw")?;
        child.wait_with_output()?
    };
    if !add.status.success() {
        bail!("account add failed");
    }
    let baseline = run_cli(data.path(), &["sync", "--once", "--json"], &[], Duration::from_secs(120))?;
    if baseline.status.code() != Some(0) {
        bail!("baseline sync failed: {}", baseline.stderr);
    }
    let initial = rows(data.path())?;
    let mut ledger = Ledger::new(initial.clone());

    let dovecot = Arc::new(Mutex::new(dovecot));
    let sent: Arc<Mutex<BTreeMap<String, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let seq = Arc::new(AtomicU64::new(0));
    let (chaos_tx, chaos_rx) = mpsc::channel::<Chaos>();

    // Mail trickles in: one message every 0.2-3 s, most of them to INBOX (IDLE), the rest to
    // folders the timer covers.
    let trickle = {
        let (dovecot, sent, stop, seq) = (Arc::clone(&dovecot), Arc::clone(&sent), Arc::clone(&stop), Arc::clone(&seq));
        let mut rng = StdRng::seed_from_u64(rng.random());
        std::thread::spawn(move || -> anyhow::Result<()> {
            while !stop.load(Ordering::SeqCst) {
                let folder = if rng.random_bool(0.6) { "INBOX" } else { FOLDERS[rng.random_range(1..FOLDERS.len())] };
                let n = seq.fetch_add(1, Ordering::SeqCst);
                let subject = format!("soak {n} {folder}");
                {
                    let d = dovecot.lock().expect("lock");
                    d.append("alice", folder, &msg(&subject), &[])?;
                    sent.lock().expect("lock").insert(subject, Instant::now());
                }
                if rng.random_bool(0.02) {
                    // Now and then a burst, as after a mailing list digest or a migration.
                    let d = dovecot.lock().expect("lock");
                    let base = seq.fetch_add(300, Ordering::SeqCst);
                    let subjects: Vec<String> = (0..300).map(|i| format!("soak burst {} {folder}", base + i)).collect();
                    d.fill_folder("alice", folder, subjects.len(), |i| msg(&subjects[i]))?;
                    let now = Instant::now();
                    sent.lock().expect("lock").extend(subjects.into_iter().map(|s| (s, now)));
                }
                std::thread::sleep(Duration::from_millis(rng.random_range(200..3000)));
            }
            Ok(())
        })
    };

    // Faults on a random schedule.
    let chaos = {
        let (dovecot, proxy, stop) = (Arc::clone(&dovecot), Arc::clone(&proxy), Arc::clone(&stop));
        let mut rng = StdRng::seed_from_u64(rng.random());
        std::thread::spawn(move || -> anyhow::Result<()> {
            let sleep = |d: Duration, stop: &AtomicBool| {
                let until = Instant::now() + d;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            };
            while !stop.load(Ordering::SeqCst) {
                sleep(Duration::from_secs(rng.random_range(10..40)), &stop);
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let fault = match rng.random_range(0..10) {
                    0..=2 => Chaos::Reset,
                    3 | 4 => Chaos::Stall(Duration::from_secs(rng.random_range(3..20))),
                    5 => Chaos::Latency(Duration::from_millis(rng.random_range(200..3000))),
                    6 | 7 => Chaos::ServerRestart(Duration::from_millis(rng.random_range(200..5000))),
                    8 => Chaos::KillWatch,
                    _ => Chaos::StopWatch,
                };
                match fault {
                    Chaos::Reset => proxy.reset_all(),
                    Chaos::Stall(d) => {
                        proxy.set_mode(ProxyMode::Stall);
                        proxy.reset_all();
                        sleep(d, &stop);
                        proxy.set_mode(ProxyMode::Passthrough);
                    }
                    Chaos::Latency(d) => {
                        proxy.set_mode(ProxyMode::Delay(d));
                        sleep(Duration::from_secs(10), &stop);
                        proxy.set_mode(ProxyMode::Passthrough);
                    }
                    Chaos::ServerRestart(d) => {
                        let mut dv = dovecot.lock().expect("lock");
                        dv.stop()?;
                        std::thread::sleep(d);
                        dv.start_again()?;
                    }
                    Chaos::KillWatch | Chaos::StopWatch => {}
                }
                let _ = chaos_tx.send(fault);
            }
            Ok(())
        })
    };

    let mut stats = Stats {
        faults: BTreeMap::new(),
        rss: Vec::new(),
        latencies: Vec::new(),
        timer_latencies: Vec::new(),
        watch_runs: 0,
        guarantee_errors: Vec::new(),
    };
    let started = Instant::now();
    let mut last_sample = Instant::now() - Duration::from_secs(60);
    let mut announced_at: BTreeMap<String, Duration> = BTreeMap::new();
    let mut reconnects = 0u64;
    let spawn_watch = |stats: &mut Stats| -> anyhow::Result<CliProcess> {
        stats.watch_runs += 1;
        CliProcess::spawn(data.path(), &["watch", "--json"], &[])
    };
    let mut watch = spawn_watch(&mut stats)?;
    let mut seen_lines = 0;
    let record_run = |ledger: &mut Ledger, run: &Finished, end: RunEnd, stats: &mut Stats| -> anyhow::Result<()> {
        let after = rows(data.path())?;
        if let Err(e) = ledger.record(&format!("watch run {}", stats.watch_runs), end, &run.events(), after) {
            println!("GUARANTEE BROKEN: {e}");
            stats.guarantee_errors.push(e);
        }
        Ok(())
    };
    let observe =
        |lines: &[String], from: usize, announced_at: &mut BTreeMap<String, Duration>, stats: &mut Stats, reconnects: &mut u64| {
            for l in &lines[from..] {
                let Ok(v) = serde_json::from_str::<Value>(l) else { continue };
                if v["event"] == "new_message" {
                    let subject = v["subject"].as_str().unwrap_or("").to_string();
                    if let Some(t) = sent.lock().expect("lock").get(&subject) {
                        if subject.ends_with(" INBOX") {
                            stats.latencies.push(t.elapsed());
                        } else {
                            stats.timer_latencies.push(t.elapsed());
                        }
                    }
                    announced_at.insert(subject, started.elapsed());
                } else if v["event"] == "account_status" && (v["state"] == "offline" || v["state"] == "error") {
                    *reconnects += 1;
                }
            }
        };
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_millis(200));
        let lines = watch.lines().to_vec();
        observe(&lines, seen_lines, &mut announced_at, &mut stats, &mut reconnects);
        seen_lines = lines.len();
        if last_sample.elapsed() >= Duration::from_secs(15) {
            last_sample = Instant::now();
            if let Some(kib) = rss_kib(watch.pid()) {
                stats.rss.push((started.elapsed().as_secs(), kib));
            }
        }
        while let Ok(fault) = chaos_rx.try_recv() {
            let name = match fault {
                Chaos::Reset => "proxy reset",
                Chaos::Stall(_) => "stall",
                Chaos::Latency(_) => "latency",
                Chaos::ServerRestart(_) => "Dovecot restart",
                Chaos::KillWatch => "watch killed (SIGKILL)",
                Chaos::StopWatch => "watch stopped (SIGTERM)",
            };
            *stats.faults.entry(name).or_default() += 1;
            println!("[{:>5}s] {name} {fault:?}", started.elapsed().as_secs());
            if matches!(fault, Chaos::KillWatch | Chaos::StopWatch) {
                let (signal, end) = match fault {
                    Chaos::KillWatch => (libc::SIGKILL, RunEnd::Killed { batch_size: BATCH }),
                    _ => (libc::SIGTERM, RunEnd::Complete),
                };
                let run = watch.stop_with(signal, Duration::from_secs(60))?;
                observe(&run.lines, seen_lines, &mut announced_at, &mut stats, &mut reconnects);
                record_run(&mut ledger, &run, end, &mut stats)?;
                seen_lines = 0;
                watch = spawn_watch(&mut stats)?;
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    proxy.set_mode(ProxyMode::Passthrough);
    trickle.join().map_err(|_| anyhow::anyhow!("trickle thread panicked"))??;
    chaos.join().map_err(|_| anyhow::anyhow!("chaos thread panicked"))??;
    // Let the timer (60 s) and IDLE deliver what is still in flight, then stop gracefully.
    let settle = Instant::now();
    let expected_total = sent.lock().expect("lock").len();
    while settle.elapsed() < Duration::from_secs(150) {
        std::thread::sleep(Duration::from_millis(500));
        let lines = watch.lines().to_vec();
        observe(&lines, seen_lines, &mut announced_at, &mut stats, &mut reconnects);
        seen_lines = lines.len();
        if announced_at.len() >= expected_total {
            break;
        }
    }
    let settle_time = settle.elapsed();
    let last_rss = rss_kib(watch.pid());
    let run = watch.stop_with(libc::SIGTERM, Duration::from_secs(60))?;
    if run.status.code() != Some(0) {
        stats.guarantee_errors.push(format!("the last watch did not exit cleanly: {:?}", run.status));
    }
    record_run(&mut ledger, &run, RunEnd::Complete, &mut stats)?;
    // A final pass catches whatever a killed run left for the next one.
    let last = run_cli(data.path(), &["sync", "--once", "--json"], &[], Duration::from_secs(300))?;
    let after = rows(data.path())?;
    if let Err(e) = ledger.record("final sync", RunEnd::Complete, &last.events(), after) {
        stats.guarantee_errors.push(e);
    }
    let expected: std::collections::BTreeSet<String> = sent.lock().expect("lock").keys().cloned().collect();
    if let Err(e) = ledger.check_final(&initial, &expected) {
        stats.guarantee_errors.push(e);
    }
    let announced = ledger.announced().len();
    let t = ledger.totals();
    let lost: Vec<&String> = expected.iter().filter(|s| !ledger.rows().values().any(|r| r == *s)).collect();
    let percentiles = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        let p = |q: f64| v.get(((v.len().max(1) - 1) as f64 * q) as usize).copied().unwrap_or_default();
        format!(
            "p50 {:.1?}, p90 {:.1?}, p99 {:.1?}, max {:.1?} ({} samples)",
            p(0.5),
            p(0.9),
            p(0.99),
            v.last().copied().unwrap_or_default(),
            v.len()
        )
    };

    println!();
    println!("== soak summary ({:.1} min, seed {seed})", started.elapsed().as_secs_f64() / 60.0);
    println!("messages sent:            {}", expected.len());
    println!("messages stored:          {}", ledger.rows().len() - initial.len());
    println!("announced by watch:       {} (+{} by the final sync)", announced - last.new_messages().len(), last.new_messages().len());
    println!("announced twice:          0 (the ledger stops at a duplicate: {} guarantee errors)", stats.guarantee_errors.len());
    println!("lost (sent, not stored):  {}", lost.len());
    println!("unannounced (last batch of a killed run): {}", t.unannounced);
    println!("watch runs:               {} ({} killed)", stats.watch_runs, t.killed_runs);
    println!("faults injected:          {:?}", stats.faults);
    println!("connections through the proxy: {}; failed passes reported (offline/error, then retried): {reconnects}", proxy.connections());
    println!("send-to-announce, INBOX (IDLE):        {}", percentiles(&stats.latencies));
    println!("send-to-announce, other folders (60 s timer): {}", percentiles(&stats.timer_latencies));
    println!("settling after the last fault: {settle_time:?}");
    println!("RSS of watch over time (s: KiB): {}", stats.rss.iter().map(|(s, k)| format!("{s}:{k}")).collect::<Vec<_>>().join(" "));
    if let Some(k) = last_rss {
        println!("RSS of the last watch at the end: {k} KiB");
    }
    if !stats.guarantee_errors.is_empty() || !lost.is_empty() {
        println!("FAILED:");
        for e in &stats.guarantee_errors {
            println!("  {e}");
        }
        std::process::exit(1);
    }
    println!("OK: every message stored once, none announced twice");
    Ok(())
}
