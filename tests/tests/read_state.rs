//! New mail stays true to the server: a message read or deleted elsewhere leaves the "new"
//! view, by QRESYNC where offered, CONDSTORE, or plain FLAGS fetches, and at once via IDLE.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_e2e::{DovecotOptions, Proxy, ProxyMode};
use serde_json::Value;

fn by_subject<'a>(messages: &'a [Value], subject: &str) -> &'a Value {
    messages.iter().find(|m| m["subject"] == subject).unwrap_or_else(|| panic!("no message {subject}"))
}

/// Baseline, three new messages, then one read and one deleted in another client: the next
/// pass reports exactly those two changes and `messages` shows them.
fn read_and_delete_elsewhere(env: &Env, extra_add: &[&str]) {
    env.dovecot
        .fill_folder(ALICE, "INBOX", 50, |i| mailbell_e2e::simple("o@example.org", "a@localhost", &format!("old {i}"), "x"))
        .expect("fill");
    env.add_user(ALICE, common::ALICE_PW, extra_add);
    env.sync().assert_ok();
    let read = env.append("INBOX", "to be read");
    let gone = env.append("INBOX", "to be deleted");
    env.append("INBOX", "stays new");
    assert_eq!(env.sync().subjects(), vec!["stays new", "to be deleted", "to be read"]);

    // Another client reads one, deletes one, and flags a history message (not news: ignored).
    env.dovecot.add_flags(ALICE, "INBOX", read, &["\\Seen"]).expect("flag");
    env.dovecot.expunge(ALICE, "INBOX", &[gone]).expect("expunge");
    env.dovecot.add_flags(ALICE, "INBOX", 3, &["\\Flagged"]).expect("flag history");
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty());
    let mut updates: Vec<(u64, bool, bool)> = out
        .events()
        .iter()
        .filter(|e| e["event"] == "message_update")
        .map(|e| (e["uid"].as_u64().unwrap_or(0), e["seen"] == true, e["expunged"] == true))
        .collect();
    updates.sort();
    assert_eq!(updates, vec![(u64::from(read), true, false), (u64::from(gone), false, true)]);

    let msgs = env.messages();
    assert_eq!(msgs.len(), 3, "history is kept");
    assert_eq!(by_subject(&msgs, "to be read")["seen"], true);
    assert_eq!(by_subject(&msgs, "to be deleted")["expunged"], true);
    assert_eq!(by_subject(&msgs, "stays new")["seen"], false);
    assert_eq!(by_subject(&msgs, "stays new")["expunged"], false);

    // Nothing changed since: nothing reported.
    let out = env.sync();
    out.assert_ok();
    assert!(out.events().iter().all(|e| e["event"] != "message_update"), "{}", out.stdout);
    // Mailbell itself changed no flag: the unread one is still unread on the server.
    let flags = env.dovecot.flags_of(ALICE, "INBOX").expect("flags");
    let stays = flags.iter().max_by_key(|(uid, _)| *uid).expect("newest");
    assert!(!stays.1.iter().any(|f| f == "\\Seen"), "{flags:?}");
}

#[test]
fn read_and_deleted_elsewhere_with_qresync() {
    read_and_delete_elsewhere(&Env::start(), &[]);
}

#[test]
fn read_and_deleted_elsewhere_without_condstore() {
    let env = Env::with(DovecotOptions::default().hide_capability("CONDSTORE").hide_capability("QRESYNC"));
    read_and_delete_elsewhere(&env, &[]);
}

#[test]
fn the_broken_qresync_quirk_takes_the_plain_path_with_the_same_results() {
    read_and_delete_elsewhere(&Env::start(), &["--quirks", "broken-qresync"]);
}

#[test]
fn an_unknown_quirk_is_bad_usage() {
    let env = Env::start();
    let port = env.dovecot.tls_port().to_string();
    let out = env.cli_with(
        &["account", "add", "--email", "a@b", "--host", "127.0.0.1", "--port", &port, "--password-stdin", "--quirks", "nope"],
        Some("pw"),
        &[],
    );
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("unknown server quirk") && out.stderr.contains("broken-qresync"), "{}", out.stderr);
}

#[test]
fn ten_flag_changes_in_a_big_folder_cost_a_small_response() {
    let env = Env::start();
    env.dovecot
        .fill_folder(ALICE, "INBOX", 100_000, |i| mailbell_e2e::simple("o@example.org", "a@localhost", &format!("old {i}"), "x"))
        .expect("fill");
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    env.add_user_at(ALICE, common::ALICE_PW, proxy.port(), &["--folders", "INBOX"]);
    env.sync().assert_ok();
    let uids: Vec<u32> = (0..20).map(|i| env.append("INBOX", &format!("new {i}"))).collect();
    assert_eq!(env.sync().new_messages().len(), 20);
    for uid in &uids[..10] {
        env.dovecot.add_flags(ALICE, "INBOX", *uid, &["\\Seen"]).expect("flag");
    }
    let before = proxy.bytes_to_client();
    let out = env.sync();
    out.assert_ok();
    let bytes = proxy.bytes_to_client() - before;
    let updates = out.events().iter().filter(|e| e["event"] == "message_update").count();
    assert_eq!(updates, 10);
    eprintln!("a pass with 10 flag changes in a 100,020-message folder received {bytes} bytes");
    assert!(bytes < 16 * 1024, "one small response, not a scan: {bytes} bytes");
}

#[test]
fn a_message_read_elsewhere_leaves_at_once_via_idle() {
    use std::io::{BufRead, BufReader};
    let env = Env::start();
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "3600"]);
    let mut child = std::process::Command::new(mailbell_e2e::cli_bin().expect("cli"))
        .arg("--data-dir")
        .arg(env.data_dir())
        .args(["watch", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let wait = |pred: &dyn Fn(&Value) -> bool, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    };
    wait(&|v| v["event"] == "account_status" && v["push"] == true, "push");
    let uid = env.append("INBOX", "read me elsewhere");
    wait(&|v| v["event"] == "new_message", "the new message");
    let t = Instant::now();
    env.dovecot.add_flags(ALICE, "INBOX", uid, &["\\Seen"]).expect("flag");
    let e = wait(&|v| v["event"] == "message_update", "the read state");
    eprintln!("read elsewhere to message_update via IDLE: {:?}", t.elapsed());
    assert_eq!(e["seen"], true);
    assert_eq!(e["uid"], u64::from(uid));
    let _ = child.kill();
    let _ = child.wait();
}
