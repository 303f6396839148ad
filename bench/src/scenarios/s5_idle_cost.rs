//! S5: what `mailbell-cli watch` costs while nothing happens. Several accounts (one Dovecot
//! user each, on one server, all through the counting proxy) with many folders; the default
//! timer interval (300 s). Once every account has pushed up and the start-up passes are over,
//! a quiet window is measured: CPU time, context switches (wakeups), syscalls, memory,
//! connections and the bytes exchanged.
//!
//! What runs in a quiet window, by design: a timed pass per account every interval (±10 %
//! jitter), IDLE re-issued (DONE + IDLE) every 5 minutes per account (`idle_round`), the
//! sleep-detection clock check every 30 s per account, and Dovecot's own "* OK Still here"
//! every 2 minutes on each IDLE connection.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::bail;
use mailbell_e2e::DovecotOptions;

use crate::env::BenchEnv;
use crate::mail;
use crate::procfs::{self, Perf, SwitchTracker};
use crate::report::{fmt_bytes, fmt_count, fmt_dur, ExtraTable, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::n;

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    // alice is the default user; the others are added.
    let mut users = vec![("alice".to_string(), "alice-secret-pw".to_string())];
    for i in 1..sizes.s5_accounts {
        users.push((format!("user{i}"), format!("user{i}-secret-pw")));
    }
    let mut opts = DovecotOptions::default();
    for (u, p) in users.iter().skip(1) {
        opts = opts.user(u.clone(), p.clone());
    }
    let mut env = BenchEnv::start_with(opts)?;
    env.count_turns()?;
    if let Some(parent) = env.dovecot.dir().parent() {
        report.facts.mail_dir = parent.display().to_string();
    }

    let t = Instant::now();
    for (user, _) in &users {
        let folders = mail::create_folders_for(&env.dovecot, user, sizes.s5_folders - 1)?;
        for f in &folders {
            mail::fill_for(&env.dovecot, user, f, sizes.s5_history_per_folder, "history")?;
        }
    }
    report.setup(
        format!("S5 {} users x {} folders x {} msgs: create and fill", users.len(), sizes.s5_folders, n(sizes.s5_history_per_folder)),
        t.elapsed(),
    );

    env.new_account()?;
    for (user, password) in users.iter().skip(1) {
        env.add_account(user, password, &[])?;
    }
    let accounts: BTreeSet<String> = env.accounts.iter().cloned().collect();

    // Start-up: every account's first pass, its IDLE session, the INBOX pass push triggers.
    let t = Instant::now();
    let conns_before = env.proxy.connections();
    let mut w = env.watch()?;
    let mut pushed = BTreeSet::new();
    while pushed.len() < accounts.len() {
        let l =
            w.wait_for(Duration::from_secs(120), "push=true from every account", |l| l.event() == "account_status" && l.v["push"] == true)?;
        if let Some(a) = l.v["account"].as_str() {
            pushed.insert(a.to_string());
        }
    }
    if !w.settle(Duration::from_secs(3), Duration::from_secs(60)) {
        bail!("watch did not go quiet after start-up; the last events: {}", w.tail(5));
    }
    let startup_events = w.log.len();
    report.setup(format!("S5 watch start-up ({} accounts: first passes, IDLE up, quiet 3 s)", accounts.len()), t.elapsed());

    // The quiet window.
    let pid = w.pid();
    let (perf, perf_err) = match Perf::attach(pid) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    let (recv0, sent0, conns0) = (env.proxy.bytes_to_client(), env.proxy.bytes_to_server(), env.proxy.connections());
    let active0 = env.proxy.active_connections();
    let turns0 = env.turns().unwrap_or(0);
    let s0 = procfs::sample(pid)?;
    let mut tracker = SwitchTracker::default();
    tracker.add(&s0);
    let (mut rss_min, mut rss_max) = (s0.rss_kib, s0.rss_kib);
    let (mut active_min, mut active_max) = (active0, active0);
    let (mut sockets_min, mut sockets_max) = (s0.sockets, s0.sockets);
    let (mut threads_min, mut threads_max) = (s0.threads, s0.threads);
    let mut rss_trace = vec![(Duration::ZERO, s0.rss_kib)];
    // Cumulative counters at each sample, to split the window into quiet and busy stretches.
    let mut points = vec![Point { at: s0.at, ticks: s0.cpu_ticks, switches: 0, recv: recv0, sent: sent0, turns: env.turns().unwrap_or(0) }];
    let window_start = s0.at;
    let mut last = s0.clone();
    eprintln!("   S5   quiet window of {} starts (sampling /proc every {})", fmt_dur(sizes.s5_window), fmt_dur(sizes.s5_sample_every));
    let mut next_progress = window_start + Duration::from_secs(60);
    while last.at.duration_since(window_start) < sizes.s5_window {
        let left = sizes.s5_window.saturating_sub(last.at.duration_since(window_start));
        // Collect events while waiting (the bench reads the pipe; the CLI is not woken by it).
        let until = Instant::now() + sizes.s5_sample_every.min(left);
        while w.next(until.saturating_duration_since(Instant::now())).is_some() {}
        // Once stdout is closed, next() returns at once.
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
        if w.has_exited() {
            bail!("mailbell-cli watch exited during the quiet window; the last events: {}", w.tail(5));
        }
        let s = procfs::sample(pid)?;
        tracker.add(&s);
        rss_min = rss_min.min(s.rss_kib);
        rss_max = rss_max.max(s.rss_kib);
        sockets_min = sockets_min.min(s.sockets);
        sockets_max = sockets_max.max(s.sockets);
        threads_min = threads_min.min(s.threads);
        threads_max = threads_max.max(s.threads);
        let active = env.proxy.active_connections();
        active_min = active_min.min(active);
        active_max = active_max.max(active);
        rss_trace.push((s.at.duration_since(window_start), s.rss_kib));
        let (v, i, _) = tracker.totals();
        points.push(Point {
            at: s.at,
            ticks: s.cpu_ticks,
            switches: v + i,
            recv: env.proxy.bytes_to_client(),
            sent: env.proxy.bytes_to_server(),
            turns: env.turns().unwrap_or(0),
        });
        if s.at >= next_progress {
            eprintln!(
                "   S5   {:>5.1} min: CPU {}  RSS {}  conns {}",
                s.at.duration_since(window_start).as_secs_f64() / 60.0,
                fmt_dur(procfs::ticks_to_dur(s.cpu_ticks - s0.cpu_ticks)),
                fmt_bytes(s.rss_kib * 1024),
                active
            );
            next_progress += Duration::from_secs(60);
        }
        last = s;
    }
    let s1 = last;
    let (recv1, sent1, conns1) = (env.proxy.bytes_to_client(), env.proxy.bytes_to_server(), env.proxy.connections());
    let active1 = env.proxy.active_connections();
    let turns1 = env.turns().unwrap_or(0);
    let perf_counts = perf.map(Perf::finish);
    let window = s1.at.duration_since(window_start);
    let window_events: Vec<_> = w.log[startup_events..].to_vec();

    let exit = w.stop(Duration::from_secs(20))?;

    // What happened in the window, by the events.
    let mut passes: BTreeMap<String, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for l in &window_events {
        match l.event() {
            "account_status" if l.v["state"] == "syncing" => {
                *passes.entry(l.v["account"].as_str().unwrap_or("?").to_string()).or_default() += 1;
            }
            "account_status" if !matches!(l.v["state"].as_str(), Some("ok" | "syncing" | "connecting")) => {
                problems.push(format!("account status in the quiet window: {}", l.v));
            }
            "account_status" if l.v["push"] == false => problems.push(format!("push went down in the quiet window: {}", l.v)),
            "new_message" | "message_update" => problems.push(format!("{} in a quiet window: {}", l.event(), l.v)),
            "folder_status" if l.v["state"] == "error" => problems.push(format!("folder error: {}", l.v)),
            _ if !l.is_json() => problems.push(format!("stdout line that is not JSON: {}", l.v)),
            _ => {}
        }
    }
    let expected_conns = 2 * accounts.len() as u64;
    if active0 != expected_conns || active1 != expected_conns || active_min != expected_conns || active_max != expected_conns {
        problems.push(format!(
            "expected {expected_conns} open connections (a kept session and an IDLE one per account) all along; \
             saw {active0} at the start, {active1} at the end, {active_min}..{active_max} in between"
        ));
    }
    if let Some(f) = exit.failure() {
        problems.push(f);
    }
    for p in &problems {
        report.fail(format!("S5: {p}"));
    }

    let cpu = procfs::ticks_to_dur(s1.cpu_ticks.saturating_sub(s0.cpu_ticks));
    let (vol, invol, threads_seen) = tracker.totals();
    let per_min = |x: f64| x / (window.as_secs_f64() / 60.0);
    let total_passes: usize = passes.values().sum();
    let perf_counts = match perf_counts {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            report.note(format!("S5: perf stat failed ({e:#}): no syscall counts"));
            None
        }
        None => {
            report.note(format!("S5: perf stat not available ({}): no syscall counts", perf_err.unwrap_or_default()));
            None
        }
    };
    let syscalls = perf_counts.as_ref().and_then(|c| c.syscalls);
    let split = split_window(&points, &window_events.iter().map(|l| l.at).collect::<Vec<_>>());
    let row = vec![
        "S5".to_string(),
        format!("watch, quiet, {} accounts x {} folders, interval 300 s", accounts.len(), sizes.s5_folders),
        LOOPBACK.to_string(),
        fmt_dur(window),
        fmt_dur(cpu),
        format!("{:.1} ms", per_min(cpu.as_secs_f64() * 1000.0)),
        fmt_count(vol + invol),
        format!("{:.0}", per_min((vol + invol) as f64)),
        syscalls.map(fmt_count).unwrap_or_else(|| "-".into()),
        syscalls.map(|s| format!("{:.0}", per_min(s as f64))).unwrap_or_else(|| "-".into()),
        fmt_bytes(s0.rss_kib * 1024),
        fmt_bytes(s1.rss_kib * 1024),
        fmt_bytes(rss_max * 1024),
        format!("{active0} / {active1}"),
        (conns1 - conns0).to_string(),
        fmt_bytes(recv1 - recv0),
        fmt_bytes(sent1 - sent0),
        total_passes.to_string(),
        if problems.is_empty() { "ok".to_string() } else { "FAILED".to_string() },
    ];
    eprintln!(
        "   S5   {LOOPBACK:<9} {}  CPU {}  wakeups {}  syscalls {}  RSS {} -> {} (max {})  recv {}  sent {}  passes {}",
        row[3], row[4], row[6], row[8], row[10], row[11], row[12], row[15], row[16], row[17]
    );

    let mut footnotes = vec![
        format!(
            "window: after every account reported push=true and {} events went quiet for 3 s; /proc sampled every {}.",
            n(startup_events),
            fmt_dur(sizes.s5_sample_every)
        ),
        "CPU: utime+stime of the process (all threads, /proc/<pid>/stat) end minus start; 10 ms ticks.".to_string(),
        "wakeups: voluntary + involuntary context switches, summed over the threads (/proc/<pid>/task/*/status),".to_string(),
        "  each thread followed from the window start (or its birth) to the last sample that saw it.".to_string(),
        "syscalls: perf stat -e raw_syscalls:sys_enter on the process (in-kernel counting, threads born later included).".to_string(),
        "RSS: VmRSS at the start and end of the window, and the highest sample in it.".to_string(),
        "conns: connections open through the proxy at start / end; new: connections opened in the window.".to_string(),
        "recv/sent: bytes the client received from / sent to the server in the window (TLS included).".to_string(),
        "passes: account_status state=syncing events in the window (timed passes; each account's timer is jittered ±10 %).".to_string(),
    ];
    if let Some(c) = &perf_counts {
        footnotes.push(format!(
            "perf over the window: {} context switches, {} CPU migrations, task-clock {} ms.",
            c.context_switches.map(fmt_count).unwrap_or_else(|| "?".into()),
            c.cpu_migrations.map(fmt_count).unwrap_or_else(|| "?".into()),
            c.task_clock_ms.map(|v| format!("{v:.1}")).unwrap_or_else(|| "?".into()),
        ));
    }
    footnotes.push(format!(
        "/proc detail: {vol} voluntary + {invol} involuntary switches over {threads_seen} threads seen; threads {threads_min}..{threads_max}; \
         sockets {sockets_min}..{sockets_max}; VmHWM {} at the end (peak since start, start-up passes included).",
        fmt_bytes(s1.hwm_kib * 1024)
    ));
    footnotes.push(format!(
        "whole life of the process (rusage at exit, start-up and shutdown included): CPU {}, {} + {} context switches, max RSS {}, SIGTERM to exit {}.",
        fmt_dur(exit.cpu),
        fmt_count(exit.nvcsw),
        fmt_count(exit.nivcsw),
        fmt_bytes(exit.max_rss_kib * 1024),
        fmt_dur(exit.stop_took)
    ));
    if split.quiet_time > Duration::ZERO {
        let q_min = split.quiet_time.as_secs_f64() / 60.0;
        footnotes.push(format!(
            "between passes ({} of the window with no event near): {:.1} wakeups/min, {:.2} ms CPU/min, {}/min recv, {}/min sent, {} client turns in all",
            fmt_dur(split.quiet_time),
            split.quiet_switches as f64 / q_min,
            procfs::ticks_to_dur(split.quiet_ticks).as_secs_f64() * 1000.0 / q_min,
            fmt_bytes((split.quiet_recv as f64 / q_min) as u64),
            fmt_bytes((split.quiet_sent as f64 / q_min) as u64),
            split.quiet_turns,
        ));
        footnotes.push(
            "  (IDLE keepalives from Dovecot every 2 min, IDLE re-issued every 5 min, the 30 s clock check; sampling is 2 s, so a stretch"
                .to_string(),
        );
        footnotes.push("  counts as busy from one sample before an event to one after).".to_string());
    }
    if total_passes > 0 {
        let p = total_passes as f64;
        footnotes.push(format!(
            "busy stretches ({} in all, {} timed passes): per pass {:.0} wakeups, {:.1} ms CPU, {} recv, {} sent, {:.1} client turns.",
            fmt_dur(split.busy_time),
            total_passes,
            split.busy_switches as f64 / p,
            procfs::ticks_to_dur(split.busy_ticks).as_secs_f64() * 1000.0 / p,
            fmt_bytes((split.busy_recv as f64 / p) as u64),
            fmt_bytes((split.busy_sent as f64 / p) as u64),
            split.busy_turns as f64 / p,
        ));
    }
    footnotes.push(format!(
        "client turns (round trips the client waited for, counted by a relay) in the window: {}. start-up opened {} connections; passes per account in the window: {}.",
        turns1 - turns0,
        conns0 - conns_before,
        accounts.iter().map(|a| passes.get(a).copied().unwrap_or(0).to_string()).collect::<Vec<_>>().join(", ")
    ));
    // Memory over time, a handful of points.
    let step = (rss_trace.len() / 10).max(1);
    let points: Vec<String> = rss_trace
        .iter()
        .step_by(step)
        .chain(rss_trace.last())
        .map(|(t, kib)| format!("{:.0}s {}", t.as_secs_f64(), fmt_bytes(kib * 1024)))
        .collect();
    footnotes.push(format!("RSS over the window: {} (min {}).", points.join(", "), fmt_bytes(rss_min * 1024)));

    report.table(ExtraTable {
        title: format!("S5: idle cost of mailbell-cli watch over a quiet {}", fmt_dur(window)),
        headers: [
            "id",
            "scenario",
            "link",
            "window",
            "CPU",
            "CPU/min",
            "wakeups",
            "/min",
            "syscalls",
            "/min",
            "RSS start",
            "RSS end",
            "RSS max",
            "conns",
            "new",
            "recv",
            "sent",
            "passes",
            "check",
        ]
        .map(String::from)
        .to_vec(),
        left: vec![
            true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true,
        ],
        rows: vec![row],
        footnotes,
    });
    Ok(())
}

