//! The live connection test against the real Dovecot: each outcome the setup wizard and
//! `account check` show, with the server's own words and advice that says what to do.

mod common;

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::{Certificate, Dovecot, DovecotOptions, Proxy, ProxyMode};
use mailbell_sync::account::{live_test, live_test_with_progress, Advice, Field, LiveTestReport, Problem, Step, StepStatus};
use mailbell_sync::{Security, ServerConfig, Timeouts};

fn cfg(host: &str, port: u16, security: Security, ca: Option<&Dovecot>) -> ServerConfig {
    ServerConfig {
        host: host.to_string(),
        port,
        security,
        ca_file: ca.map(|d| d.ca_cert_path().display().to_string()),
        pinned_sha256: None,
        timeouts: Timeouts { connect: Duration::from_secs(5), response: Duration::from_secs(10) },
    }
}

fn statuses(r: &LiveTestReport) -> Vec<(Step, StepStatus)> {
    r.steps.iter().map(|s| (s.step, s.status)).collect()
}

fn json(r: &LiveTestReport) -> String {
    serde_json::to_string(r).expect("serialise")
}

use Step::{Authenticate, Connect, ListFolders, Secure};
use StepStatus::{Failed, Ok as Passed, Skipped};

#[tokio::test]
async fn success_over_tls_lists_the_folders_with_counts() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    dovecot.create_folder(ALICE, "Work").expect("folder");
    let raw = mailbell_e2e::simple("Bob <bob@example.org>", "alice@localhost", "hello", "body");
    dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    dovecot.append(ALICE, "INBOX", &raw, &["\\Seen"]).expect("append");

    let r = live_test(&cfg("127.0.0.1", dovecot.tls_port(), Security::Tls, Some(&dovecot)), ALICE, ALICE_PW).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(statuses(&r), vec![(Connect, Passed), (Secure, Passed), (Authenticate, Passed), (ListFolders, Passed)]);
    assert_eq!((r.problem, r.advice.as_deref(), r.field), (None, None, None));
    let secure = &r.step(Secure).unwrap().detail;
    assert!(secure.contains("TLS") && secure.contains("CN=localhost") && secure.contains("Mailbell Test CA"), "{secure}");
    assert!(r.capabilities.iter().any(|c| c == "IMAP4REV1"), "{:?}", r.capabilities);

    let inbox = &r.folders[0];
    assert_eq!(inbox.name, "INBOX", "INBOX first");
    assert_eq!((inbox.messages, inbox.unseen), (Some(2), Some(1)), "counts from LIST-STATUS");
    assert!(inbox.watched_by_default);
    let work = r.folders.iter().find(|f| f.name == "Work").expect("Work");
    assert!(work.watched_by_default && work.special_use.is_none());
    let junk = r.folders.iter().find(|f| f.special_use.as_deref() == Some("\\Junk")).expect("a \\Junk folder");
    assert!(!junk.watched_by_default);
    assert!(r.step(ListFolders).unwrap().detail.contains(&format!("{} folders", r.folders.len())));
    assert!(!json(&r).contains(ALICE_PW), "the password is never in the report");
}

#[tokio::test]
async fn success_over_starttls_and_plain() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let r = live_test(&cfg("localhost", dovecot.plain_port(), Security::Starttls, Some(&dovecot)), ALICE, ALICE_PW).await;
    assert!(r.ok, "{r:#?}");
    assert!(r.step(Secure).unwrap().detail.starts_with("STARTTLS"), "{:?}", r.step(Secure));

    let r = live_test(&cfg("127.0.0.1", dovecot.plain_port(), Security::Plain, None), ALICE, ALICE_PW).await;
    assert!(r.ok, "{r:#?}");
    assert_eq!(r.step(Secure).unwrap().status, Skipped);
    assert!(r.step(Secure).unwrap().detail.contains("not encrypted"));
}

