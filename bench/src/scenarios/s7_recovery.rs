//! S7: recovery. How long after a network change `mailbell-cli watch --json` reports the mail
//! that arrived meanwhile, with NOTIFY (Dovecot's default) and without (IDLE).
//!
//! Built on the liveness tests' harness (`mailbell_e2e::netns`, tests/tests/liveness.rs): two
//! network namespaces of the bench's own joined by a veth pair, the CLI in the client one, a
//! relay in the server one bridging to Dovecot on the host's loopback. The account speaks
//! plain IMAP to the relay (the test certificate names 127.0.0.1 only; what is measured is the
//! connection's life, not TLS), with an hour's timer so that neither the timer nor (after a
//! few failures) the backoff can bring the mail. Two paths, `s7_reps` times each per mode:
//! - **netlink**: the client's address is removed (its connections die without a word; the
//!   account reads "offline, waiting for the network"), mail is appended, 6 s later a new
//!   address is added. Measured: new address -> the new_message line (the engine hears
//!   rtnetlink and passes at once, after its 1 s debounce).
//! - **watchdog**: the relay turns every open connection into a black hole (a NAT box that
//!   forgot them: no TCP error, no network event) and mail is appended at that moment.
//!   Measured: black hole -> the new_message line (the push companion's watchdog: 60 s of
//!   silence, then a probe unanswered within 10 s, then fresh connections).
//!
//! The namespaces are the bench's own (named mbl-s*/mbl-c*) and are deleted when the run
//! ends, also on failure (the harness's Drop); traffic stays inside them and on loopback.
//! Needs root (scripts/bench.sh runs the bench as root here).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mailbell_e2e::netns::{NetPair, Relay};
use mailbell_e2e::{Dovecot, DovecotOptions};

use crate::imap_client::Appender;
use crate::mail::{self, USER};
use crate::report::{fmt_dur, ExtraTable, Report};
use crate::sizes::Sizes;
use crate::watch::{Line, Watch};

use super::s4_idle_latency::pct;
use super::Mode;

const PASSWORD: &str = "alice-secret-pw";
const INTERVAL: &str = "3600";
/// How long the address stays away after the mail was appended: past the first backoff
/// steps, so that only the network event can bring the mail within seconds.
const AWAY: Duration = Duration::from_secs(6);

/// One path's samples in one mode.
#[derive(Default)]
struct Samples {
    /// Change -> new_message.
    latency: Vec<Duration>,
    /// netlink: address removed -> account_status offline.
    offline_after: Vec<Duration>,
    /// Connections the relay accepted during each recovery.
    new_conns: Vec<u64>,
    problems: Vec<String>,
}

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for mode in [Mode::Notify, Mode::NoNotify] {
        match run_mode(sizes, report, mode) {
            Ok((netlink, watchdog, log)) => {
                for (path, s, about) in [
                    ("netlink", &netlink, "address removed, mail, new address -> new_message"),
                    ("watchdog", &watchdog, "relay black hole + mail -> new_message"),
                ] {
                    for p in &s.problems {
                        report.fail(format!("S7 ({}, {path}): {p}", mode.label()));
                    }
                    let path_seen = match path {
                        "netlink" => log.network_changed,
                        _ => log.watchdog,
                    };
                    rows.push(vec![
                        "S7".to_string(),
                        mode.label().to_string(),
                        path.to_string(),
                        about.to_string(),
                        s.latency.len().to_string(),
                        fmt_opt(&s.latency, 0.5),
                        fmt_opt(&s.latency, 1.0),
                        fmt_opt(&s.latency, 0.0),
                        if s.offline_after.is_empty() { "-".to_string() } else { fmt_dur(pct(&s.offline_after, 0.5)) },
                        if s.new_conns.is_empty() {
                            "-".to_string()
                        } else {
                            let (lo, hi) = (s.new_conns.iter().min().copied().unwrap_or(0), s.new_conns.iter().max().copied().unwrap_or(0));
                            if lo == hi {
                                lo.to_string()
                            } else {
                                format!("{lo}..{hi}")
                            }
                        },
                        if path_seen { "yes".to_string() } else { "not logged".to_string() },
                        if s.problems.is_empty() { "ok".to_string() } else { "FAILED".to_string() },
                    ]);
                }
            }
            Err(e) => {
                report.fail(format!("S7 ({}): {e:#}", mode.label()));
                failed.push(mode.label());
            }
        }
    }
    report.table(ExtraTable {
        title: "S7: recovery, network change -> the first message reported (mailbell-cli watch --json in a network namespace)".to_string(),
        headers: ["id", "mode", "path", "what", "n", "median", "max", "min", "offline after", "new conns", "path logged", "check"]
            .map(String::from)
            .to_vec(),
        left: vec![true, true, true, true, false, false, false, false, false, false, true, true],
        rows,
        footnotes: vec![
            "the CLI runs in a client network namespace of the bench's own, behind a relay in a server namespace that".to_string(),
            format!("  bridges to Dovecot on the host's loopback (plain IMAP; account interval {INTERVAL} s, so no timer helps)."),
            format!(
                "netlink: the client's address is removed, mail is appended once the account reads offline, {} s later a new",
                AWAY.as_secs()
            ),
            "  address comes: from the new address to the new_message line. offline after: address removed -> offline status.".to_string(),
            "watchdog: the relay silently stops forwarding every open connection (no TCP error, no network event) and mail".to_string(),
            "  is appended: from then to the new_message line (by design: 60 s of silence, a probe unanswered within 10 s).".to_string(),
            "new conns: connections the relay accepted during the recovery. path logged: the engine's log (RUST_LOG=info)".to_string(),
            "  named the wake-up: NetworkChanged (netlink), \"silent and unanswering\" (watchdog).".to_string(),
            format!("{} sample(s) per path and mode; min/median/max over them.", sizes.s7_reps),
        ],
    });
    if !failed.is_empty() {
        bail!("S7 could not run for {}", failed.join(", "));
    }
    Ok(())
}

