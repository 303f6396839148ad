//! S4: push latency per folder kind. `mailbell-cli watch --json` runs with a timer interval so
//! long (an hour) that only push and the sweep can deliver, against a server that offers NOTIFY
//! (Dovecot's default) and against one that hides it (IDLE within the connection budget, the
//! CLI's default of 3: the pass, INBOX and one more folder; the other watched folders swept
//! every 60 s). Each mode runs on loopback and through the latency proxy.
//!
//! The account watches INBOX and a few ordinary folders. Messages go, through another IMAP
//! client straight to Dovecot, to four kinds of folder in turn:
//! - INBOX;
//! - the first and the last other folder by name (without NOTIFY, with no mail stored yet,
//!   the IDLE slot goes to the first; the last is left to the sweep);
//! - new folders, CREATEd (and subscribed) after `watch` started, one message each.
//!
//! Each latency runs from the moment the server confirmed the APPEND to the moment the bench
//! read the new_message line from the CLI's stdout. The first message of a kind finds out what
//! covers it: delivered within 5 s is push (NOTIFY, or an IDLE companion); later, within the
//! sweep period (`sweep_secs` of account_status) plus 15 s, is the sweep; not at all within that
//! is "only a full pass" (which the hour-long interval keeps out of the run). Push-covered kinds
//! then go one message at a time (the next APPEND waits until the pass has ended and the CLI
//! went quiet); sweep-covered ones as a stream spread evenly over one sweep period, so that the
//! latencies sample the sweep's phase. Without NOTIFY, a new folder is found by the sweep where
//! the server offers LIST-STATUS (the sweep is then a full pass), else only by the next full
//! pass: the bench then reports that it did not arrive, which is not a functional failure.
//!
//! A bare IDLE client on INBOX (also straight to Dovecot) measures when the server itself
//! reported each EXISTS: Dovecot delays IDLE notifications by design (~0.5 s), which is the
//! floor under any client's latency. Mailbell's own share is the difference.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mailbell_e2e::DovecotOptions;

use crate::env::BenchEnv;
use crate::imap_client::{Appender, IdleProbe};
use crate::mail::{self, USER};
use crate::report::{fmt_bytes, fmt_dur, ExtraTable, Report, LOOPBACK};
use crate::sizes::Sizes;
use crate::watch::Watch;

use super::{n, Mode};

const PASSWORD: &str = "alice-secret-pw";
/// Delivered within this is push.
const PUSH_WITHIN: Duration = Duration::from_secs(5);
/// How long past the sweep period a swept message may take before it counts as lost.
const SWEEP_SLACK: Duration = Duration::from_secs(15);
/// Assumed sweep period when account_status names none.
const DEFAULT_SWEEP: Duration = Duration::from_secs(60);

#[derive(Clone)]
enum Kind {
    Inbox,
    Other(String),
    NewFolder,
}

impl Kind {
    fn label(&self) -> String {
        match self {
            Kind::Inbox => "INBOX".to_string(),
            Kind::Other(f) => format!("other folder {f}"),
            Kind::NewFolder => "new folder".to_string(),
        }
    }
}

/// What delivered a kind's mail.
#[derive(Clone, PartialEq, Eq)]
enum Path {
    Push,
    Sweep,
    /// Not within the sweep period plus slack: only a full pass would (the interval).
    NotWithin(Duration),
}

/// One folder kind's measurements on one link in one mode.
struct KindRun {
    mode: Mode,
    kind: Kind,
    link: String,
    /// What account_status said when the run started: push_mode, push_folders, sweep_secs.
    push: String,
    path: Option<Path>,
    /// APPEND confirmed -> new_message read.
    latency: Vec<Duration>,
    /// INBOX only: APPEND confirmed -> the bare IDLE client read EXISTS.
    server: Vec<Duration>,
    /// INBOX only, per message: Mailbell's latency minus the server's notification delay.
    overhead: Vec<Duration>,
    /// Push-covered kinds: bytes through the proxy per delivered message, and client turns.
    recv: Vec<u64>,
    sent: Vec<u64>,
    turns: Vec<u64>,
    /// Messages appended and not reported within the time given.
    undelivered: usize,
    problems: Vec<String>,
}