#[tokio::test]
async fn a_wrong_password_shows_dovecots_words() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let wrong = "not-alices-password-93";
    let r = live_test(&cfg("127.0.0.1", dovecot.tls_port(), Security::Tls, Some(&dovecot)), ALICE, wrong).await;
    assert!(!r.ok);
    assert_eq!(statuses(&r), vec![(Connect, Passed), (Secure, Passed), (Authenticate, Failed), (ListFolders, Skipped)]);
    assert_eq!((r.problem, r.field), (Some(Problem::AuthFailed), Some(Field::Password)));
    let detail = &r.step(Authenticate).unwrap().detail;
    assert!(detail.contains("[AUTHENTICATIONFAILED] Authentication failed"), "Dovecot's own words: {detail}");
    assert!(r.advice.as_deref().unwrap().contains("password"), "{:?}", r.advice);
    assert_eq!(r.advice_kind, Some(Advice::CheckPassword), "the window says the advice from its kind");
    assert!(!json(&r).contains(wrong), "the password is never in the report");
    assert_eq!(dovecot.settled_count(|d| d.auth_failure_count(ALICE), 1), 1, "one attempt");
}

#[tokio::test]
async fn progress_reports_each_step_as_it_ends_in_order() {
    // The wizard shows steps as they end: the reports seen one by one are the report's steps,
    // the failed one carrying the problem already.
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    for (password, ok) in [(ALICE_PW, true), ("wrong-password-77", false)] {
        let mut seen = Vec::new();
        let r = live_test_with_progress(&cfg("127.0.0.1", dovecot.tls_port(), Security::Tls, Some(&dovecot)), ALICE, password, |s| {
            seen.push(s.clone())
        })
        .await;
        assert_eq!(r.ok, ok);
        assert_eq!(seen, r.steps, "progress = the report's steps, in order");
    }
}

#[tokio::test]
async fn a_provider_that_needs_an_app_password_says_so_with_its_link() {
    // The user name's domain is Gmail's: the advice comes from the built-in table.
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let r = live_test(&cfg("127.0.0.1", dovecot.tls_port(), Security::Tls, Some(&dovecot)), "someone@gmail.com", "google-password").await;
    assert_eq!(r.problem, Some(Problem::AuthFailed));
    let provider = r.provider.as_ref().expect("provider");
    assert_eq!(provider.id, "gmail");
    let advice = r.advice.as_deref().unwrap();
    assert!(advice.contains("app password") && advice.contains("https://support.google.com/"), "{advice}");
    assert_eq!(r.advice_kind, Some(Advice::ProviderSpecialPassword));
    let r = live_test(&cfg("127.0.0.1", dovecot.tls_port(), Security::Tls, Some(&dovecot)), "someone@outlook.com", "pw").await;
    assert!(r.advice.as_deref().unwrap().contains("OAuth"), "{:?}", r.advice);
    assert_eq!(r.advice_kind, Some(Advice::ProviderOauth));
}

fn openssl_fingerprint(cert: &std::path::Path) -> String {
    let out = Command::new("openssl").args(["x509", "-noout", "-fingerprint", "-sha256", "-in"]).arg(cert).output().expect("openssl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.trim().rsplit('=').next().unwrap_or("").to_string()
}

#[tokio::test]
async fn an_untrusted_certificate_is_shown_with_its_fingerprint() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    for (security, port) in [(Security::Tls, dovecot.tls_port()), (Security::Starttls, dovecot.plain_port())] {
        let r = live_test(&cfg("127.0.0.1", port, security, None), ALICE, ALICE_PW).await;
        assert_eq!(statuses(&r), vec![(Connect, Passed), (Secure, Failed), (Authenticate, Skipped), (ListFolders, Skipped)], "{security}");
        assert_eq!((r.problem, r.field), (Some(Problem::UntrustedCertificate), Some(Field::CaFile)));
        let c = r.certificate.as_ref().expect("certificate details");
        assert_eq!(c.subject, "CN=localhost");
        assert_eq!(c.issuer, "CN=Mailbell Test CA");
        assert_eq!(c.sha256_fingerprint, openssl_fingerprint(dovecot.server_cert_path()));
        assert!(c.names.contains(&"localhost".to_string()) && c.names.contains(&"127.0.0.1".to_string()), "{:?}", c.names);
        assert!(!c.self_signed && !c.expired);
        let detail = &r.step(Secure).unwrap().detail;
        assert!(detail.contains(&c.sha256_fingerprint) && detail.contains("CN=localhost"), "{detail}");
        assert!(r.advice.as_deref().unwrap().contains("CA file"), "{:?}", r.advice);
        assert_eq!(r.advice_kind, Some(Advice::TrustCa));
        assert_eq!(dovecot.login_count(ALICE), 0, "never logged in over the unverified connection");
    }
}