fn fmt_opt(v: &[Duration], q: f64) -> String {
    if v.is_empty() {
        "-".to_string()
    } else {
        fmt_dur(pct(v, q))
    }
}

/// What the engine's log said, at the end.
struct LogSeen {
    network_changed: bool,
    watchdog: bool,
}

fn status(l: &Line) -> bool {
    l.event() == "account_status"
}

fn is_new(l: &Line, uid: u32) -> bool {
    l.event() == "new_message" && l.v["folder"] == "INBOX" && l.v["uid"].as_u64() == Some(u64::from(uid))
}

/// Waits for push (of this mode) up and the passes it asks for to end, then quiet.
fn push_up(w: &mut Watch, mode: Mode, within: Duration) -> anyhow::Result<()> {
    w.wait_for(within, &format!("push=true with push_mode {}", mode.push_mode()), |l| {
        status(l) && l.v["push"] == true && l.v["push_mode"] == mode.push_mode()
    })?;
    if !w.settle(Duration::from_millis(1500), Duration::from_secs(60)) {
        bail!("watch did not go quiet after push came up; the last events: {}", w.tail(5));
    }
    Ok(())
}

fn run_mode(sizes: &Sizes, report: &mut Report, mode: Mode) -> anyhow::Result<(Samples, Samples, LogSeen)> {
    let cli = mailbell_e2e::cli_bin()?;
    let opts = match mode {
        Mode::Notify => DovecotOptions::default(),
        Mode::NoNotify => DovecotOptions::default().hide_capability("NOTIFY"),
    };
    let t = Instant::now();
    let dovecot = Dovecot::start(opts).context("starting Dovecot")?;
    mail::fill(&dovecot, "INBOX", 100, "history")?;
    let data = tempfile::Builder::new().prefix("mailbell-bench-data-").tempdir().context("data tempdir")?;
    // Declared before the watch: dropped after it (the namespaces go last, also on an error).
    let mut pair = NetPair::create().context("network namespaces (root, iproute2)")?;
    let relay = Relay::start(&pair, dovecot.plain_addr()).context("the relay in the server namespace")?;

    // The account, added from inside the client namespace (its connection test runs there).
    let mut cmd = Command::new(&cli);
    cmd.arg("--data-dir").arg(data.path()).env_remove("MAILBELL_DATA_DIR").env_remove("RUST_LOG");
    let (host, port) = (relay.addr().ip().to_string(), relay.addr().port().to_string());
    cmd.args(["account", "add", "--email", "alice@localhost", "--host", &host, "--port", &port]);
    cmd.args(["--security", "plain", "--username", USER, "--password-stdin", "--interval", INTERVAL]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    pair.enter_client(&mut cmd)?;
    let mut child = cmd.spawn().context("spawning mailbell-cli account add")?;
    child.stdin.take().context("stdin")?.write_all(PASSWORD.as_bytes()).context("password to stdin")?;
    let out = child.wait_with_output().context("account add")?;
    if !out.status.success() {
        bail!("account add in the client namespace failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }

    let mut w = Watch::spawn_with(&cli, data.path(), |cmd| {
        cmd.env("RUST_LOG", "mailbell_sync=info");
        pair.enter_client(cmd)
    })?;
    push_up(&mut w, mode, Duration::from_secs(60))?;
    report.setup(format!("S7 ({}) Dovecot, namespaces, relay, account, watch until push up", mode.label()), t.elapsed());

    let mut appender = Appender::connect(dovecot.plain_addr(), USER, PASSWORD).context("the APPEND client")?;
    let (mut netlink, mut watchdog) = (Samples::default(), Samples::default());
    for rep in 0..sizes.s7_reps {
        // netlink: the address goes, mail comes, a new address.
        let accepted0 = relay.accepted();
        pair.drop_client_address()?;
        let t_down = Instant::now();
        match w.wait_for(Duration::from_secs(30), "offline after the address went", |l| status(l) && l.v["state"] == "offline") {
            Ok(l) => netlink.offline_after.push(l.at.saturating_duration_since(t_down)),
            Err(e) => netlink.problems.push(format!("rep {rep}: {e:#}")),
        }
        let (_, uid) = appender.append("INBOX", &mail::message("S7 netlink", rep))?;
        let until = Instant::now() + AWAY;
        while Instant::now() < until {
            w.next(until.saturating_duration_since(Instant::now()));
        }
        if w.log.iter().any(|l| is_new(l, uid)) {
            netlink.problems.push(format!("rep {rep}: the mail was reported while the client had no address"));
        }
        pair.new_client_address()?;
        let t_up = Instant::now();
        match w.wait_for(Duration::from_secs(60), "the mail after the new address", |l| is_new(l, uid)) {
            Ok(l) => {
                let took = l.at.saturating_duration_since(t_up);
                eprintln!("   S7   {:<9} netlink  rep {rep}: new address -> new_message {}", mode.label(), fmt_dur(took));
                netlink.latency.push(took);
            }
            Err(e) => {
                netlink.problems.push(format!("rep {rep}: {e:#}"));
                break;
            }
        }
        if let Err(e) = push_up(&mut w, mode, Duration::from_secs(60)) {
            netlink.problems.push(format!("rep {rep}: after the new address: {e:#}"));
            break;
        }
        netlink.new_conns.push(relay.accepted() - accepted0);

        // watchdog: every open connection becomes a black hole, mail comes at that moment.
        let accepted0 = relay.accepted();
        relay.black_hole();
        let t_hole = Instant::now();
        let (_, uid) = appender.append("INBOX", &mail::message("S7 black hole", rep))?;
        match w.wait_for(Duration::from_secs(180), "the mail after the black hole", |l| is_new(l, uid)) {
            Ok(l) => {
                let took = l.at.saturating_duration_since(t_hole);
                eprintln!("   S7   {:<9} watchdog rep {rep}: black hole -> new_message {}", mode.label(), fmt_dur(took));
                watchdog.latency.push(took);
            }
            Err(e) => {
                watchdog.problems.push(format!("rep {rep}: {e:#}"));
                break;
            }
        }
        if let Err(e) = push_up(&mut w, mode, Duration::from_secs(60)) {
            watchdog.problems.push(format!("rep {rep}: after the black hole: {e:#}"));
            break;
        }
        watchdog.new_conns.push(relay.accepted() - accepted0);
    }
    drop(appender);
    let exit = w.stop(Duration::from_secs(20))?;
    if let Some(f) = exit.failure() {
        netlink.problems.push(f);
    }
    // Every reported message is one the bench appended, once.
    let news: Vec<_> = w.log.iter().filter(|l| l.event() == "new_message").collect();
    let expected = netlink.latency.len() + watchdog.latency.len();
    if news.len() != expected {
        netlink.problems.push(format!("{} new_message events printed, {expected} messages measured", news.len()));
    }
    // Folders fail while the network is away (that is the point): each must end well.
    let mut last_state: std::collections::BTreeMap<String, Line> = std::collections::BTreeMap::new();
    for l in &w.log {
        match l.event() {
            "folder_status" => {
                last_state.insert(l.v["folder"].as_str().unwrap_or("?").to_string(), l.clone());
            }
            _ if !l.is_json() => netlink.problems.push(format!("stdout line that is not JSON: {}", l.v)),
            _ => {}
        }
    }
    for (folder, l) in &last_state {
        if l.v["state"] == "error" {
            netlink.problems.push(format!("folder {folder} ended in error: {}", l.v));
        }
    }
    let seen =
        LogSeen { network_changed: exit.stderr.contains("NetworkChanged"), watchdog: exit.stderr.contains("silent and unanswering") };
    drop(w);
    drop(relay);
    drop(pair);
    Ok((netlink, watchdog, seen))
}