/// One watch run (a mode and a link): the kinds it measured and its own figures.
struct WatchRun {
    push_after: Duration,
    conns: u64,
    kinds: Vec<KindRun>,
}

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut inbox_p50: HashMap<(&'static str, String), Duration> = HashMap::new();
    let mut problems_total = 0;
    for mode in [Mode::Notify, Mode::NoNotify] {
        let opts = match mode {
            Mode::Notify => DovecotOptions::default(),
            Mode::NoNotify => DovecotOptions::default().hide_capability("NOTIFY"),
        };
        let mut env = BenchEnv::start_with(opts)?;
        if let Some(parent) = env.dovecot.dir().parent() {
            report.facts.mail_dir = parent.display().to_string();
        }
        env.count_turns()?;
        let t = Instant::now();
        mail::fill(&env.dovecot, "INBOX", sizes.s4_history, "history")?;
        let folders = mail::create_folders(&env.dovecot, sizes.s4_folders)?;
        for f in folders.iter().skip(1) {
            mail::fill(&env.dovecot, f, sizes.s4_folder_history, "history")?;
        }
        report.setup(
            format!(
                "S4 ({}) fill INBOX with {} msgs, {} folders with {} each",
                mode.label(),
                n(sizes.s4_history),
                sizes.s4_folders,
                n(sizes.s4_folder_history)
            ),
            t.elapsed(),
        );
        let first = folders.get(1).cloned().context("S4 needs at least one folder besides INBOX")?;
        let last = folders.last().cloned().unwrap_or_else(|| first.clone());
        let mut kinds = vec![Kind::Inbox, Kind::Other(first.clone())];
        if last != first {
            kinds.push(Kind::Other(last));
        }
        kinds.push(Kind::NewFolder);

        let slow = sizes.rtt_label();
        for (link, delay) in [(LOOPBACK, None), (slow.as_str(), Some(sizes.one_way_delay))] {
            let run = watch_run(&mut env, sizes, report, mode, link, delay, &kinds)?;
            for k in &run.kinds {
                problems_total += k.problems.len();
                for p in &k.problems {
                    report.fail(format!("S4 ({}, {}, {link}): {p}", mode.label(), k.kind.label()));
                }
                if matches!(k.kind, Kind::Inbox) {
                    inbox_p50.insert((mode.label(), link.to_string()), pct(&k.latency, 0.5));
                }
                rows.push(row(sizes, &run, k));
            }
        }
    }

    let rtt = sizes.one_way_delay * 2;
    let mut footnotes = vec![
        "latency: from the APPEND's tagged OK (another client, straight to Dovecot) to the bench reading the".to_string(),
        format!(
            "  new_message line from `watch --json` (account interval {} s, so only push and the sweep deliver). Percentiles",
            sizes.s4_interval_secs
        ),
        format!(
            "  are nearest-rank{}.",
            if sizes.s4_messages < 100 { format!(": with {} samples, p99 is the largest one", sizes.s4_messages) } else { String::new() }
        ),
        "mode: NOTIFY = Dovecot's default capabilities; no NOTIFY = the same Dovecot with NOTIFY hidden (imap_capability),".to_string(),
        "  so the CLI's default connection budget of 3 holds the pass, IDLE on INBOX and IDLE on one more folder.".to_string(),
        format!(
            "push: what account_status said once watch was up: push_mode, push_folders, sweep_secs. The account watches INBOX and {} folders,",
            sizes.s4_folders
        ),
        "  plus, on the second link, the new folders the first link's run made (NOTIFY covers them all).".to_string(),
        format!(
            "by: what delivered the kind's first message: push (within {} s: NOTIFY, or an IDLE companion), the sweep",
            PUSH_WITHIN.as_secs()
        ),
        format!(
            "  (within sweep_secs + {} s), or nothing within that (\"full pass only\": a new folder without NOTIFY is",
            SWEEP_SLACK.as_secs()
        ),
        "  listed by the next full pass, the account interval: an hour here, 300 s by default). Push-covered kinds go".to_string(),
        "  one message at a time; swept ones as a stream spread over one sweep period (their latency samples its phase).".to_string(),
        "new folder: a folder CREATEd and subscribed after watch started, given one message at once; one folder per sample.".to_string(),
        "server p50 (INBOX): when a bare IDLE client (straight to Dovecot) read the EXISTS: Dovecot delays IDLE".to_string(),
        "  notifications by design (~0.5 s), a floor under any client. mailbell p50/p99: per message, latency minus that.".to_string(),
        "push after: watch start until account_status push=true (first pass, then the first companion up).".to_string(),
        "recv/sent per msg (push-covered kinds): bytes through the proxy from the APPEND until the CLI was quiet for 300 ms".to_string(),
        "  after the pass (median): the push wake-up, the pass on the kept session, any companion traffic (TLS included).".to_string(),
        "turns/msg: client turns over all the watch's connections in the same span, min..max.".to_string(),
        "conns: connections watch opened through the proxy over the whole run (NOTIFY: kept session + NOTIFY = 2;".to_string(),
        "  no NOTIFY: the budget, 3).".to_string(),
    ];
    for mode in [Mode::Notify, Mode::NoNotify] {
        if let (Some(fast), Some(slow)) =
            (inbox_p50.get(&(mode.label(), LOOPBACK.to_string())), inbox_p50.get(&(mode.label(), sizes.rtt_label())))
        {
            let extra = slow.as_secs_f64() - fast.as_secs_f64();
            footnotes.push(format!(
                "{}: with {} RTT the INBOX median grows by {} = ~{:.1} round trips of {} ms.",
                mode.label(),
                sizes.rtt_label(),
                fmt_dur(Duration::from_secs_f64(extra.max(0.0))),
                extra / rtt.as_secs_f64(),
                rtt.as_millis()
            ));
        }
    }
    report.table(ExtraTable {
        title: "S4: push latency per folder kind, APPEND -> new_message of mailbell-cli watch --json".to_string(),
        headers: [
            "id",
            "mode",
            "folder kind",
            "link",
            "push",
            "by",
            "n",
            "p50",
            "p99",
            "max",
            "min",
            "server p50",
            "mailbell p50",
            "mailbell p99",
            "push after",
            "recv/msg",
            "sent/msg",
            "turns/msg",
            "conns",
            "check",
        ]
        .map(String::from)
        .to_vec(),
        left: vec![
            true, true, true, true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false,
            true,
        ],
        rows,
        footnotes,
    });
    if problems_total > 0 {
        report.note(format!("S4: {problems_total} functional problem(s), listed above"));
    }
    Ok(())
}

