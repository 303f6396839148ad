//! S5: what `mailbell-cli watch` costs while nothing happens, reported per hour. Several
//! accounts (one Dovecot user each, on one server, all through the counting proxy), each
//! watching 50 folders (INBOX plus ordinary ones); the default timer interval (300 s). Twice:
//! against Dovecot as it is (NOTIFY: one more connection per account hears every folder) and
//! with NOTIFY hidden (IDLE within the CLI's default budget of 3 connections: INBOX and one
//! more folder, the other 48 swept every 60 s). Once every account has pushed up and the
//! start-up passes are over, a quiet window is measured: CPU time, context switches (wakeups),
//! syscalls, memory, connections and the bytes exchanged.
//!
//! What runs in a quiet window, by design: a timed pass per account every interval (±10 %
//! jitter); with NOTIFY, a NOOP after 5 min of silence on the NOTIFY connection; without it,
//! the sweep (one pipelined STATUS round trip over the unpushed folders per account every
//! 60 s) and IDLE re-issued (DONE + IDLE) every 5 minutes per IDLE connection, with Dovecot's
//! own "* OK Still here" every 2 minutes on each; in both, the sleep-detection clock check
//! every 30 s per account.
//!
//! The table also shows the figures measured before push covered every folder (main with IDLE
//! on INBOX only), as a constant: they come from the project's notes, see [`EARLIER`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::bail;
use mailbell_e2e::DovecotOptions;

use crate::env::BenchEnv;
use crate::mail;
use crate::procfs::{self, Perf, SwitchTracker};
use crate::report::{fmt_bytes, fmt_count, fmt_dur, ExtraTable, Report};
use crate::sizes::Sizes;

use super::{n, Mode};

/// The S5 figures of main before push covered every folder (IDLE on INBOX only, the other
/// folders left to the 300 s timer): the closing note of stop 10 (`issues stops`, the session
/// that added S4-S6 in commit 0149c59). 10 quiet minutes, 3 accounts x 50 folders: 40 ms CPU
/// in all, 168 wakeups/min, 6 connections, RSS 23.7 -> 23.8 MiB, ~170 B/min between passes.
/// Per hour: x6 and x60. Not re-run here.
const EARLIER: [&str; 18] = [
    "S5",
    "earlier (main before push)",
    "IDLE on INBOX only",
    "10 min",
    "240 ms",
    "10,080",
    "-",
    "-",
    "-",
    "-",
    "-",
    "23.7 MiB",
    "23.8 MiB",
    "-",
    "6 / 6",
    "-",
    "-",
    "(notes)",
];

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut rows = vec![EARLIER.map(String::from).to_vec()];
    let mut footnotes = Vec::new();
    let mut failed = None;
    for mode in [Mode::Notify, Mode::NoNotify] {
        match run_mode(sizes, report, mode) {
            Ok((row, notes)) => {
                rows.push(row);
                footnotes.push(format!("{}:", mode.label()));
                footnotes.extend(notes.into_iter().map(|n| format!("  {n}")));
            }
            Err(e) => {
                report.fail(format!("S5 ({}): {e:#}", mode.label()));
                failed = Some(mode);
            }
        }
    }
    let mut head = vec![
        format!(
            "{} accounts x {} watched folders x {} msgs each, interval 300 s; per hour = the window's figures scaled to 60 min.",
            sizes.s5_accounts,
            sizes.s5_folders,
            n(sizes.s5_history_per_folder)
        ),
        "push: push_mode and push_folders of each account (all alike) and sweep_secs, from account_status at the window start.".to_string(),
        "CPU: utime+stime of the process (all threads, /proc/<pid>/stat) end minus start; 10 ms ticks.".to_string(),
        "wakeups: voluntary + involuntary context switches, summed over the threads (/proc/<pid>/task/*/status),".to_string(),
        "  each thread followed from the window start (or its birth) to the last sample that saw it.".to_string(),
        "syscalls: perf stat -e raw_syscalls:sys_enter on the process (in-kernel counting, threads born later included).".to_string(),
        "recv/sent: bytes the client received from / sent to the server (TLS included). turns: round trips the client waited for."
            .to_string(),
        "passes: account_status state=syncing events (timed passes, jittered ±10 %, and sweeps).".to_string(),
        "RSS: VmRSS at the start and end of the window, and the highest sample in it.".to_string(),
        "conns: connections open through the proxy at start / end (NOTIFY: 2 per account; IDLE: 1 + the IDLE ones);".to_string(),
        "  new: connections opened in the window.".to_string(),
        "earlier (main before push): not re-run; from the closing note of the session that added S4-S6 (`issues stops`,".to_string(),
        "  stop 10; commit 0149c59): 10 quiet minutes, 3 accounts x 50 folders, IDLE on INBOX only (the other folders waited".to_string(),
        "  for the 300 s timer): 40 ms CPU in all, 168 wakeups/min, 6 connections, RSS 23.7 -> 23.8 MiB, ~170 B/min between".to_string(),
        "  passes (x6 / x60 per hour). It counted no syscalls, bytes or passes in all.".to_string(),
    ];
    head.extend(footnotes);
    report.table(ExtraTable {
        title: format!("S5: idle cost of mailbell-cli watch per hour, quiet window of {} per mode", fmt_dur(sizes.s5_window)),
        headers: [
            "id",
            "mode",
            "push",
            "window",
            "CPU/h",
            "wakeups/h",
            "syscalls/h",
            "recv/h",
            "sent/h",
            "turns/h",
            "passes/h",
            "RSS start",
            "RSS end",
            "RSS max",
            "conns",
            "new",
            "CPU (window)",
            "check",
        ]
        .map(String::from)
        .to_vec(),
        left: vec![
            true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true,
        ],
        rows,
        footnotes: head,
    });
    if let Some(mode) = failed {
        bail!("the {} run could not be measured", mode.label());
    }
    Ok(())
}

