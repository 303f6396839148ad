//! Secrets and transport security, against the real CLI, the real keyring and a real Dovecot:
//! - the password is in the keyring and nowhere else: no file under the data dir, no log line
//!   (also at RUST_LOG=trace), no event, no error message, not in a hook's environment;
//! - untrusted, expired and wrong-host certificates are refused before any password is sent,
//!   over implicit TLS and STARTTLS alike;
//! - bytes a server sends between its STARTTLS OK and the handshake are thrown away (response
//!   injection), a refused STARTTLS never falls back to clear text;
//! - LOGINDISABLED is honoured; plain IMAP is used only when chosen explicitly.
//!
//! The STARTTLS misbehaviours come from `mailbell_e2e::starttls_front` (Dovecot cannot be made
//! to inject or refuse); everything after the handshake is the real Dovecot.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::cli::{run_cli, CliProcess, Finished};
use mailbell_e2e::starttls_front::{FrontBehaviour, StarttlsFront};
use mailbell_e2e::{Certificate, DovecotOptions, Proxy, ProxyMode};

/// A password no test output could contain by accident.
const CANARY_PW: &str = "Canary-Pw-7f3e1c9a";
const WRONG_PW: &str = "Wrong-Canary-Pw-2b8d";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every way the password could leak, for one data dir and a set of finished runs.
fn assert_nowhere(env: &Env, secret: &str, runs: &[(String, Finished)], extra_files: &[PathBuf]) {
    let mut leaks = Vec::new();
    for (label, run) in runs {
        for (stream, text) in [("stdout", run.lines.join("\n")), ("stderr", run.stderr.clone())] {
            if let Some(line) = text.lines().find(|l| l.contains(secret)) {
                leaks.push(format!("{label} {stream}: {}", line.chars().take(300).collect::<String>()));
            }
        }
    }
    for file in mailbell_e2e::files_under(env.data_dir()).iter().chain(extra_files) {
        let bytes = std::fs::read(file).expect("read");
        if contains(&bytes, secret) {
            leaks.push(format!("file {}", file.display()));
        }
    }
    assert!(leaks.is_empty(), "the password leaked:\n{}", leaks.join("\n"));
}