fn row(sizes: &Sizes, run: &WatchRun, k: &KindRun) -> Vec<String> {
    let dash = || "-".to_string();
    let has = !k.latency.is_empty();
    let d = |v: &[Duration], q: f64| if v.is_empty() { dash() } else { fmt_dur(pct(v, q)) };
    let by = match &k.path {
        None => dash(),
        Some(Path::Push) => match k.mode {
            Mode::Notify => "push (NOTIFY)".to_string(),
            Mode::NoNotify => "push (IDLE)".to_string(),
        },
        Some(Path::Sweep) => "sweep".to_string(),
        Some(Path::NotWithin(t)) => format!("full pass only: none in {} s", t.as_secs()),
    };
    let n_text =
        if k.undelivered > 0 { format!("{} of {}", k.latency.len(), k.latency.len() + k.undelivered) } else { k.latency.len().to_string() };
    vec![
        "S4".to_string(),
        k.mode.label().to_string(),
        match &k.kind {
            Kind::Inbox => format!("INBOX ({} history)", n(sizes.s4_history)),
            other => other.label(),
        },
        k.link.clone(),
        k.push.clone(),
        by,
        n_text,
        d(&k.latency, 0.5),
        d(&k.latency, 0.99),
        d(&k.latency, 1.0),
        d(&k.latency, 0.0),
        d(&k.server, 0.5),
        d(&k.overhead, 0.5),
        d(&k.overhead, 0.99),
        fmt_dur(run.push_after),
        if k.recv.is_empty() { dash() } else { fmt_bytes(median_u64(&k.recv)) },
        if k.sent.is_empty() { dash() } else { fmt_bytes(median_u64(&k.sent)) },
        if k.turns.is_empty() { dash() } else { range(&k.turns) },
        run.conns.to_string(),
        if !k.problems.is_empty() {
            "FAILED".to_string()
        } else if has {
            "ok".to_string()
        } else {
            "ok (none)".to_string()
        },
    ]
}

