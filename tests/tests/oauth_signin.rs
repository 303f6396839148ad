//! OAuth2 sign-in end to end, with real components only: the harness's OAuth2 authorization
//! server on loopback, Dovecot validating tokens against its introspection endpoint, the real
//! keyring, and the real `mailbell-cli` (whose browser step the test plays by following the
//! consent redirect to the CLI's loopback listener).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Env, Out, ALICE};
use mailbell_e2e::oauth::{browser_sign_in, CLIENT_ID};
use mailbell_e2e::{cli_bin, keyring_lookup, DovecotOptions, OAuthServer};
use mailbell_sync::account::{live_test_with, Field, Problem};
use mailbell_sync::oauth::TokenCache;
use mailbell_sync::{sign_in, Secrets, Store, SyncError};
use mailbell_sync::{AccountState, Engine, EngineOptions, Event};
use mailbell_sync::{Credential, ImapError, Security, ServerConfig, Timeouts};

fn env_with(server: &OAuthServer) -> Env {
    Env::with(DovecotOptions::default().oauth2(server))
}

/// `account add --oauth` as a user would run it on a machine without a browser: the URL from
/// stderr is "opened" by the scripted browser, the CLI finishes. Returns (account id, stderr).
fn add_with_oauth(env: &Env, server: &OAuthServer) -> (String, String) {
    let port = env.dovecot.tls_port().to_string();
    let ca = env.ca();
    let mut child = Command::new(cli_bin().expect("cli"))
        .arg("--data-dir")
        .arg(env.data_dir())
        .args(["account", "add", "--email", "alice@localhost", "--host", "127.0.0.1", "--port", &port, "--username", ALICE])
        .arg("--ca-file")
        .arg(&ca)
        .args(["--oauth", "--no-browser", "--oauth-client-id", CLIENT_ID, "--oauth-scopes", "mail"])
        .args([
            "--oauth-authorize-url",
            &server.authorize_url(),
            "--oauth-token-url",
            &server.token_url(),
            "--oauth-revoke-url",
            &server.revoke_url(),
        ])
        .env_remove("MAILBELL_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mailbell-cli");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut said = String::new();
    let url = loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).expect("read stderr");
        assert!(n > 0, "the CLI ended without printing a sign-in URL:\n{said}");
        said.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("http://").map(|rest| format!("http://{rest}")) {
            break u;
        }
    };
    assert!(said.contains("open this page"), "{said}");
    let visit = browser_sign_in(&url).expect("browser step");
    let landing = visit.landing.expect("redirected to the CLI's listener");
    assert_eq!(landing.status, 200, "{landing:?}");
    assert!(landing.text().contains("signed in"), "{}", landing.text());
    let out = child.wait_with_output().expect("wait");
    let rest = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "account add --oauth failed: {said}{rest}");
    (String::from_utf8_lossy(&out.stdout).trim().to_string(), format!("{said}{rest}"))
}

/// The files under `dir` (the database, its WAL, logs) whose bytes contain `needle`.
fn files_contain(dir: &Path, needle: &str) -> Vec<String> {
    mailbell_e2e::files_under(dir)
        .into_iter()
        .filter(|f| std::fs::read(f).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes())))
        .map(|f| f.display().to_string())
        .collect()
}

#[test]
fn the_cli_signs_in_with_pkce_and_syncs_with_the_token_keeping_it_out_of_every_file() {
    // Dovecot offers OAUTHBEARER and XOAUTH2 here: the standard one is chosen.
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    let (id, said) = add_with_oauth(&env, &server);

    // The keyring holds the refresh token the server issued, and nothing else knows it.
    let refresh = server.live_refresh_tokens();
    assert_eq!(refresh.len(), 1, "one grant");
    assert_eq!(keyring_lookup("mailbell", &id).expect("keyring").as_deref(), Some(refresh[0].as_str()));
    let listed = env.cli(&["account", "list", "--json"]);
    listed.assert_ok();
    assert_eq!(listed.json()[0]["oauth"]["token_url"], server.token_url());

    env.sync().assert_ok();
    env.append("INBOX", "hello over oauth");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["hello over oauth"]);
    let checked = env.cli(&["account", "check", &id]);
    checked.assert_ok();
    assert!(checked.stdout.contains("ok"), "{}", checked.stdout);

    let c = server.counters();
    assert_eq!(c.token_requests_authorization_code, 1);
    assert!(c.token_requests_refresh_token >= 3, "each CLI run refreshes its access token: {c:?}");
    assert_eq!(env.dovecot.auth_failure_count(ALICE), 0, "no login was refused");
    assert!(env.dovecot.log_text().contains("method=OAUTHBEARER"), "OAUTHBEARER preferred");

    let mut secrets = refresh.clone();
    secrets.extend(server.live_access_tokens());
    for s in &secrets {
        assert!(files_contain(env.data_dir(), s).is_empty(), "a token is in {:?}", files_contain(env.data_dir(), s));
        assert!(
            !said.contains(s) && !out.stdout.contains(s) && !out.stderr.contains(s) && !checked.stdout.contains(s),
            "a token was printed"
        );
    }
}

