//! S4: IDLE push latency. `mailbell-cli watch --json` runs with a timer interval so long (an
//! hour) that only IDLE can deliver. Once the account reports push=true, messages are APPENDed
//! to INBOX one at a time by another IMAP client, straight to Dovecot; each one's latency runs
//! from the moment the server confirmed the APPEND to the moment the bench read the
//! new_message line from the CLI's stdout. The next APPEND waits until that pass has ended.
//!
//! A bare IDLE client on the same INBOX (also straight to Dovecot) measures when the server
//! itself reported each EXISTS: Dovecot delays IDLE notifications by design (~0.5 s), which is
//! the floor under any client's latency. Mailbell's own share is the difference.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::imap_client::{Appender, IdleProbe};
use crate::mail::{self, USER};
use crate::report::{fmt_bytes, fmt_dur, ExtraTable, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::{n, start_env};

const PASSWORD: &str = "alice-secret-pw";

/// One link's measurements.
struct Run {
    link: String,
    /// APPEND confirmed -> new_message read.
    latency: Vec<Duration>,
    /// APPEND confirmed -> the bare IDLE client read EXISTS.
    server: Vec<Duration>,
    /// Per message: Mailbell's latency minus the server's notification delay.
    overhead: Vec<Duration>,
    conns: u64,
    /// Bytes through the proxy per delivered message (IDLE wake, DONE/IDLE, the INBOX pass).
    recv: Vec<u64>,
    sent: Vec<u64>,
    turns: Vec<u64>,
    push_after: Duration,
    problems: Vec<String>,
}

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut env = start_env(report)?;
    env.count_turns()?;
    let took = mail::fill(&env.dovecot, "INBOX", sizes.s4_history, "history")?;
    report.setup(format!("S4 fill INBOX with {} msgs", n(sizes.s4_history)), took);

    let slow = sizes.rtt_label();
    let interval = sizes.s4_interval_secs.to_string();
    let mut runs = Vec::new();
    for (link, delay) in [(LOOPBACK, None), (slow.as_str(), Some(sizes.one_way_delay))] {
        env.set_delay(delay);
        env.new_account_with(&["--interval", &interval])?;
        env.wait_proxy_idle();
        let conns0 = env.proxy.connections();
        let t_setup = Instant::now();
        let mut w = env.watch()?;

        // Push up, then the INBOX pass it triggers, then quiet.
        let push =
            w.wait_for(Duration::from_secs(60), "account_status with push=true", |l| l.event() == "account_status" && l.v["push"] == true)?;
        let push_after = push.at.duration_since(w.started);
        if !w.settle(Duration::from_millis(1500), Duration::from_secs(30)) {
            bail!("watch did not go quiet after push came up; the last events: {}", w.tail(5));
        }
        report.setup(format!("S4 ({link}) watch start until push=true and quiet"), t_setup.elapsed());

        let mut run = Run {
            link: link.to_string(),
            latency: Vec::new(),
            server: Vec::new(),
            overhead: Vec::new(),
            conns: 0,
            recv: Vec::new(),
            sent: Vec::new(),
            turns: Vec::new(),
            push_after,
            problems: Vec::new(),
        };
        let addr = env.dovecot.plain_addr();
        let mut appender = Appender::connect(addr, USER, PASSWORD).context("the APPEND client")?;
        let mut probe = IdleProbe::start(addr, USER, PASSWORD, "INBOX").context("the bare IDLE client")?;
        let mut expected_exists = probe.initial_exists;
        for i in 0..sizes.s4_messages {
            let raw = mail::message(&format!("S4 {link} latency"), i);
            let (recv0, sent0, turns0) = (env.proxy.bytes_to_client(), env.proxy.bytes_to_server(), env.turns().unwrap_or(0));
            let (returned, uid) = appender.append("INBOX", &raw)?;
            expected_exists += 1;
            let ev = match w.wait_for(Duration::from_secs(20), &format!("new_message for INBOX uid {uid}"), |l| {
                l.event() == "new_message" && l.v["folder"] == "INBOX" && l.v["uid"].as_u64() == Some(u64::from(uid))
            }) {
                Ok(ev) => ev,
                Err(e) => {
                    run.problems.push(format!("message {i}: {e:#}"));
                    break;
                }
            };
            let latency = ev.at.saturating_duration_since(returned);
            run.latency.push(latency);
            if let Some(at) = probe.wait_exists(expected_exists, Duration::from_secs(10)) {
                let server = at.saturating_duration_since(returned);
                run.server.push(server);
                run.overhead.push(latency.saturating_sub(server));
            }
            // Let the pass end (its account_status) and IDLE be re-issued before the next one.
            if let Err(e) = w.wait_for(Duration::from_secs(20), "the end of the push pass", |l| {
                l.event() == "account_status" && l.v["state"] != "syncing"
            }) {
                run.problems.push(format!("message {i}: {e:#}"));
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            w.drain();
            run.recv.push(env.proxy.bytes_to_client() - recv0);
            run.sent.push(env.proxy.bytes_to_server() - sent0);
            run.turns.push(env.turns().unwrap_or(0) - turns0);
        }
        drop(probe);
        drop(appender);
        let exit = w.stop(Duration::from_secs(15))?;
        if let Some(f) = exit.failure() {
            run.problems.push(f);
        }
        env.wait_proxy_idle();
        run.conns = env.proxy.connections() - conns0;

        // Functional checks over everything the watch printed.
        let new: Vec<_> = w.log.iter().filter(|l| l.event() == "new_message").collect();
        if new.len() != run.latency.len() {
            run.problems.push(format!(
                "EVENT COUNT MISMATCH: {} messages appended and seen, but {} new_message events printed",
                run.latency.len(),
                new.len()
            ));
        }
        if run.latency.len() != sizes.s4_messages && run.problems.is_empty() {
            run.problems.push(format!("only {} of {} messages arrived", run.latency.len(), sizes.s4_messages));
        }
        for l in &w.log {
            match l.event() {
                "folder_status" if l.v["state"] == "error" => run.problems.push(format!("folder error: {}", l.v)),
                "account_status" if !matches!(l.v["state"].as_str(), Some("ok" | "syncing" | "connecting")) => {
                    run.problems.push(format!("account status: {}", l.v))
                }
                _ if !l.is_json() => run.problems.push(format!("stdout line that is not JSON: {}", l.v)),
                _ => {}
            }
        }
        let late_timer = w.log.iter().filter(|l| l.event() == "account_status" && l.v["push"] == false && l.at > push.at).count();
        if late_timer > 0 {
            run.problems.push(format!("{late_timer} account_status events with push=false after push came up"));
        }
        for p in &run.problems {
            report.fail(format!("S4 ({link}): {p}"));
        }
        eprintln!(
            "   S4   {link:<9} n {:>3}  p50 {:>9}  p99 {:>9}  max {:>9}  server p50 {:>9}  recv/msg {:>9}  CPU {:>9}",
            run.latency.len(),
            fmt_dur(pct(&run.latency, 0.50)),
            fmt_dur(pct(&run.latency, 0.99)),
            fmt_dur(pct(&run.latency, 1.0)),
            fmt_dur(pct(&run.server, 0.50)),
            fmt_bytes(median_u64(&run.recv)),
            fmt_dur(exit.cpu),
        );
        runs.push(run);
    }

    let rtt = sizes.one_way_delay * 2;
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                "S4".to_string(),
                format!("APPEND to INBOX -> new_message, 1 at a time, {} history", n(sizes.s4_history)),
                r.link.clone(),
                r.latency.len().to_string(),
                fmt_dur(pct(&r.latency, 0.50)),
                fmt_dur(pct(&r.latency, 0.99)),
                fmt_dur(pct(&r.latency, 1.0)),
                fmt_dur(pct(&r.latency, 0.0)),
                fmt_dur(pct(&r.server, 0.50)),
                fmt_dur(pct(&r.overhead, 0.50)),
                fmt_dur(pct(&r.overhead, 0.99)),
                fmt_dur(r.push_after),
                fmt_bytes(median_u64(&r.recv)),
                fmt_bytes(median_u64(&r.sent)),
                range(&r.turns),
                r.conns.to_string(),
                if r.problems.is_empty() { "ok".to_string() } else { "FAILED".to_string() },
            ]
        })
        .collect();
    let mut footnotes = vec![
        "latency: from the APPEND's tagged OK (another client, straight to Dovecot) to the bench reading the".to_string(),
        format!(
            "  new_message line from `watch --json` (account interval {} s, so only IDLE can deliver). Percentiles",
            sizes.s4_interval_secs
        ),
        format!(
            "  are nearest-rank{}.",
            if sizes.s4_messages < 100 { format!(": with {} samples, p99 is the largest one", sizes.s4_messages) } else { String::new() }
        ),
        "server p50: when a bare IDLE client (straight to Dovecot) read the EXISTS: Dovecot delays IDLE notifications".to_string(),
        "  by design (~0.5 s), a floor under any client. mailbell share: per message, latency minus that.".to_string(),
        "push after: watch start until account_status push=true (first pass, then the IDLE session up).".to_string(),
        "recv/sent per msg: bytes through the proxy from the APPEND until 300 ms after the pass ended (median): the IDLE".to_string(),
        "  wake-up, DONE and the new IDLE, and the INBOX pass on the kept session (TLS included).".to_string(),
        "turns/msg: client turns over both connections in the same span (DONE, IDLE, the pass's commands), min..max.".to_string(),
        "conns: connections watch opened through the proxy over the whole run (2 expected: kept session + IDLE).".to_string(),
    ];
    if let (Some(fast), Some(slow)) = (runs.first(), runs.get(1)) {
        let extra = pct(&slow.latency, 0.5).as_secs_f64() - pct(&fast.latency, 0.5).as_secs_f64();
        footnotes.push(format!(
            "with {} RTT the median grows by {} = ~{:.1} round trips of {} ms.",
            sizes.rtt_label(),
            fmt_dur(Duration::from_secs_f64(extra.max(0.0))),
            extra / rtt.as_secs_f64(),
            rtt.as_millis()
        ));
    }
    report.table(ExtraTable {
        title: "S4: IDLE push latency (mailbell-cli watch --json)".to_string(),
        headers: [
            "id",
            "scenario",
            "link",
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
        left: vec![true, true, true, false, false, false, false, false, false, false, false, false, false, false, false, false, true],
        rows,
        footnotes,
    });
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
