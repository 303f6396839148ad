//! Never silently deaf: the real `mailbell-cli watch --json` notices a dead connection and a
//! network that changed or came back, and a resume from suspend, without waiting for its timer
//! (one hour here) or its backoff.
//!
//! Real components only: the harness's Dovecot, two network namespaces of the test's own
//! joined by a veth pair (`mailbell_e2e::netns`: the CLI in the client namespace, a relay in
//! the server namespace bridging to Dovecot on the host's loopback), and a real `dbus-daemon`
//! as the system bus with a scripted logind on it (`mailbell_e2e::logind_standin`). Nothing is
//! skipped: a component that cannot start fails the test. Needs root (namespaces).
//!
//! The account speaks plain IMAP to the relay: the test certificate names 127.0.0.1 only, and
//! what is tested here is the connection's life, not TLS (Dovecot sees the relay's loopback
//! connection, which it counts as secure for a plaintext login).
//!
//! Dovecot offers NOTIFY, so the push companion is the NOTIFY connection unless the test hides
//! the capability ([`Push::Idle`]): the black hole is tested on both, since each has its own
//! watchdog probe (NOOP on NOTIFY, DONE on IDLE) under the same bounds.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::cli::CliProcess;
use mailbell_e2e::logind_standin::{LogindStandin, SystemBus};
use mailbell_e2e::netns::{NetPair, Relay};
use mailbell_e2e::{cli_bin, simple, DovecotOptions};
use serde_json::Value;

const INTERVAL: &str = "3600";

fn status(v: &Value) -> bool {
    v["event"] == "account_status"
}

/// Which push companion the account runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Push {
    /// Dovecot as configured by default: one NOTIFY connection.
    Notify,
    /// NOTIFY hidden from the capabilities: IDLE connections (within the budget) and the sweep.
    Idle,
}

impl Push {
    /// `push_mode` in `account_status`.
    fn mode(self) -> &'static str {
        match self {
            Push::Notify => "notify",
            Push::Idle => "idle",
        }
    }

    fn dovecot(self) -> DovecotOptions {
        match self {
            Push::Notify => DovecotOptions::default(),
            Push::Idle => DovecotOptions::default().hide_capability("NOTIFY"),
        }
    }

    /// What the engine logs when this companion's watchdog finds the path dead.
    fn watchdog_log(self) -> &'static str {
        match self {
            Push::Notify => "NOTIFY connection silent and unanswering",
            Push::Idle => "IDLE connection silent and unanswering",
        }
    }
}

/// Push coming up asks for a pass (of everything for NOTIFY, of its folder for IDLE): waits
/// for it to start and end, so that no status of it is taken for the reaction a test looks for.
fn settle(watch: &mut CliProcess) {
    let start = watch.wait_for(Duration::from_secs(30), |v| status(v) && v["state"] == "syncing");
    assert!(start.is_some(), "no pass after push came up: {:?}", watch.lines());
    let end = watch.wait_for(Duration::from_secs(30), |v| status(v) && v["state"] == "ok");
    assert!(end.is_some(), "the pass after push came up did not end: {:?}", watch.lines());
}