/// One `watch` run: a new account through the proxy (with `delay`), push up, then each kind.
fn watch_run(
    env: &mut BenchEnv,
    sizes: &Sizes,
    report: &mut Report,
    mode: Mode,
    link: &str,
    delay: Option<Duration>,
    kinds: &[Kind],
) -> anyhow::Result<WatchRun> {
    env.set_delay(delay);
    let interval = sizes.s4_interval_secs.to_string();
    env.new_account_with(&["--interval", &interval])?;
    env.wait_proxy_idle();
    let conns0 = env.proxy.connections();
    let t_setup = Instant::now();
    let mut w = env.watch()?;

    // Push up, then the passes its companions ask for, then quiet.
    let push =
        w.wait_for(Duration::from_secs(60), "account_status with push=true", |l| l.event() == "account_status" && l.v["push"] == true)?;
    let push_after = push.at.duration_since(w.started);
    if !w.settle(Duration::from_millis(1500), Duration::from_secs(60)) {
        bail!("watch did not go quiet after push came up; the last events: {}", w.tail(5));
    }
    let status = w.log.iter().rev().find(|l| l.event() == "account_status").map(|l| l.v.clone()).unwrap_or_default();
    let sweep = status["sweep_secs"].as_u64().map(Duration::from_secs);
    let push_text = format!(
        "{} {}{}",
        status["push_mode"].as_str().unwrap_or("?"),
        status["push_folders"].as_u64().map_or("?".to_string(), |v| v.to_string()),
        sweep.map_or(String::new(), |s| format!(", sweep {} s", s.as_secs()))
    );
    report.setup(format!("S4 ({}, {link}) watch start until push=true and quiet: {push_text}", mode.label()), t_setup.elapsed());
    let start_events = w.log.len();

    let addr = env.dovecot.plain_addr();
    let mut appender = Appender::connect(addr, USER, PASSWORD).context("the APPEND client")?;
    let mut appended: Vec<(String, u32)> = Vec::new();
    let mut out = Vec::new();
    for kind in kinds {
        let mut k = KindRun {
            mode,
            kind: kind.clone(),
            link: link.to_string(),
            push: push_text.clone(),
            path: None,
            latency: Vec::new(),
            server: Vec::new(),
            overhead: Vec::new(),
            recv: Vec::new(),
            sent: Vec::new(),
            turns: Vec::new(),
            undelivered: 0,
            problems: Vec::new(),
        };
        if let Err(e) = measure_kind(env, sizes, &mut w, &mut appender, &mut k, sweep, &mut appended) {
            k.problems.push(format!("{e:#}"));
        }
        eprintln!(
            "   S4   {:<9} {:<22} {link:<9} by {:<10} n {:>3}{}  p50 {:>9}  p99 {:>9}  max {:>9}{}",
            mode.label(),
            kind.label(),
            match &k.path {
                Some(Path::Push) => "push",
                Some(Path::Sweep) => "sweep",
                Some(Path::NotWithin(_)) => "full pass",
                None => "-",
            },
            k.latency.len(),
            if k.undelivered > 0 { format!(" (+{} not delivered)", k.undelivered) } else { String::new() },
            fmt_dur(pct(&k.latency, 0.50)),
            fmt_dur(pct(&k.latency, 0.99)),
            fmt_dur(pct(&k.latency, 1.0)),
            if k.server.is_empty() { String::new() } else { format!("  server p50 {}", fmt_dur(pct(&k.server, 0.5))) },
        );
        out.push(k);
    }
    drop(appender);
    let exit = w.stop(Duration::from_secs(15))?;
    env.wait_proxy_idle();
    let conns = env.proxy.connections() - conns0;

    // Functional checks over everything the watch printed after start-up.
    let mut problems = Vec::new();
    if let Some(f) = exit.failure() {
        problems.push(f);
    }
    let mut seen: HashMap<(String, u32), usize> = HashMap::new();
    for l in &w.log[start_events..] {
        match l.event() {
            "new_message" => {
                let key = (l.v["folder"].as_str().unwrap_or("").to_string(), l.v["uid"].as_u64().unwrap_or(0) as u32);
                if !appended.contains(&key) {
                    problems.push(format!("a new_message for a message the bench did not append: {}", l.v));
                }
                *seen.entry(key).or_default() += 1;
            }
            "folder_status" if l.v["state"] == "error" => problems.push(format!("folder error: {}", l.v)),
            "account_status" if !matches!(l.v["state"].as_str(), Some("ok" | "syncing" | "connecting")) => {
                problems.push(format!("account status: {}", l.v))
            }
            "account_status" if l.v["push"] == false => problems.push(format!("push went down: {}", l.v)),
            _ if !l.is_json() => problems.push(format!("stdout line that is not JSON: {}", l.v)),
            _ => {}
        }
    }
    let dups: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).map(|(k, c)| format!("{}/{} x{c}", k.0, k.1)).collect();
    if !dups.is_empty() {
        problems.push(format!("new_message printed more than once for {}", dups.join(", ")));
    }
    let expected_conns = if mode == Mode::Notify { 2 } else { 3 };
    if conns != expected_conns {
        problems.push(format!("watch opened {conns} connections through the proxy, expected {expected_conns} (no reconnects)"));
    }
    // Run-wide problems go with the first kind's row (INBOX).
    if let Some(first) = out.first_mut() {
        first.problems.extend(problems);
    }
    Ok(WatchRun { push_after, conns, kinds: out })
}