/// Cumulative counters at one sample.
struct Point {
    at: Instant,
    ticks: u64,
    switches: u64,
    recv: u64,
    sent: u64,
    turns: u64,
}

/// The window's cost split into stretches between samples with no event near (quiet) and
/// the others (busy: a pass ran).
#[derive(Default)]
struct Split {
    quiet_time: Duration,
    quiet_ticks: u64,
    quiet_switches: u64,
    quiet_recv: u64,
    quiet_sent: u64,
    quiet_turns: u64,
    busy_time: Duration,
    busy_ticks: u64,
    busy_switches: u64,
    busy_recv: u64,
    busy_sent: u64,
    busy_turns: u64,
}

fn split_window(points: &[Point], events: &[Instant]) -> Split {
    let mut s = Split::default();
    for (i, pair) in points.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        // Busy: an event between the sample before `a` and the sample after `b`.
        let from = if i > 0 { points[i - 1].at } else { a.at };
        let to = points.get(i + 2).map_or(b.at, |p| p.at);
        let busy = events.iter().any(|t| *t >= from && *t <= to);
        let dturns = b.turns.saturating_sub(a.turns);
        let (dt, dticks, dsw, drecv, dsent) = (
            b.at.duration_since(a.at),
            b.ticks.saturating_sub(a.ticks),
            b.switches.saturating_sub(a.switches),
            b.recv.saturating_sub(a.recv),
            b.sent.saturating_sub(a.sent),
        );
        if busy {
            s.busy_time += dt;
            s.busy_ticks += dticks;
            s.busy_switches += dsw;
            s.busy_recv += drecv;
            s.busy_sent += dsent;
            s.busy_turns += dturns;
        } else {
            s.quiet_time += dt;
            s.quiet_ticks += dticks;
            s.quiet_switches += dsw;
            s.quiet_recv += drecv;
            s.quiet_sent += dsent;
            s.quiet_turns += dturns;
        }
    }
    s
}
