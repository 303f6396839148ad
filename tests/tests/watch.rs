//! `mailbell-cli watch` against a real Dovecot: IDLE push, the timer, outages, wrong passwords,
//! shutdown during a burst, and the --on-new-mail hook.

mod common;

use std::time::{Duration, Instant};

use common::watch::Watch;
use common::{Env, ALICE};
use mailbell_e2e::{DovecotOptions, User};
use serde_json::Value;

fn push_up(v: &Value) -> bool {
    v["event"] == "account_status" && v["push"] == true
}

#[test]
fn idle_push_delivers_inbox_mail_without_waiting_for_the_timer() {
    let env = Env::start();
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "3600"]);
    let mut w = Watch::start(&env, &[]);
    w.wait_for("IDLE to be up", Duration::from_secs(20), push_up);
    w.drain(Duration::from_millis(300));
    let mut latencies = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        env.append("INBOX", &format!("pushed {i}"));
        let subject = format!("pushed {i}");
        w.wait_for("the pushed message", Duration::from_secs(15), |e| e["event"] == "new_message" && e["subject"] == subject.as_str());
        latencies.push(t.elapsed());
    }
    // Figures, not assertions: the timer (1 h) cannot have delivered these.
    eprintln!("IDLE append-to-event latencies: {latencies:?}");
    let (code, seen) = w.terminate();
    assert_eq!(code, Some(0), "SIGTERM is a clean exit");
    let n = seen.iter().filter(|e| e["event"] == "new_message").count();
    assert_eq!(n, 3, "each message once");
}

#[test]
fn the_timer_covers_folders_without_push() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "10"]);
    let mut w = Watch::start(&env, &[]);
    w.wait_for("the first pass", Duration::from_secs(20), |e| e["event"] == "account_status" && e["state"] == "ok");
    env.append("Work", "timer mail");
    w.wait_for("timer mail", Duration::from_secs(30), |e| e["event"] == "new_message" && e["subject"] == "timer mail");
    assert!(w.seen.iter().any(|e| e["event"] == "account_status" && e["next_pass_at"].is_string()));
}

#[test]
fn a_server_restart_is_survived_and_mail_from_the_outage_arrives_once() {
    let mut env = Env::start();
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "10"]);
    let mut w = Watch::start(&env, &[]);
    w.wait_for("IDLE to be up", Duration::from_secs(20), push_up);

    let inbox_new = env.dovecot.folder_path(ALICE, "INBOX").expect("folder path").join("new");
    env.dovecot.stop().expect("stop dovecot");
    w.wait_for("the account to go offline", Duration::from_secs(40), |e| e["event"] == "account_status" && e["state"] == "offline");
    // Delivered while the IMAP server is down, as an MDA would: a file in Maildir's new/.
    deliver_offline(&inbox_new, "during the outage");
    env.dovecot.start_again().expect("restart dovecot");
    w.wait_for("the outage mail", Duration::from_secs(60), |e| e["event"] == "new_message" && e["subject"] == "during the outage");
    w.wait_for("push to come back", Duration::from_secs(60), push_up);
    env.append("INBOX", "after recovery");
    w.wait_for("mail after recovery", Duration::from_secs(20), |e| e["event"] == "new_message" && e["subject"] == "after recovery");
    w.drain(Duration::from_secs(2));
    let subjects = w.new_subjects();
    assert_eq!(subjects.iter().filter(|s| *s == "during the outage").count(), 1, "{subjects:?}");
    assert_eq!(env.messages().len(), 2);
    assert!(w.seen.iter().any(|e| e["event"] == "account_status" && e["retries"].as_u64().unwrap_or(0) >= 1), "backoff counted retries");
}

fn deliver_offline(dir: &std::path::Path, subject: &str) {
    let path = dir.join(format!("{}.M1P{}.mailbell-test", chrono::Utc::now().timestamp(), std::process::id()));
    let raw = mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", subject, "offline delivery");
    std::fs::write(&path, raw).expect("write maildir file");
    // Dovecot runs mail as nobody (65534) when the tests run as root.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).expect("chown");
    }
}

#[test]
fn a_wrong_password_stops_retrying_until_the_user_acts() {
    let env = Env::start();
    env.add_user(ALICE, "wrong-password-123", &["--interval", "10"]);
    let mut w = Watch::start(&env, &[]);
    let e = w.wait_for("auth failure", Duration::from_secs(20), |e| e["event"] == "account_status" && e["state"] == "auth_failed");
    assert!(e["next_pass_at"].is_null(), "no timed retry: {e}");
    // Longer than the interval and several backoff steps: still one login attempt.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(env.dovecot.settled_count(|d| d.auth_failure_count(ALICE), 1), 1, "one attempt per user action, not a retry storm");
}