/// Appends `raw` to `folder` and remembers it.
fn append(appender: &mut Appender, appended: &mut Vec<(String, u32)>, folder: &str, raw: &[u8]) -> anyhow::Result<(Instant, u32)> {
    let (at, uid) = appender.append(folder, raw)?;
    appended.push((folder.to_string(), uid));
    Ok((at, uid))
}

fn is_new(l: &crate::watch::Line, folder: &str, uid: u32) -> bool {
    l.event() == "new_message" && l.v["folder"] == folder && l.v["uid"].as_u64() == Some(u64::from(uid))
}

/// When the new_message for (folder, uid) was read, from what was read so far.
fn found(w: &Watch, folder: &str, uid: u32) -> Option<Instant> {
    w.log.iter().find(|l| is_new(l, folder, uid)).map(|l| l.at)
}

fn measure_kind(
    env: &BenchEnv,
    sizes: &Sizes,
    w: &mut Watch,
    appender: &mut Appender,
    k: &mut KindRun,
    sweep: Option<Duration>,
    appended: &mut Vec<(String, u32)>,
) -> anyhow::Result<()> {
    let link_tag = if k.link == LOOPBACK { "L" } else { "S" };
    let kind = k.kind.clone();
    // The folder of message `i` (a new folder is made for each).
    let mut folder_for = move |appender: &mut Appender, i: usize| -> anyhow::Result<String> {
        match &kind {
            Kind::Inbox => Ok("INBOX".to_string()),
            Kind::Other(f) => Ok(f.clone()),
            Kind::NewFolder => {
                let name = format!("New{link_tag}{i:03}");
                appender.create(&name)?;
                Ok(name)
            }
        }
    };
    let addr = env.dovecot.plain_addr();
    let mut probe = match k.kind {
        Kind::Inbox => Some(IdleProbe::start(addr, USER, PASSWORD, "INBOX").context("the bare IDLE client")?),
        _ => None,
    };
    let mut expected_exists = probe.as_ref().map_or(0, |p| p.initial_exists);
    let sweep_wait = sweep.unwrap_or(DEFAULT_SWEEP) + SWEEP_SLACK;
    // Must this kind be pushed? With NOTIFY every kind; without, INBOX (first IDLE slot).
    let must_push = k.mode == Mode::Notify || matches!(k.kind, Kind::Inbox);

    let mut i = 0;
    while i < sizes.s4_messages {
        let folder = folder_for(appender, i)?;
        let raw = mail::message(&format!("S4 {} {} {}", k.mode.label(), k.link, k.kind.label()), i);
        let (recv0, sent0, turns0) = (env.proxy.bytes_to_client(), env.proxy.bytes_to_server(), env.turns().unwrap_or(0));
        let (returned, uid) = append(appender, appended, &folder, &raw)?;
        expected_exists += 1;
        let first_wait = if i == 0 && !must_push { PUSH_WITHIN } else { Duration::from_secs(20) };
        let what = format!("new_message for {folder} uid {uid}");
        let ev = match w.wait_for(first_wait, &what, |l| is_new(l, &folder, uid)) {
            Ok(ev) => ev,
            Err(e) if must_push || i > 0 => {
                k.problems.push(format!("message {i}: {e:#}"));
                k.undelivered += 1;
                break;
            }
            Err(_) => {
                // Not push: the sweep, or nothing until a full pass.
                match w.wait_for(sweep_wait.saturating_sub(PUSH_WITHIN), &what, |l| is_new(l, &folder, uid)) {
                    Ok(ev) => {
                        k.path = Some(Path::Sweep);
                        k.latency.push(ev.at.saturating_duration_since(returned));
                        settle(w)?;
                        stream(sizes, w, appender, k, appended, sweep.unwrap_or(DEFAULT_SWEEP), &mut folder_for)?;
                    }
                    Err(_) => {
                        k.path = Some(Path::NotWithin(sweep_wait));
                        k.undelivered += 1;
                        if matches!(k.kind, Kind::Other(_)) && sweep.is_some() {
                            k.problems.push(format!(
                                "{folder} is swept every {} s, yet its message was not reported within {} s",
                                sweep.unwrap_or_default().as_secs(),
                                sweep_wait.as_secs()
                            ));
                        }
                    }
                }
                break;
            }
        };
        k.path = Some(Path::Push);
        let latency = ev.at.saturating_duration_since(returned);
        k.latency.push(latency);
        if let Some(p) = probe.as_mut() {
            if let Some(at) = p.wait_exists(expected_exists, Duration::from_secs(10)) {
                let server = at.saturating_duration_since(returned);
                k.server.push(server);
                k.overhead.push(latency.saturating_sub(server));
            }
        }
        if let Err(e) = settle(w) {
            k.problems.push(format!("message {i}: {e:#}"));
            break;
        }
        k.recv.push(env.proxy.bytes_to_client() - recv0);
        k.sent.push(env.proxy.bytes_to_server() - sent0);
        k.turns.push(env.turns().unwrap_or(0) - turns0);
        i += 1;
    }
    drop(probe);
    Ok(())
}