#[tokio::test]
async fn expired_and_wrong_host_certificates_get_their_own_advice() {
    let expired = Dovecot::start(DovecotOptions::default().certificate(Certificate::Expired)).expect("dovecot");
    let r = live_test(&cfg("127.0.0.1", expired.tls_port(), Security::Tls, Some(&expired)), ALICE, ALICE_PW).await;
    assert_eq!(r.problem, Some(Problem::UntrustedCertificate));
    assert!(r.certificate.as_ref().unwrap().expired);
    assert!(r.advice.as_deref().unwrap().contains("expired"), "{:?}", r.advice);
    assert_eq!(r.advice_kind, Some(Advice::CertificateExpired));

    let wrong = Dovecot::start(DovecotOptions::default().certificate(Certificate::WrongHost)).expect("dovecot");
    let r = live_test(&cfg("127.0.0.1", wrong.tls_port(), Security::Tls, Some(&wrong)), ALICE, ALICE_PW).await;
    assert_eq!(r.problem, Some(Problem::UntrustedCertificate));
    assert!(r.advice.as_deref().unwrap().contains("mail.example.org"), "{:?}", r.advice);
    assert_eq!(r.advice_kind, Some(Advice::CertificateNameMismatch));
}

#[tokio::test]
async fn a_server_without_starttls_is_refused_before_the_password() {
    let dovecot = Dovecot::start(DovecotOptions::default().starttls(false)).expect("dovecot");
    let r = live_test(&cfg("127.0.0.1", dovecot.plain_port(), Security::Starttls, None), ALICE, ALICE_PW).await;
    assert_eq!(statuses(&r), vec![(Connect, Passed), (Secure, Failed), (Authenticate, Skipped), (ListFolders, Skipped)]);
    assert_eq!((r.problem, r.field), (Some(Problem::StarttlsNotOffered), Some(Field::Security)));
    assert!(r.step(Secure).unwrap().detail.contains("does not offer STARTTLS"));
    assert!(r.advice.as_deref().unwrap().contains("unencrypted"), "{:?}", r.advice);
    assert!(!r.capabilities.iter().any(|c| c == "STARTTLS"));
    assert_eq!(dovecot.login_count(ALICE) + dovecot.auth_failure_count(ALICE), 0, "the password was never sent");
}

#[tokio::test]
async fn implicit_tls_on_a_plain_port_says_to_check_the_port() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let r = live_test(&cfg("127.0.0.1", dovecot.plain_port(), Security::Tls, Some(&dovecot)), ALICE, ALICE_PW).await;
    assert_eq!(statuses(&r), vec![(Connect, Passed), (Secure, Failed), (Authenticate, Skipped), (ListFolders, Skipped)]);
    assert_eq!((r.problem, r.field), (Some(Problem::TlsFailed), Some(Field::Security)), "{r:#?}");
    assert!(r.advice.as_deref().unwrap().contains("port"), "{:?}", r.advice);
}

#[tokio::test]
async fn login_disabled_on_a_plain_connection() {
    let dovecot = Dovecot::start(DovecotOptions::default().disable_plaintext_auth(true)).expect("dovecot");
    // From another loopback address, so that Dovecot does not count the connection as secure.
    let proxy = Proxy::start_from(dovecot.plain_addr(), ProxyMode::Passthrough, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).expect("proxy");
    let r = live_test(&cfg("127.0.0.1", proxy.port(), Security::Plain, None), ALICE, ALICE_PW).await;
    assert_eq!(r.problem, Some(Problem::LoginDisabled), "{r:#?}");
    assert_eq!(r.step(Authenticate).unwrap().status, Failed);
}

