//! Accounts, secrets and the errors a user meets: each says what to fix, none leaks the
//! password, and bad usage exits 2.

mod common;

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::{keyring_has, DovecotOptions};

fn add_args<'a>(port: &'a str, security: &'a str, ca: Option<&'a str>) -> Vec<&'a str> {
    let mut v = vec![
        "account",
        "add",
        "--email",
        "alice@localhost",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--security",
        security,
        "--username",
        ALICE,
        "--password-stdin",
    ];
    if let Some(ca) = ca {
        v.extend_from_slice(&["--ca-file", ca]);
    }
    v
}

#[test]
fn wrong_password_is_reported_once_and_never_echoed() {
    let env = Env::start();
    let port = env.dovecot.tls_port().to_string();
    let ca = env.ca();
    let wrong = "not-the-right-pw-71";
    let out = env.cli_with(&add_args(&port, "tls", ca.to_str()), Some(wrong), &[]);
    out.assert_ok();
    let out = env.cli(&["sync", "--once", "--json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("authentication failed for alice") && out.stderr.contains("check the password"), "{}", out.stderr);
    assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong));
    assert_eq!(env.dovecot.settled_count(|d| d.auth_failure_count(ALICE), 1), 1, "one attempt, no retry storm");
    let account_events: Vec<_> = out.events().into_iter().filter(|e| e["event"] == "account_status").collect();
    assert!(account_events.iter().any(|e| e["state"] == "auth_failed"), "{account_events:?}");
}

#[test]
fn an_untrusted_certificate_is_refused_with_advice() {
    let env = Env::start();
    let port = env.dovecot.tls_port().to_string();
    env.cli_with(&add_args(&port, "tls", None), Some(ALICE_PW), &[]).assert_ok();
    let out = env.cli(&["sync", "--once"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("certificate for 127.0.0.1 is not trusted") && out.stderr.contains("--ca-file"), "{}", out.stderr);
    assert_eq!(env.dovecot.login_count(ALICE), 0, "no password was sent");
}

#[test]
fn starttls_is_mandatory_on_a_starttls_port() {
    let env = Env::with(DovecotOptions::default().starttls(false));
    let port = env.dovecot.plain_port().to_string();
    env.cli_with(&add_args(&port, "starttls", None), Some(ALICE_PW), &[]).assert_ok();
    let out = env.cli(&["sync", "--once"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("does not offer STARTTLS"), "{}", out.stderr);
    assert_eq!(env.dovecot.login_count(ALICE) + env.dovecot.auth_failure_count(ALICE), 0, "no login attempted");

    // Plain works only because it is chosen explicitly.
    let env2 = Env::with(DovecotOptions::default().starttls(false));
    let port = env2.dovecot.plain_port().to_string();
    env2.cli_with(&add_args(&port, "plain", None), Some(ALICE_PW), &[]).assert_ok();
    env2.cli(&["sync", "--once"]).assert_ok();
}

#[test]
fn starttls_upgrade_works_and_verifies_the_certificate() {
    let env = Env::start();
    let port = env.dovecot.plain_port().to_string();
    let ca = env.ca();
    env.cli_with(&add_args(&port, "starttls", ca.to_str()), Some(ALICE_PW), &[]).assert_ok();
    env.cli(&["sync", "--once"]).assert_ok();
    env.append("INBOX", "over starttls");
    assert_eq!(env.sync().subjects(), vec!["over starttls"]);
}

#[test]
fn nothing_listening_is_an_offline_error() {
    let env = Env::start();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port().to_string();
    drop(dead);
    env.cli_with(&add_args(&port, "tls", None), Some(ALICE_PW), &[]).assert_ok();
    let out = env.cli(&["sync", "--once", "--json"]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("cannot connect to 127.0.0.1"), "{}", out.stderr);
    assert!(out.events().iter().any(|e| e["event"] == "account_status" && e["state"] == "offline"));
}

#[test]
fn the_password_lives_only_in_the_keyring() {
    let env = Env::start();
    let id = env.add_alice();
    assert_eq!(mailbell_e2e::keyring_lookup("mailbell", &id).expect("lookup").as_deref(), Some(ALICE_PW));
    env.sync().assert_ok();
    env.append("INBOX", "a message");
    let out = env.sync();
    out.assert_ok();
    assert!(!out.stdout.contains(ALICE_PW) && !out.stderr.contains(ALICE_PW));
    for entry in mailbell_e2e::files_under(env.data_dir()) {
        let bytes = std::fs::read(&entry).expect("read");
        assert!(!bytes.windows(ALICE_PW.len()).any(|w| w == ALICE_PW.as_bytes()), "password found in {}", entry.display());
    }
    // Removing the account removes its keyring entry and its data.
    env.cli(&["account", "remove", &id]).assert_ok();
    assert!(!keyring_has("mailbell", &id).expect("lookup"));
    assert!(env.status().is_empty());
    let list = env.cli(&["account", "list", "--json"]);
    assert_eq!(list.json(), serde_json::json!([]));
}

#[test]
fn bad_usage_exits_2_and_says_what_to_fix() {
    let env = Env::start();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["account", "add", "--email", "a@b", "--host", "h", "--security", "ssl3", "--password-stdin"],
            Some("pw"),
            "use tls, starttls or plain",
        ),
        (vec!["account", "add", "--email", "a@b", "--host", "h"], None, "--password-stdin"),
        (vec!["account", "add", "--email", "nobody", "--host", "h", "--password-stdin"], Some("pw"), "not an email address"),
        (
            vec!["account", "add", "--email", "a@b", "--host", "h", "--password-stdin", "--ca-file", "/nonexistent/ca.pem"],
            Some("pw"),
            "cannot use the CA file",
        ),
        (vec!["account", "add", "--email", "a@b", "--host", "h", "--password-stdin"], Some(""), "password on stdin is empty"),
        (vec!["account", "add", "--email", "a@b", "--host", "h", "--password-stdin", "--interval", "1"], Some("pw"), "too short"),
        (vec!["account", "remove", "nope"], None, "no account with id"),
        (vec!["sync", "--once", "--account", "nope"], None, "no account with id"),
        (vec!["frobnicate"], None, "unrecognized subcommand"),
    ];
    for (args, stdin, expect) in cases {
        let out = env.cli_with(&args, stdin, &[]);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expect), "{args:?}: expected {expect:?} in {}", out.stderr);
    }
    assert_eq!(env.cli(&["account", "list", "--json"]).json(), serde_json::json!([]), "nothing half-added");
}

#[test]
fn data_dir_flag_wins_over_the_environment() {
    let env = Env::start();
    let other = tempfile::tempdir().expect("tempdir");
    let id = env.add_alice();
    let out = env.cli_with(&["account", "list", "--json"], None, &[("MAILBELL_DATA_DIR", other.path().to_str().expect("path"))]);
    assert!(out.stdout.contains(&id), "--data-dir wins");
    // And the variable alone is honoured.
    let mut cmd = std::process::Command::new(mailbell_e2e::cli_bin().expect("cli"));
    let out = cmd.args(["account", "list", "--json"]).env("MAILBELL_DATA_DIR", env.data_dir()).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
    mailbell_e2e::keyring_clear("mailbell", &id).ok();
}
