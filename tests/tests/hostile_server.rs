//! A server that says something malformed must cost an error, not a crash: `sync --once`
//! reports it and exits 1, and `watch` (the engine behind the app) reports it and retries, so
//! an account never stops syncing silently. The bytes come from the fuzz findings (fuzz/):
//! a status line whose second byte is not ASCII, before TLS (answering STARTTLS) and after
//! login (`* OK [ALERT]` followed by non-ASCII text without a space). The first case needs a
//! fake server (Dovecot never sends that); the second slips one line into a real Dovecot
//! session through the proxy.

mod common;

use std::time::Duration;

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::cli::{run_cli, CliProcess};
use mailbell_e2e::starttls_front::{FrontBehaviour, StarttlsFront};
use mailbell_e2e::{DovecotOptions, Fault, Proxy, ProxyMode, Trigger, COMPRESS_DEFLATE};

/// An untagged OK whose text follows the response code without a space and starts with a
/// multi-byte character.
const ALERT: &[u8] = b"* OK [ALERT]\xc3\xa9t\xc3\xa9 sans espace\r\n";

fn add_account(env: &Env, port: u16, security: &str, extra: &[&str]) -> String {
    let port = port.to_string();
    let ca = env.ca().display().to_string();
    let mut args = vec![
        "account",
        "add",
        "--email",
        "alice@localhost",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        security,
        "--username",
        ALICE,
        "--password-stdin",
        "--ca-file",
        &ca,
    ];
    args.extend_from_slice(extra);
    let out = env.cli_with(&args, Some(ALICE_PW), &[]);
    out.assert_ok();
    out.stdout.trim().to_string()
}

#[track_caller]
fn assert_error_not_crash(run: &mailbell_e2e::cli::Finished) {
    assert!(!run.stderr.contains("panicked"), "the CLI panicked:\n{}", run.stderr);
    assert_eq!(run.status.code(), Some(1), "a sync error (exit 1), not a crash: {:?}\n{}", run.status, run.stderr);
}

#[test]
fn a_malformed_status_line_before_tls_is_an_error_not_a_crash() {
    let env = Env::start();
    let front =
        StarttlsFront::start(&env.dovecot, FrontBehaviour::Answer(b"$T O\xff Begin TLS negotiation now.\r\n".to_vec())).expect("front");
    add_account(&env, front.port(), "starttls", &[]);
    let run = run_cli(env.data_dir(), &["sync", "--once", "--json"], &[], Duration::from_secs(60)).expect("sync");
    assert_error_not_crash(&run);
    assert_eq!(front.cleartext_auth_attempts(), 0);
}

#[test]
fn a_malformed_response_after_login_is_an_error_not_a_crash() {
    let env = plain_wire_env();
    let proxy = Proxy::start(env.dovecot.plain_addr(), ProxyMode::Passthrough).expect("proxy");
    add_account(&env, proxy.port(), "plain", &[]);
    proxy.arm(Trigger::new(b"LIST", 0, Fault::Inject(ALERT)));
    let run = run_cli(env.data_dir(), &["sync", "--once", "--json"], &[], Duration::from_secs(60)).expect("sync");
    assert_eq!(proxy.faults_fired(), 1, "the line was slipped in");
    assert_error_not_crash(&run);
}

#[test]
fn the_watch_worker_survives_a_malformed_response() {
    let env = plain_wire_env();
    let proxy = Proxy::start(env.dovecot.plain_addr(), ProxyMode::Passthrough).expect("proxy");
    add_account(&env, proxy.port(), "plain", &["--interval", "3600"]);
    env.sync().assert_ok();
    let mut w = CliProcess::spawn(env.data_dir(), &["watch", "--json"], &[]).expect("watch");
    w.wait_for(Duration::from_secs(30), |e| e["event"] == "account_status" && e["push"] == true).expect("IDLE up");
    // The pass IDLE wakes for this message is scoped to INBOX, so its first command is a
    // STATUS (not a LIST): that answer meets the malformed line once.
    proxy.arm(Trigger::new(b"STATUS", 0, Fault::Inject(ALERT)));
    env.append("INBOX", "wakes a pass that meets the bad line");
    // Whatever the pass makes of it (an error and a retry after the backoff, or a retry on a
    // fresh connection at once), the account goes on: the message arrives.
    let got =
        w.wait_for(Duration::from_secs(20), |e| e["event"] == "new_message" && e["subject"] == "wakes a pass that meets the bad line");
    assert_eq!(proxy.faults_fired(), 1, "the line was slipped in");
    let run = w.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("stop");
    assert!(got.is_some(), "the account stopped syncing after the bad line; stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "the engine panicked:\n{}", run.stderr);
}

/// The connection test of the setup wizard (`account check`, the app's "Test connection")
/// meets the same line while logging in: it reports a failed step, it does not crash.
#[test]
fn the_connection_test_reports_a_malformed_response_instead_of_crashing() {
    let env = plain_wire_env();
    let proxy = Proxy::start(env.dovecot.plain_addr(), ProxyMode::Passthrough).expect("proxy");
    let id = add_account(&env, proxy.port(), "plain", &[]);
    proxy.arm(Trigger::new(b"LOGIN", 0, Fault::Inject(ALERT)));
    let run = run_cli(env.data_dir(), &["account", "check", &id, "--json"], &[], Duration::from_secs(60)).expect("check");
    assert_eq!(proxy.faults_fired(), 1, "the line was slipped in");
    assert!(!run.stderr.contains("panicked"), "the connection test panicked:\n{}", run.stderr);
    assert!(matches!(run.status.code(), Some(0) | Some(1)), "a report, not a crash: {:?}\n{}", run.status, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.lines.join("\n")).expect("a JSON report");
    assert!(report["steps"].is_array(), "{report}");
}

/// A server without COMPRESS=DEFLATE: the proxy's triggers read the commands on the wire.
fn plain_wire_env() -> Env {
    Env::with(DovecotOptions::default().hide_capability(COMPRESS_DEFLATE))
}