#[tokio::test]
async fn nothing_listening_and_unknown_hosts_fail_at_connect() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let r = live_test(&cfg("127.0.0.1", port, Security::Tls, None), ALICE, ALICE_PW).await;
    assert_eq!(statuses(&r), vec![(Connect, Failed), (Secure, Skipped), (Authenticate, Skipped), (ListFolders, Skipped)]);
    assert_eq!((r.problem, r.field), (Some(Problem::ConnectionRefused), Some(Field::Port)));
    assert!(r.step(Connect).unwrap().detail.contains("connection refused"), "{:?}", r.step(Connect));
    assert!(r.advice.as_deref().unwrap().contains("993"), "{:?}", r.advice);

    let r = live_test(&cfg("no-such-host.invalid", 993, Security::Tls, None), ALICE, ALICE_PW).await;
    assert_eq!((r.problem, r.field), (Some(Problem::HostNotFound), Some(Field::Host)), "{r:#?}");
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_configured_bound() {
    let dovecot = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let proxy = Proxy::start(dovecot.tls_addr(), ProxyMode::Stall).expect("proxy");
    let mut c = cfg("127.0.0.1", proxy.port(), Security::Tls, Some(&dovecot));
    c.timeouts = Timeouts { connect: Duration::from_secs(1), response: Duration::from_secs(1) };
    let started = Instant::now();
    let r = live_test(&c, ALICE, ALICE_PW).await;
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    assert_eq!(r.problem, Some(Problem::TimedOut), "{r:#?}");
    assert_eq!(r.step(Connect).unwrap().status, Passed, "the proxy accepts");
    assert_eq!(r.step(Secure).unwrap().status, Failed);
}

// ---------------------------------------------------------------------------------------
// `account check`.

#[test]
fn cli_check_reports_each_step_and_exits_by_the_outcome() {
    let env = Env::start();
    let id = env.add_alice();
    let out = env.cli(&["account", "check", &id, "--json"]);
    out.assert_ok();
    let v = out.json();
    assert_eq!(v["ok"], true);
    let steps: Vec<(&str, &str)> =
        v["steps"].as_array().unwrap().iter().map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap())).collect();
    assert_eq!(steps, vec![("connect", "ok"), ("secure", "ok"), ("authenticate", "ok"), ("list_folders", "ok")]);
    assert_eq!(v["folders"][0]["name"], "INBOX");

    let out = env.cli(&["account", "check", &id]);
    out.assert_ok();
    assert!(out.stdout.contains("authenticate  ok"), "{}", out.stdout);
    assert!(out.stdout.contains("* INBOX"), "{}", out.stdout);

    // A wrong password: the server's words, exit 1, the password nowhere.
    let wrong = "wrong-pw-for-check-5";
    let bad = env.add_user(ALICE, wrong, &[]);
    let out = env.cli(&["account", "check", &bad]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("authenticate  FAILED") && out.stdout.contains("Authentication failed"), "{}", out.stdout);
    assert!(out.stdout.contains("what to do:"), "{}", out.stdout);
    assert!(out.stderr.contains("the connection test failed at authenticate"), "{}", out.stderr);
    let out = env.cli(&["account", "check", &bad, "--json"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.json()["problem"], "auth_failed");
    assert!(!out.stdout.contains(wrong) && !out.stderr.contains(wrong));

    let out = env.cli(&["account", "check", "no-such-id"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}

#[test]
fn cli_check_shows_an_untrusted_certificate() {
    let env = Env::start();
    let port = env.dovecot.tls_port().to_string();
    let out = env.cli_with(
        &["account", "add", "--email", "alice@localhost", "--host", "127.0.0.1", "--port", &port, "--username", ALICE, "--password-stdin"],
        Some(ALICE_PW),
        &[],
    );
    out.assert_ok();
    let id = out.stdout.trim().to_string();
    let out = env.cli(&["account", "check", &id]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let fp = openssl_fingerprint(env.dovecot.server_cert_path());
    assert!(out.stdout.contains("secure        FAILED") && out.stdout.contains(&fp), "{}", out.stdout);
    assert!(out.stdout.contains("subject   CN=localhost") && out.stdout.contains("--ca-file"), "{}", out.stdout);
}