#[test]
fn a_revoked_sign_in_asks_to_sign_in_again_and_removal_revokes() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    let (id, _) = add_with_oauth(&env, &server);
    env.sync().assert_ok();

    server.revoke_all();
    let out: Out = env.sync();
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(out.stderr.contains("sign in again") || out.stdout.contains("sign in again"), "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    let status = env.status();
    let inbox = status.iter().find(|f| f["folder"] == "INBOX").expect("INBOX row");
    assert!(inbox["last_error"].as_str().is_some_and(|e| e.contains("sign in again")), "{inbox}");

    // Removing the account revokes (what is left of) its sign-in and deletes the token.
    let before = server.counters().revocations;
    env.cli(&["account", "remove", &id]).assert_ok();
    assert_eq!(server.counters().revocations, before + 1);
    assert_eq!(keyring_lookup("mailbell", &id).expect("keyring"), None);
}

fn engine_for(env: &Env) -> Engine {
    let store = Store::open_dir(env.data_dir()).expect("store");
    let secrets = Arc::new(Secrets::open().expect("keyring"));
    let opts = EngineOptions {
        timeouts: Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(5) },
        push: false,
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        ..EngineOptions::default()
    };
    Engine::new(store, secrets, opts, None)
}

async fn wait_for_state(rx: &mut tokio::sync::broadcast::Receiver<Event>, want: AccountState) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(Event::AccountStatus(a))) if a.state == want => return a.error,
            Ok(Ok(_)) => {}
            other => panic!("waiting for {want:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_reused_refreshed_before_expiry_rotated_and_replaced_once_when_refused() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    let (id, _) = tokio::task::block_in_place(|| add_with_oauth(&env, &server));
    let store = Store::open_dir(env.data_dir()).expect("store");
    let account = store.account(&id).expect("read").expect("account");
    let secrets = Arc::new(Secrets::open().expect("keyring"));
    let cache = TokenCache::new();
    let timeouts = Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(5) };
    let refreshes = || server.counters().token_requests_refresh_token;

    // A token with an hour to live is reused by the next login.
    let r0 = refreshes();
    sign_in(&account, &secrets, &cache, timeouts).await.expect("sign in").logout().await;
    sign_in(&account, &secrets, &cache, timeouts).await.expect("sign in").logout().await;
    assert_eq!(refreshes(), r0 + 1, "one refresh for two logins");

    // Tokens that live 3 s are inside the one-minute margin: refreshed before each login, and
    // rotated refresh tokens replace the one in the keyring.
    server.set_access_token_lifetime(Duration::from_secs(3));
    server.rotate_refresh_tokens(true);
    cache.forget(&id);
    for _ in 0..2 {
        sign_in(&account, &secrets, &cache, timeouts).await.expect("sign in").logout().await;
    }
    assert_eq!(refreshes(), r0 + 3);
    let live = server.live_refresh_tokens();
    assert_eq!(live.len(), 1, "rotation leaves one live refresh token: {live:?}");
    assert_eq!(keyring_lookup("mailbell", &id).expect("keyring"), live.first().cloned(), "the keyring follows the rotation");
    assert_eq!(env.dovecot.auth_failure_count(ALICE), 0, "no login was refused so far");

    // A cached token the server stops accepting early is replaced once.
    server.set_access_token_lifetime(Duration::from_secs(3600));
    cache.forget(&id);
    sign_in(&account, &secrets, &cache, timeouts).await.expect("sign in").logout().await;
    server.expire_access_tokens();
    let before = refreshes();
    sign_in(&account, &secrets, &cache, timeouts).await.expect("signed in after one refresh").logout().await;
    assert_eq!(refreshes(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_test_names_a_refused_token_and_a_server_without_oauth() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    let cfg = ServerConfig {
        host: "127.0.0.1".into(),
        port: env.dovecot.tls_port(),
        security: Security::Tls,
        ca_file: Some(env.ca().display().to_string()),
        pinned_sha256: None,
        timeouts: Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(5) },
    };
    let r = live_test_with(&cfg, ALICE, Credential::Bearer("not-a-token"), |_| {}).await;
    assert_eq!((r.problem, r.field), (Some(Problem::TokenRefused), Some(Field::Oauth)), "{r:#?}");
    assert!(r.advice.as_deref().is_some_and(|a| a.contains("sign in again")), "{:?}", r.advice);

    // A Dovecot without the oauth2 passdb offers no bearer mechanism.
    let plain = Env::start();
    let cfg = ServerConfig { port: plain.dovecot.tls_port(), ca_file: Some(plain.ca().display().to_string()), ..cfg };
    let r = live_test_with(&cfg, ALICE, Credential::Bearer("token"), |_| {}).await;
    assert_eq!((r.problem, r.field), (Some(Problem::OauthNotOffered), Some(Field::Oauth)), "{r:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_check_that_cannot_run_is_temporary_not_a_reason_to_sign_in_again() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    let (id, _) = tokio::task::block_in_place(|| add_with_oauth(&env, &server));
    let account = Store::open_dir(env.data_dir()).expect("store").account(&id).expect("read").expect("account");
    let secrets = Arc::new(Secrets::open().expect("keyring"));
    let cache = TokenCache::new();
    let timeouts = Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(10) };
    sign_in(&account, &secrets, &cache, timeouts).await.expect("sign in").logout().await;
    // The identity server goes away: Dovecot cannot introspect the (cached, valid) token and
    // answers NO [UNAVAILABLE]. That is the server's trouble, retried with backoff.
    drop(server);
    let e = sign_in(&account, &secrets, &cache, timeouts).await.expect_err("introspection is down");
    assert!(matches!(e, SyncError::Imap(ImapError::LoginUnavailable { .. })), "{e:?}");
    assert!(!e.needs_user() && !e.is_auth_failure(), "{e}");
    assert_eq!(e.account_state(), AccountState::Error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_xoauth2_only_gets_xoauth2() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = Env::with(DovecotOptions { oauth2_mechanisms: vec!["xoauth2".into()], ..DovecotOptions::default().oauth2(&server) });
    let (id, _) = tokio::task::block_in_place(|| add_with_oauth(&env, &server));
    let store = Store::open_dir(env.data_dir()).expect("store");
    let account = store.account(&id).expect("read").expect("account");
    let secrets = Arc::new(Secrets::open().expect("keyring"));
    let timeouts = Timeouts { connect: Duration::from_secs(3), response: Duration::from_secs(5) };
    sign_in(&account, &secrets, &TokenCache::new(), timeouts).await.expect("signed in with XOAUTH2").logout().await;
    let log = env.dovecot.log_text();
    assert!(log.contains("method=XOAUTH2"), "Dovecot saw an XOAUTH2 login:\n{log}");
    assert!(!log.contains("method=OAUTHBEARER"), "and no OAUTHBEARER one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_sign_in_stops_the_engine_worker_without_a_retry_storm() {
    let server = OAuthServer::start(ALICE).expect("oauth server");
    let env = env_with(&server);
    tokio::task::block_in_place(|| add_with_oauth(&env, &server));
    server.revoke_all();

    let engine = engine_for(&env);
    let mut rx = engine.subscribe();
    engine.start(None).expect("start");
    let error = wait_for_state(&mut rx, AccountState::AuthFailed).await;
    assert!(error.as_deref().is_some_and(|e| e.contains("sign in again")), "{error:?}");
    let settled = server.counters().token_requests_refresh_token;
    assert_eq!(settled, 1, "one refresh was tried");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(server.counters().token_requests_refresh_token, settled, "no retry storm after a revocation");
    engine.shutdown().await;
}