/// Everything a user does with an account, with `rust_log` as RUST_LOG, and the password
/// looked for everywhere afterwards.
fn password_leak_check(rust_log: &str) {
    let env = Env::with(DovecotOptions::default().user("carol", CANARY_PW).user("dave", "dave-right-pw"));
    let envs = [("RUST_LOG", rust_log)];
    let mut runs: Vec<(String, Finished)> = Vec::new();
    let t = Duration::from_secs(120);
    let port = env.dovecot.tls_port().to_string();
    let ca = env.ca().display().to_string();
    let add = |user: &str, pw: &str, runs: &mut Vec<(String, Finished)>| -> String {
        let mut p = std::process::Command::new(mailbell_e2e::cli_bin().expect("cli"));
        p.arg("--data-dir").arg(env.data_dir()).env_remove("MAILBELL_DATA_DIR").env("RUST_LOG", rust_log);
        p.args([
            "account",
            "add",
            "--email",
            &format!("{user}@localhost"),
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--username",
            user,
            "--password-stdin",
            "--ca-file",
            &ca,
            "--interval",
            "3600",
        ]);
        let out = common_run(p, pw);
        assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
        let id = out.lines.join("").trim().to_string();
        runs.push((format!("account add {user}"), out));
        id
    };
    let carol = add("carol", CANARY_PW, &mut runs);
    // dave's account gets a wrong password: the wrong one must not leak either.
    let dave = add("dave", WRONG_PW, &mut runs);
    assert_eq!(mailbell_e2e::keyring_lookup("mailbell", &carol).expect("lookup").as_deref(), Some(CANARY_PW), "the keyring has it");

    runs.push(("sync (baseline)".into(), run_cli(env.data_dir(), &["sync", "--once", "--json"], &envs, t).expect("sync")));
    let raw = mailbell_e2e::simple("x@example.org", "carol@localhost", "a message for carol", "hello");
    env.dovecot.append("carol", "INBOX", &raw, &[]).expect("append");
    runs.push(("sync".into(), run_cli(env.data_dir(), &["sync", "--once", "--json"], &envs, t).expect("sync")));
    runs.push(("sync human".into(), run_cli(env.data_dir(), &["sync", "--once"], &envs, t).expect("sync")));
    assert!(runs.iter().any(|(l, r)| l == "sync" && r.new_messages().iter().any(|e| e["subject"] == "a message for carol")), "mail flowed");
    assert!(runs.iter().any(|(_, r)| r.stderr.contains("authentication failed for dave")), "the wrong password was reported");
    for args in [
        &["status", "--json"][..],
        &["status"],
        &["messages", "--json"],
        &["messages"],
        &["account", "list", "--json"],
        &["account", "list"],
    ] {
        runs.push((args.join(" "), run_cli(env.data_dir(), args, &envs, t).expect("cli")));
    }
    // A server that is down, and a CA file that is not one: error paths that print details.
    let hook_out = tempfile::tempdir().expect("tempdir");
    let env_dump = hook_out.path().join("hook-env");
    let hook = format!("env >> '{}'", env_dump.display());
    let mut w = CliProcess::spawn(env.data_dir(), &["watch", "--json", "--account", &carol, "--on-new-mail", &hook], &envs).expect("watch");
    w.wait_for(Duration::from_secs(30), |e| e["event"] == "account_status" && e["push"] == true).expect("IDLE up");
    let raw = mailbell_e2e::simple("x@example.org", "carol@localhost", "pushed to carol", "hello");
    env.dovecot.append("carol", "INBOX", &raw, &[]).expect("append");
    w.wait_for(Duration::from_secs(30), |e| e["subject"] == "pushed to carol").expect("pushed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !env_dump.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    runs.push(("watch".into(), w.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("stop")));
    assert!(env_dump.exists(), "the hook ran");
    runs.push(("sync dave".into(), run_cli(env.data_dir(), &["sync", "--once", "--json", "--account", &dave], &envs, t).expect("sync")));
    let _ = env.cli(&["account", "remove", &dave]);

    assert_nowhere(&env, CANARY_PW, &runs, std::slice::from_ref(&env_dump));
    assert_nowhere(&env, WRONG_PW, &runs, &[env_dump]);
    let log_lines: usize = runs.iter().map(|(_, r)| r.stderr.lines().count()).sum();
    eprintln!(
        "RUST_LOG={rust_log}: {} runs, {log_lines} log lines, {} files in the data dir: no password anywhere",
        runs.len(),
        mailbell_e2e::files_under(env.data_dir()).len()
    );
}

fn common_run(mut cmd: std::process::Command, stdin: &str) -> Finished {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    Finished {
        status: std::process::ExitStatus::from_raw(out.status.into_raw()),
        lines: String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect(),
        partial: None,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        max_rss_kib: 0,
    }
}

#[test]
fn the_password_is_nowhere_but_the_keyring() {
    password_leak_check("warn");
}

#[test]
fn the_password_is_nowhere_but_the_keyring_even_at_trace_level() {
    password_leak_check("trace");
}

/// Adds an account and runs one sync; returns the sync's output.
fn sync_with(env: &Env, port: u16, security: &str, ca: bool) -> Finished {
    let port = port.to_string();
    let ca_path = env.ca().display().to_string();
    let mut args = vec![
        "account",
        "add",
        "--email",
        "alice@localhost",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--username",
        ALICE,
        "--password-stdin",
    ];
    if !security.is_empty() {
        args.extend_from_slice(&["--security", security]);
    }
    if ca {
        args.extend_from_slice(&["--ca-file", &ca_path]);
    }
    env.cli_with(&args, Some(ALICE_PW), &[]).assert_ok();
    run_cli(env.data_dir(), &["sync", "--once", "--json"], &[], Duration::from_secs(60)).expect("sync")
}

#[track_caller]
fn assert_refused_before_login(env: &Env, run: &Finished, why: &str) {
    assert_eq!(run.status.code(), Some(1), "refused: {}", run.stderr);
    assert!(run.stderr.contains(why), "expected {why:?} in: {}", run.stderr);
    assert_eq!(env.dovecot.login_count(ALICE) + env.dovecot.auth_failure_count(ALICE), 0, "no password reached the server");
    assert!(!run.stderr.contains(ALICE_PW));
}

#[test]
fn an_expired_certificate_is_refused_over_tls_and_starttls() {
    let env = Env::with(DovecotOptions::default().certificate(Certificate::Expired));
    let run = sync_with(&env, env.dovecot.tls_port(), "tls", true);
    assert_refused_before_login(&env, &run, "certificate for 127.0.0.1 is not trusted");
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    let env2 = Env::with(DovecotOptions::default().certificate(Certificate::Expired));
    let run = sync_with(&env2, env2.dovecot.plain_port(), "starttls", true);
    assert_refused_before_login(&env2, &run, "not trusted");
}

#[test]
fn a_certificate_for_another_host_is_refused_over_tls_and_starttls() {
    let env = Env::with(DovecotOptions::default().certificate(Certificate::WrongHost));
    let run = sync_with(&env, env.dovecot.tls_port(), "tls", true);
    assert_refused_before_login(&env, &run, "certificate for 127.0.0.1 is not trusted");
    let env2 = Env::with(DovecotOptions::default().certificate(Certificate::WrongHost));
    let run = sync_with(&env2, env2.dovecot.plain_port(), "starttls", true);
    assert_refused_before_login(&env2, &run, "not trusted");
}

#[test]
fn an_untrusted_certificate_is_refused_over_starttls() {
    let env = Env::start();
    let run = sync_with(&env, env.dovecot.plain_port(), "starttls", false);
    assert_refused_before_login(&env, &run, "not trusted");
}

/// What the injected bytes say, were a client to read them: "no login allowed here", and a
/// completion for the CAPABILITY command a client sends right after the handshake.
const INJECTED: &[u8] =
    b"* CAPABILITY IMAP4rev1 LOGINDISABLED\r\nM0 OK [CAPABILITY IMAP4rev1 LOGINDISABLED] injected before the handshake\r\n";

#[test]
fn bytes_injected_before_the_starttls_handshake_are_discarded() {
    let env = Env::start();
    let front = StarttlsFront::start(&env.dovecot, FrontBehaviour::InjectWithOk(INJECTED.to_vec())).expect("front");
    let run = sync_with(&env, front.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(0), "the injected lines were ignored: {}", run.stderr);
    assert!(front.upgrades() >= 1 && front.relayed() >= 1, "the session went through the front");
    assert_eq!(env.dovecot.settled_count(|d| d.login_count(ALICE), 1), 1, "logged in once, inside TLS");
    assert_eq!(front.cleartext_auth_attempts(), 0);
    env.append("INBOX", "through the injecting front");
    let run = run_cli(env.data_dir(), &["sync", "--once", "--json"], &[], Duration::from_secs(60)).expect("sync");
    assert_eq!(run.new_messages().len(), 1, "{}", run.stderr);
}

/// The control for the test above: the same bytes, sent inside TLS (where they are the
/// server's own words), do change what the client does. So the test above would have seen it.
#[test]
fn the_injected_bytes_would_matter_if_they_were_read() {
    let env = Env::start();
    let front = StarttlsFront::start(&env.dovecot, FrontBehaviour::InjectInsideTls(INJECTED.to_vec())).expect("front");
    let run = sync_with(&env, front.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("LOGINDISABLED") || run.stderr.contains("sent data before it was asked"), "{}", run.stderr);
    assert_eq!(env.dovecot.login_count(ALICE), 0);
}

#[test]
fn bytes_injected_after_the_starttls_ok_break_the_handshake_instead_of_being_read() {
    let env = Env::start();
    let front = StarttlsFront::start(&env.dovecot, FrontBehaviour::InjectAfterOk(INJECTED.to_vec())).expect("front");
    let run = sync_with(&env, front.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("TLS") || run.stderr.contains("certificate"), "{}", run.stderr);
    assert_eq!(front.upgrades(), 0);
    assert_eq!(env.dovecot.login_count(ALICE) + front.cleartext_auth_attempts() as usize, 0, "no password anywhere");
}

#[test]
fn a_refused_starttls_never_falls_back_to_clear_text() {
    let env = Env::start();
    let front = StarttlsFront::start(&env.dovecot, FrontBehaviour::Refuse).expect("front");
    let run = sync_with(&env, front.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("STARTTLS was refused"), "{}", run.stderr);
    assert_eq!(front.cleartext_auth_attempts(), 0, "no LOGIN in clear text after the refusal");
    assert_eq!(env.dovecot.login_count(ALICE), 0);
}

/// The front itself is sound: without misbehaviour, a session through it works.
#[test]
fn an_honest_starttls_front_works() {
    let env = Env::start();
    let front = StarttlsFront::start(&env.dovecot, FrontBehaviour::Honest).expect("front");
    let run = sync_with(&env, front.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert_eq!(front.cleartext_auth_attempts(), 0);
    assert_eq!(env.dovecot.settled_count(|d| d.login_count(ALICE), 1), 1);
}

#[test]
fn logindisabled_is_honoured() {
    // Dovecot treats a client connecting from its own address as secure and would not say
    // LOGINDISABLED to it; through a proxy that connects from 127.0.0.2 it does.
    let env = Env::with(DovecotOptions::default().disable_plaintext_auth(true));
    let proxy = Proxy::start_from(env.dovecot.plain_addr(), ProxyMode::Passthrough, "127.0.0.2".parse().expect("ip")).expect("proxy");
    let run = sync_with(&env, proxy.port(), "plain", false);
    assert_refused_before_login(&env, &run, "LOGINDISABLED");
    let log = env.dovecot.log_text();
    assert!(!log.contains("disallowed plaintext auth") && !log.contains("Plaintext authentication"), "no LOGIN was sent anyway:\n{log}");
    // Over STARTTLS on the same port, login is allowed and works.
    let env2 = Env::with(DovecotOptions::default().disable_plaintext_auth(true));
    let proxy2 = Proxy::start_from(env2.dovecot.plain_addr(), ProxyMode::Passthrough, "127.0.0.2".parse().expect("ip")).expect("proxy");
    let run = sync_with(&env2, proxy2.port(), "starttls", true);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
}

#[test]
fn plain_imap_is_used_only_when_chosen_explicitly() {
    // No --security: TLS, which a plain IMAP port does not speak. No fallback to clear text.
    let env = Env::with(DovecotOptions::default().starttls(false));
    let run = sync_with(&env, env.dovecot.plain_port(), "", false);
    assert_refused_before_login(&env, &run, "TLS");
    // STARTTLS asked for, not offered: refused (also covered in accounts_and_errors).
    let env2 = Env::with(DovecotOptions::default().starttls(false));
    let run = sync_with(&env2, env2.dovecot.plain_port(), "starttls", false);
    assert_refused_before_login(&env2, &run, "does not offer STARTTLS");
    // Chosen explicitly: it works, and `account list` says so.
    let env3 = Env::with(DovecotOptions::default().starttls(false));
    let run = sync_with(&env3, env3.dovecot.plain_port(), "plain", false);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let list = env3.cli(&["account", "list", "--json"]);
    assert_eq!(list.json()[0]["security"], "plain", "{}", list.stdout);
}