#[test]
fn shutdown_during_a_burst_then_restart_loses_and_duplicates_nothing() {
    let env = Env::start();
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "3600"]);
    env.sync().assert_ok();
    env.dovecot
        .fill_folder(ALICE, "INBOX", 3000, |i| mailbell_e2e::simple("b@example.org", "alice@localhost", &format!("burst {i:04}"), "x"))
        .expect("fill");
    let mut w = Watch::start(&env, &[]);
    w.wait_for("the burst to start", Duration::from_secs(20), |e| e["event"] == "new_message");
    let (code, first) = w.terminate();
    assert_eq!(code, Some(0));
    let mut w2 = Watch::start(&env, &[]);
    w2.wait_for("the second run's first pass", Duration::from_secs(30), |e| e["event"] == "account_status" && e["state"] == "ok");
    let (_, second) = w2.terminate();
    let mut all: Vec<String> = first
        .iter()
        .chain(second.iter())
        .filter(|e| e["event"] == "new_message")
        .map(|e| e["subject"].as_str().unwrap_or("").to_string())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no event twice across the restart");
    assert_eq!(n, 3000, "every message reported once");
    assert_eq!(env.messages().len(), 3000);
}

#[test]
fn the_new_mail_hook_gets_the_message_in_its_environment_only() {
    let env = Env::start();
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "3600"]);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let log = out_dir.path().join("hook.log");
    let canary = out_dir.path().join("pwned");
    let cmd = format!("printf '%s|%s|%s\\n' \"$MAILBELL_SUBJECT\" \"$MAILBELL_FROM_ADDR\" \"$MAILBELL_FOLDER\" >> '{}'", log.display());
    let mut w = Watch::start(&env, &["--on-new-mail", &cmd]);
    w.wait_for("IDLE to be up", Duration::from_secs(20), push_up);
    let evil = format!("$(touch {}) `touch {}` \"; touch {}", canary.display(), canary.display(), canary.display());
    env.append("INBOX", &evil);
    w.wait_for("the evil message", Duration::from_secs(15), |e| e["event"] == "new_message");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&log).expect("hook ran");
    assert_eq!(text, format!("{evil}|bob@example.org|INBOX\n"));
    assert!(!canary.exists(), "mail text must never be executed");
}

#[test]
fn accounts_added_and_removed_by_another_cli_are_followed_while_watching() {
    let env = Env::with(DovecotOptions {
        users: vec![User::new(ALICE, common::ALICE_PW), User::new("bob", "bob-secret-pw")],
        ..DovecotOptions::default()
    });
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "3600"]);
    let mut w = Watch::start(&env, &[]);
    w.wait_for("alice's first pass", Duration::from_secs(20), |e| e["event"] == "account_status" && e["state"] == "ok");
    // Another CLI adds bob while this one watches: bob's worker starts without a restart.
    let bob = env.add_user("bob", "bob-secret-pw", &["--interval", "3600"]);
    w.wait_for("bob's account to be watched", Duration::from_secs(20), |e| {
        e["event"] == "account_status" && e["account"] == bob.as_str() && e["state"] == "ok" && e["push"] == true
    });
    let raw = mailbell_e2e::simple("Carol <carol@example.org>", "bob@localhost", "for bob", "Hello Bob.");
    env.dovecot.append("bob", "INBOX", &raw, &[]).expect("append");
    let m = w.wait_for("bob's new mail", Duration::from_secs(15), |e| e["event"] == "new_message" && e["subject"] == "for bob");
    assert_eq!(m["account"], bob.as_str());
    // Another CLI removes bob: his worker stops (no more events for him), alice goes on.
    env.cli(&["account", "remove", &bob]).assert_ok();
    std::thread::sleep(Duration::from_secs(5));
    w.drain(Duration::from_millis(300));
    let before = w.seen.len();
    env.dovecot
        .append("bob", "INBOX", &mailbell_e2e::simple("Carol <carol@example.org>", "bob@localhost", "after removal", "x"), &[])
        .expect("append");
    env.append("INBOX", "for alice");
    w.wait_for("alice's mail", Duration::from_secs(15), |e| e["event"] == "new_message" && e["subject"] == "for alice");
    w.drain(Duration::from_secs(1));
    assert!(
        w.seen[before..].iter().all(|e| e["account"] != bob.as_str()),
        "nothing more from the removed account: {:#?}",
        &w.seen[before..]
    );
    let (code, _) = w.terminate();
    assert_eq!(code, Some(0));
}
