//! Trusting one certificate, against the real CLI, the real keyring and a real Dovecot whose
//! certificate no system root signed:
//! - unpinned, a pass fails with the problem `cert_untrusted`, carrying the certificate the
//!   server presents and its SHA-256 fingerprint (also in the CLI's error text), and sends no
//!   password;
//! - `account trust-cert --sha256` pins it, and the account works;
//! - the server gets another certificate: the account stops with `cert_changed` (the engine
//!   schedules no further pass) and sends no password; `--forget` unpins.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_sync::{EngineOptions, Event, ProblemKind, Timeouts};
use serde_json::Value;

/// Adds alice on the TLS port without the test CA: her server's certificate is not trusted.
fn add_alice_without_ca(env: &Env) -> String {
    env.add_user_without_ca(ALICE, ALICE_PW, env.dovecot.tls_port(), &["--interval", "3600"])
}

/// The account's last `account_status` event of a `sync --once --json` run.
fn account_status(out: &common::Out) -> Value {
    out.events().into_iter().rfind(|e| e["event"] == "account_status").unwrap_or_else(|| panic!("no account_status:\n{}", out.stdout))
}

#[test]
fn an_untrusted_certificate_is_shown_pinned_and_a_changed_one_stops_the_account() {
    let mut env = Env::start();
    let id = add_alice_without_ca(&env);
    let fingerprint = env.dovecot.server_cert_sha256().expect("fingerprint");

    // Unpinned: refused before login, with the certificate and its fingerprint.
    let out = env.sync();
    assert_ne!(out.code, Some(0), "{}", out.stderr);
    let status = account_status(&out);
    assert_eq!(status["state"], "error", "{status:#}");
    let problem = &status["problem"];
    assert_eq!(problem["kind"], "cert_untrusted", "{status:#}");
    assert_eq!(problem["host"], "127.0.0.1");
    assert_eq!(problem["certificate"]["sha256_fingerprint"], fingerprint.as_str(), "{problem:#}");
    assert_eq!(problem["certificate"]["subject"], "CN=localhost");
    assert!(!problem["details"].as_str().unwrap_or_default().is_empty(), "OpenSSL's reason is the details: {problem:#}");
    // `error` stays, and names the fingerprint for a CLI user.
    assert!(status["error"].as_str().is_some_and(|e| e.contains(&fingerprint)), "{status:#}");
    assert!(out.stderr.contains(&fingerprint), "the CLI's error names the fingerprint: {}", out.stderr);
    assert_eq!(env.dovecot.login_count(ALICE), 0, "no login over an untrusted connection");

    // A malformed fingerprint is a usage error naming the flag.
    let bad = env.cli(&["account", "trust-cert", &id, "--sha256", "AB:CD"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("--sha256"), "{}", bad.stderr);

    // Pinned (typed in lower case without colons, as from another tool): the account works.
    let typed = fingerprint.replace(':', "").to_lowercase();
    env.cli(&["account", "trust-cert", &id, "--sha256", &typed]).assert_ok();
    let listed = env.cli(&["account", "list", "--json"]);
    listed.assert_ok();
    assert_eq!(listed.json()[0]["pinned_cert_sha256"], fingerprint.as_str(), "{}", listed.stdout);
    let out = env.sync();
    out.assert_ok();
    let status = account_status(&out);
    assert_eq!((status["state"].as_str(), &status["problem"]), (Some("ok"), &Value::Null), "{status:#}");
    // The first pass took the baseline; mail that comes now is news.
    env.append("INBOX", "Behind a self-made certificate");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["Behind a self-made certificate".to_string()]);
    let logins = env.dovecot.settled_count(|d| d.login_count(ALICE), 2);
    assert_eq!(logins, 2);

    // The server now presents another certificate: the running engine stops the account.
    env.dovecot.renew_certificate().expect("new certificate");
    let renewed = env.dovecot.server_cert_sha256().expect("fingerprint");
    assert_ne!(renewed, fingerprint);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let engine = env.engine(EngineOptions {
            timeouts: Timeouts { connect: Duration::from_secs(5), response: Duration::from_secs(10) },
            push: false,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_millis(500),
            ..EngineOptions::default()
        });
        let mut rx = engine.subscribe();
        engine.start(Some(&id)).expect("start");
        let deadline = Instant::now() + Duration::from_secs(60);
        let stopped = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, rx.recv()).await.expect("no cert_changed status came").expect("events") {
                Event::AccountStatus(a) if a.problem.is_some() => break a,
                _ => {}
            }
        };
        let problem = stopped.problem.clone().expect("problem");
        assert_eq!(problem.kind, ProblemKind::CertChanged, "{stopped:#?}");
        assert_eq!(problem.pinned_sha256.as_deref(), Some(fingerprint.as_str()));
        assert_eq!(problem.certificate.as_ref().map(|c| c.sha256_fingerprint.as_str()), Some(renewed.as_str()));
        // Stopped: no next pass is scheduled, whatever the back-off would have done; it
        // waits for the user to review the certificate.
        assert_eq!(stopped.next_pass_at, None, "{stopped:#?}");
        assert!(stopped.error.as_deref().is_some_and(|e| e.contains("changed")), "{stopped:#?}");
        // Asking for a check while stopped changes nothing: still the same problem, still no
        // login (the statuses the engine keeps say so once the worker has answered).
        engine.shutdown().await;
    });
    assert_eq!(env.dovecot.login_count(ALICE), logins, "no password was sent to the changed certificate");

    // The one-shot CLI says the same, with both fingerprints in its words.
    let out = env.sync();
    assert_ne!(out.code, Some(0));
    let status = account_status(&out);
    assert_eq!(status["problem"]["kind"], "cert_changed", "{status:#}");
    assert!(out.stderr.contains(&fingerprint) && out.stderr.contains(&renewed), "{}", out.stderr);

    // Forgetting the pin goes back to verifying the chain: untrusted again, not changed.
    env.cli(&["account", "trust-cert", &id, "--forget"]).assert_ok();
    let out = env.sync();
    assert_eq!(account_status(&out)["problem"]["kind"], "cert_untrusted", "{}", out.stdout);
    assert_eq!(env.dovecot.login_count(ALICE), logins);
}