/// Lets the pass end (its account_status) and the CLI go quiet for 300 ms.
fn settle(w: &mut Watch) -> anyhow::Result<()> {
    let last_is_end =
        w.log.last().is_some_and(|l| l.event() == "account_status" && !matches!(l.v["state"].as_str(), Some("syncing" | "connecting")));
    if !last_is_end {
        w.wait_for(Duration::from_secs(20), "the end of the pass", |l| {
            l.event() == "account_status" && !matches!(l.v["state"].as_str(), Some("syncing" | "connecting"))
        })?;
    }
    if !w.settle(Duration::from_millis(300), Duration::from_secs(20)) {
        bail!("watch did not go quiet after a pass; the last events: {}", w.tail(5));
    }
    Ok(())
}

/// The rest of a swept kind's messages, spread evenly over one sweep period; then waits for
/// all of them (the period plus slack after the last APPEND).
#[allow(clippy::too_many_arguments)]
fn stream(
    sizes: &Sizes,
    w: &mut Watch,
    appender: &mut Appender,
    k: &mut KindRun,
    appended: &mut Vec<(String, u32)>,
    sweep: Duration,
    folder_for: &mut dyn FnMut(&mut Appender, usize) -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    let rest = sizes.s4_messages.saturating_sub(1);
    if rest == 0 {
        return Ok(());
    }
    let gap = sweep / u32::try_from(rest).unwrap_or(u32::MAX);
    let t0 = Instant::now();
    let mut sent: Vec<(String, u32, Instant)> = Vec::new();
    for j in 0..rest {
        let due = t0 + gap * u32::try_from(j).unwrap_or(0);
        // Read events while waiting for the next APPEND's turn.
        while Instant::now() < due {
            w.next(due.saturating_duration_since(Instant::now()));
        }
        let folder = folder_for(appender, j + 1)?;
        let raw = mail::message(&format!("S4 {} {} {} stream", k.mode.label(), k.link, k.kind.label()), j + 1);
        let (at, uid) = append(appender, appended, &folder, &raw)?;
        sent.push((folder, uid, at));
    }
    let deadline = Instant::now() + sweep + SWEEP_SLACK;
    loop {
        let missing = sent.iter().filter(|(f, u, _)| found(w, f, *u).is_none()).count();
        if missing == 0 || Instant::now() >= deadline {
            break;
        }
        w.next(deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(500)));
    }
    for (f, u, at) in &sent {
        match found(w, f, *u) {
            Some(t) => k.latency.push(t.saturating_duration_since(*at)),
            None => k.undelivered += 1,
        }
    }
    if k.undelivered > 0 {
        k.problems.push(format!(
            "{} of {} swept messages were not reported within {} s of the last APPEND",
            k.undelivered,
            rest,
            (sweep + SWEEP_SLACK).as_secs()
        ));
    }
    w.settle(Duration::from_millis(300), Duration::from_secs(20));
    Ok(())
}

fn range(v: &[u64]) -> String {
    let (lo, hi) = (v.iter().min().copied().unwrap_or(0), v.iter().max().copied().unwrap_or(0));
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}..{hi}")
    }
}

fn median_u64(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// Nearest-rank percentile (q in 0..=1; 0 is the minimum, 1 the maximum).
pub fn pct(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut v = values.to_vec();
    v.sort();
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}