/// One quiet window in one mode: the table row and its footnotes.
fn run_mode(sizes: &Sizes, report: &mut Report, mode: Mode) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    // alice is the default user; the others are added.
    let mut users = vec![("alice".to_string(), "alice-secret-pw".to_string())];
    for i in 1..sizes.s5_accounts {
        users.push((format!("user{i}"), format!("user{i}-secret-pw")));
    }
    let mut opts = DovecotOptions::default();
    if mode == Mode::NoNotify {
        opts = opts.hide_capability("NOTIFY");
    }
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
    // What push runs, per account: the connections it should hold all along.
    let mut expected_conns = 0u64;
    let mut push_texts = BTreeSet::new();
    for a in &accounts {
        let st = w.log.iter().rev().find(|l| l.event() == "account_status" && l.v["account"] == a.as_str()).map(|l| l.v.clone());
        let st = st.unwrap_or_default();
        let folders = st["push_folders"].as_u64().unwrap_or(0);
        expected_conns += match st["push_mode"].as_str() {
            Some("notify") => 2,
            Some("idle") => 1 + folders,
            _ => 1,
        };
        push_texts.insert(format!(
            "{} {}{}",
            st["push_mode"].as_str().unwrap_or("?"),
            folders,
            st["sweep_secs"].as_u64().map_or(String::new(), |s| format!(", sweep {s} s"))
        ));
    }
    let push_text = push_texts.into_iter().collect::<Vec<_>>().join(" / ");
    let wanted_mode = mode.push_mode();
    if !push_text.starts_with(wanted_mode) || push_text.contains(" / ") {
        bail!("expected push_mode {wanted_mode} on every account, account_status says {push_text}");
    }
    report.setup(
        format!("S5 ({}) watch start-up ({} accounts: first passes, push up, quiet 3 s): {push_text}", mode.label(), accounts.len()),
        t.elapsed(),
    );

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
    eprintln!(
        "   S5   {}: quiet window of {} starts (sampling /proc every {})",
        mode.label(),
        fmt_dur(sizes.s5_window),
        fmt_dur(sizes.s5_sample_every)
    );
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
    if active0 != expected_conns || active1 != expected_conns || active_min != expected_conns || active_max != expected_conns {
        problems.push(format!(
            "expected {expected_conns} open connections (a kept session and the push ones per account) all along; \
             saw {active0} at the start, {active1} at the end, {active_min}..{active_max} in between"
        ));
    }
    if let Some(f) = exit.failure() {
        problems.push(f);
    }
    for p in &problems {
        report.fail(format!("S5 ({}): {p}", mode.label()));
    }

    let cpu = procfs::ticks_to_dur(s1.cpu_ticks.saturating_sub(s0.cpu_ticks));
    let (vol, invol, threads_seen) = tracker.totals();
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
    let per_hour = |x: f64| x * 3600.0 / window.as_secs_f64();
    let row = vec![
        "S5".to_string(),
        mode.label().to_string(),
        push_text.clone(),
        fmt_dur(window),
        fmt_dur(Duration::from_secs_f64(per_hour(cpu.as_secs_f64()))),
        fmt_count(per_hour((vol + invol) as f64).round() as u64),
        syscalls.map(|s| fmt_count(per_hour(s as f64).round() as u64)).unwrap_or_else(|| "-".into()),
        fmt_bytes(per_hour((recv1 - recv0) as f64) as u64),
        fmt_bytes(per_hour((sent1 - sent0) as f64) as u64),
        fmt_count(per_hour((turns1 - turns0) as f64).round() as u64),
        format!("{:.0}", per_hour(total_passes as f64)),
        fmt_bytes(s0.rss_kib * 1024),
        fmt_bytes(s1.rss_kib * 1024),
        fmt_bytes(rss_max * 1024),
        format!("{active0} / {active1}"),
        (conns1 - conns0).to_string(),
        fmt_dur(cpu),
        if problems.is_empty() { "ok".to_string() } else { "FAILED".to_string() },
    ];
    eprintln!(
        "   S5   {:<9} {}  per hour: CPU {}  wakeups {}  syscalls {}  recv {}  sent {}  passes {}  RSS {} -> {} (max {})",
        mode.label(),
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[10],
        row[11],
        row[12],
        row[13]
    );

    let mut footnotes = vec![
        format!(
            "window: after every account reported push=true and {} events went quiet for 3 s; /proc sampled every {}.",
            n(startup_events),
            fmt_dur(sizes.s5_sample_every)
        ),
        format!(
            "in the window ({}): CPU {}, {} wakeups, {} syscalls, recv {}, sent {}, {} client turns, {} passes.",
            fmt_dur(window),
            fmt_dur(cpu),
            fmt_count(vol + invol),
            syscalls.map(fmt_count).unwrap_or_else(|| "-".into()),
            fmt_bytes(recv1 - recv0),
            fmt_bytes(sent1 - sent0),
            fmt_count(turns1 - turns0),
            total_passes
        ),
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
            "between passes ({} of the window with no event near): {:.1} wakeups/min, {:.2} ms CPU/min, {}/min recv, {}/min sent, {} client turns in all.",
            fmt_dur(split.quiet_time),
            split.quiet_switches as f64 / q_min,
            procfs::ticks_to_dur(split.quiet_ticks).as_secs_f64() * 1000.0 / q_min,
            fmt_bytes((split.quiet_recv as f64 / q_min) as u64),
            fmt_bytes((split.quiet_sent as f64 / q_min) as u64),
            split.quiet_turns,
        ));
        footnotes.push(
            "  (keepalives, IDLE re-issued, NOOP, the 30 s clock check; a stretch counts as busy from one sample before an event to one after)."
                .to_string(),
        );
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

    Ok((row, footnotes))
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