/// A certificate trusted with the CLI while `watch` runs (as the app's engine runs beside it)
/// reaches the running engine: its account watch sees the pin, reconnects the account, and it
/// works, with no restart.
#[test]
fn a_certificate_trusted_with_the_cli_reaches_a_running_engine() {
    let env = Env::start();
    let id = add_alice_without_ca(&env);
    let fingerprint = env.dovecot.server_cert_sha256().expect("fingerprint");
    let account_state = |v: &Value, state: &str| v["event"] == "account_status" && v["state"] == state;

    let mut watch = mailbell_e2e::cli::CliProcess::spawn(env.data_dir(), &["watch", "--json"], &[]).expect("spawn watch");
    let refused = watch.wait_for(Duration::from_secs(60), |v| account_state(v, "error")).expect("the untrusted certificate refused");
    assert_eq!(refused["problem"]["kind"], "cert_untrusted", "{refused:#}");

    env.cli(&["account", "trust-cert", &id, "--sha256", &fingerprint]).assert_ok();
    let ok = watch.wait_for(Duration::from_secs(60), |v| account_state(v, "ok"));
    assert!(ok.is_some(), "the running engine never used the pin: {:?}", watch.lines());
    assert_eq!(env.dovecot.settled_count(|d| d.login_count(ALICE), 1), 1, "logged in once, with the pin");

    let finished = watch.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("watch stops");
    assert!(
        finished.stderr.contains(&format!("reconnecting account {id}: another program changed its connection settings")),
        "{}",
        finished.stderr
    );
}