/// Adds alice's account, on the relay in the server namespace, from inside the client
/// namespace (where the account's connection test must run).
fn add_account_in_client(env: &Env, pair: &NetPair, relay: &Relay) -> String {
    let mut cmd = Command::new(cli_bin().expect("mailbell-cli"));
    cmd.arg("--data-dir").arg(env.data_dir()).env_remove("MAILBELL_DATA_DIR");
    let (host, port) = (relay.addr().ip().to_string(), relay.addr().port().to_string());
    cmd.args(["account", "add", "--email", "alice@localhost", "--host", &host, "--port", &port]);
    cmd.args(["--security", "plain", "--username", ALICE, "--password-stdin", "--interval", INTERVAL]);
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    pair.enter_client(&mut cmd).expect("enter the client namespace");
    let mut child = cmd.spawn().expect("spawn mailbell-cli account add");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(ALICE_PW.as_bytes()).expect("password to stdin");
    }
    let out = child.wait_with_output().expect("account add");
    assert!(
        out.status.success(),
        "account add in the client namespace failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Everything the namespace tests share: Dovecot, the namespaces, the relay, an account and
/// `watch --json` running in the client namespace with push up, of the kind asked for.
struct NetSetup {
    env: Env,
    pair: NetPair,
    relay: Relay,
    watch: CliProcess,
}

impl NetSetup {
    fn start(push: Push) -> NetSetup {
        let env = Env::with(push.dovecot());
        let pair = NetPair::create().expect("network namespaces (root, iproute2)");
        let relay = Relay::start(&pair, env.dovecot.plain_addr()).expect("relay in the server namespace");
        add_account_in_client(&env, &pair, &relay);
        let mut watch = CliProcess::spawn_with(env.data_dir(), &["watch", "--json"], &[("RUST_LOG", "mailbell_sync=info")], |cmd| {
            pair.enter_client(cmd).expect("enter the client namespace")
        })
        .expect("spawn watch in the client namespace");
        let up = watch.wait_for(Duration::from_secs(60), |v| status(v) && v["push"] == true && v["push_mode"] == push.mode());
        assert!(up.is_some(), "push ({}) never came up through the relay: {:?}", push.mode(), watch.lines());
        settle(&mut watch);
        match push {
            // The NOTIFY companion reports itself up only once the server accepted NOTIFY SET:
            // notifications are on.
            Push::Notify => {}
            // An IDLE companion reports itself up once its folder is examined: wait for the IDLE
            // itself (not merely its connection).
            Push::Idle => {
                let deadline = Instant::now() + Duration::from_secs(30);
                while relay.idle_starts() == 0 {
                    assert!(Instant::now() < deadline, "the server never said + idling through the relay");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        NetSetup { env, pair, relay, watch }
    }

    fn append(&self, subject: &str) {
        self.env.dovecot.append(ALICE, "INBOX", &simple("sender@example.org", "alice@localhost", subject, "body"), &[]).expect("append");
    }

    fn wait_subject(&mut self, subject: &str, within: Duration) -> Option<Duration> {
        let t0 = Instant::now();
        self.watch.wait_for(within, |v| v["event"] == "new_message" && v["subject"] == subject).map(|_| t0.elapsed())
    }
}

/// The client's address goes (its connections die without a word), then a new one comes. While
/// there is none, the account reads "offline, waiting for the network"; mail appended meanwhile
/// is reported within 5 s of the new address, from the rtnetlink event (the timer is an hour
/// away, and the backoff after a few failures would be longer than 5 s).
#[test]
fn a_new_address_brings_the_mail_within_5_s() {
    let mut s = NetSetup::start(Push::Notify);
    let accepted_before = s.relay.accepted();

    s.pair.drop_client_address().expect("remove the client's address");
    let t_down = Instant::now();
    let offline = s.watch.wait_for(Duration::from_secs(30), |v| status(v) && v["state"] == "offline");
    let offline = offline.unwrap_or_else(|| panic!("no offline status after the address went: {:?}", s.watch.lines()));
    let text = offline["error"].as_str().unwrap_or_default().to_string();
    println!("address removed: offline after {:.1} s: {text}", t_down.elapsed().as_secs_f64());
    assert!(text.starts_with("offline, waiting for the network"), "offline status worded {text:?}");

    s.append("while the network was away");
    // Let the worker's backoff grow past the 5 s bound: only the event may bring the mail.
    std::thread::sleep(Duration::from_secs(6));
    let addr = s.pair.new_client_address().expect("a new client address");
    let elapsed = s.wait_subject("while the network was away", Duration::from_secs(60));
    let elapsed = elapsed.unwrap_or_else(|| panic!("the mail never came after the new address: {:?}", s.watch.lines()));
    println!(
        "new address {addr}: mail reported {:.2} s later (debounce 1 s); relay accepted {} new connections",
        elapsed.as_secs_f64(),
        s.relay.accepted() - accepted_before
    );
    assert!(elapsed < Duration::from_secs(5), "the mail took {elapsed:?} after the new address");
    let push_back = s.watch.wait_for(Duration::from_secs(30), |v| status(v) && v["push"] == true);
    assert!(push_back.is_some(), "push did not come back after the new address");
    let NetSetup { watch, env: _env, relay: _relay, pair: _pair } = s;
    let fin = watch.stop_with(libc::SIGTERM, Duration::from_secs(20)).expect("stop watch");
    assert!(fin.stderr.contains("NetworkChanged"), "no wake-up from rtnetlink:\n{}", fin.stderr);
}

/// The relay silently stops forwarding every open connection (a NAT box that forgot them):
/// no TCP error, no network event. The push companion's watchdog finds the connection dead,
/// and mail appended at that moment is reported within 90 s: on the NOTIFY connection
/// (Dovecot's default) and on IDLE connections (NOTIFY hidden).
#[test]
fn a_black_hole_is_noticed_within_90_s() {
    black_hole(Push::Notify);
}

#[test]
fn a_black_hole_under_idle_is_noticed_within_90_s() {
    black_hole(Push::Idle);
}

fn black_hole(push: Push) {
    let mut s = NetSetup::start(push);
    let accepted_before = s.relay.accepted();
    s.relay.black_hole();
    s.append("behind a black hole");
    let elapsed = s.wait_subject("behind a black hole", Duration::from_secs(180));
    let elapsed = elapsed.unwrap_or_else(|| panic!("the mail never came through a new connection: {:?}", s.watch.lines()));
    println!(
        "black hole ({}): mail reported {:.1} s later (watchdog: 60 s of silence + 10 s probe); relay accepted {} new connections",
        push.mode(),
        elapsed.as_secs_f64(),
        s.relay.accepted() - accepted_before
    );
    assert!(elapsed < Duration::from_secs(90), "a dead connection took {elapsed:?} to be replaced");
    assert!(s.relay.accepted() > accepted_before, "no new connection was made");
    let NetSetup { watch, env: _env, relay: _relay, pair: _pair } = s;
    // It was the watchdog, not a network event (there was none) nor the timer.
    let fin = watch.stop_with(libc::SIGTERM, Duration::from_secs(20)).expect("stop watch");
    assert!(
        fin.stderr.contains(push.watchdog_log()) && fin.stderr.contains("ConnectionDead"),
        "the {} watchdog did not fire:\n{}",
        push.mode(),
        fin.stderr
    );
    assert!(!fin.stderr.contains("the network changed"), "a network event woke the engine:\n{}", fin.stderr);
}

/// logind says the machine resumed: the engine reconnects and passes at once, although its
/// timer is an hour away and nothing failed.
#[test]
fn resume_from_suspend_reconnects_at_once() {
    let env = Env::start();
    let bus = SystemBus::start().expect("a private dbus-daemon as the system bus");
    let logind = LogindStandin::start(&bus).expect("the logind stand-in");
    env.add_user(ALICE, ALICE_PW, &["--interval", INTERVAL]);
    let mut watch =
        CliProcess::spawn(env.data_dir(), &["watch", "--json"], &[("DBUS_SYSTEM_BUS_ADDRESS", bus.address())]).expect("spawn watch");
    assert!(watch.wait_for(Duration::from_secs(60), |v| status(v) && v["push"] == true).is_some(), "push never came up");
    settle(&mut watch);
    assert!(logind.wait_property_reads(1, Duration::from_secs(30)), "the engine never asked the logind stand-in anything");

    let logins_before = env.dovecot.login_count(ALICE);
    // Going to sleep changes nothing by itself.
    logind.prepare_for_sleep(true).expect("PrepareForSleep(true)");
    let t0 = Instant::now();
    logind.prepare_for_sleep(false).expect("PrepareForSleep(false)");
    let syncing = watch.wait_for(Duration::from_secs(30), |v| status(v) && v["state"] == "syncing");
    let to_pass = t0.elapsed();
    assert!(syncing.is_some(), "no pass after the resume signal: {:?}", watch.lines());
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.dovecot.login_count(ALICE) < logins_before + 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let to_logins = t0.elapsed();
    let logins = env.dovecot.login_count(ALICE) - logins_before;
    println!(
        "resume: pass started {:.2} s after PrepareForSleep(false); {logins} fresh logins (pass + push companion) within {:.2} s",
        to_pass.as_secs_f64(),
        to_logins.as_secs_f64()
    );
    assert!(to_pass < Duration::from_secs(5), "the pass came {to_pass:?} after the resume");
    assert!(logins >= 2, "expected fresh connections for the pass and for the push companion, saw {logins} logins");
    assert!(watch.wait_for(Duration::from_secs(30), |v| status(v) && v["push"] == true).is_some(), "push did not come back");
}
