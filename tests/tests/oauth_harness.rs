//! The OAuth 2.0 test infrastructure against real components: the harness's authorization
//! server (`mailbell_e2e::OAuthServer`) and a private Dovecot validating its tokens by
//! introspection. The sign-in steps are done by hand here, as the app will do them, so these
//! tests pin down what the app can rely on (and what Dovecot 2.3 sends on a failed token).

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use mailbell_e2e::http::{self, encode_form, query_param, HttpServer, Reply};
use mailbell_e2e::imap_raw::{oauthbearer_response, xoauth2_response, AuthExchange};
use mailbell_e2e::oauth::{browser_sign_in, pkce_challenge, pkce_verifier, CLIENT_ID};
use mailbell_e2e::{Dovecot, DovecotOptions, OAuthCounters, OAuthServer, RawImap};
use serde_json::Value;

type TlsImap = RawImap<native_tls::TlsStream<TcpStream>>;

const REDIRECT: &str = "http://127.0.0.1:47123/oauth/callback";

/// The authorization request the app sends, with its PKCE challenge for `verifier`.
fn authorize_url(server: &OAuthServer, redirect_uri: &str, verifier: &str, extra: &[(&str, &str)]) -> String {
    let challenge = pkce_challenge(verifier);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect_uri),
        ("scope", "https://mail.example.test/ offline_access"),
        ("state", "st-42/x y"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    format!("{}?{}", server.authorize_url(), encode_form(&params))
}

/// GETs the authorization URL and returns the code from the redirect.
fn authorize(server: &OAuthServer, verifier: &str, extra: &[(&str, &str)]) -> String {
    let answer = http::get(&authorize_url(server, REDIRECT, verifier, extra)).expect("GET /authorize");
    assert_eq!(answer.status, 302, "{}", answer.text());
    let location = answer.header("location").expect("Location").to_string();
    assert!(location.starts_with(&format!("{REDIRECT}?code=")), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-42/x y"));
    query_param(&location, "code").expect("code")
}

fn exchange(server: &OAuthServer, code: &str, verifier: &str) -> http::HttpResponse {
    http::post_form(
        &server.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ],
    )
    .expect("POST /token")
}

fn refresh(server: &OAuthServer, refresh_token: &str) -> http::HttpResponse {
    http::post_form(&server.token_url(), &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", CLIENT_ID)])
        .expect("POST /token (refresh)")
}

/// A whole sign-in for `login_hint` (empty: the server's default user); the token answer.
fn sign_in(server: &OAuthServer, login_hint: &str) -> Value {
    let verifier = pkce_verifier();
    let extra: Vec<(&str, &str)> = if login_hint.is_empty() { vec![] } else { vec![("login_hint", login_hint)] };
    let code = authorize(server, &verifier, &extra);
    let answer = exchange(server, &code, &verifier);
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json().expect("token JSON")
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("no string {name} in {v}"))
}

#[track_caller]
fn assert_oauth_error(answer: &http::HttpResponse, status: u16, error: &str, description_part: &str) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let v = answer.json().expect("error JSON");
    assert_eq!(v["error"], error, "{v}");
    assert!(field(&v, "error_description").contains(description_part), "{v}");
}

fn introspect(server: &OAuthServer, token: &str) -> Value {
    let answer = http::post_form(&server.introspect_url(), &[("token", token)]).expect("POST /introspect");
    assert_eq!(answer.status, 200);
    answer.json().expect("introspection JSON")
}

fn revoke(server: &OAuthServer, token: &str) {
    let answer = http::post_form(&server.revoke_url(), &[("token", token), ("client_id", CLIENT_ID)]).expect("POST /revoke");
    assert_eq!(answer.status, 200, "{}", answer.text());
}

fn dovecot_for(server: &OAuthServer) -> Dovecot {
    Dovecot::start(DovecotOptions::default().oauth2(server)).expect("Dovecot with the oauth2 passdb")
}

fn imaps(dovecot: &Dovecot) -> TlsImap {
    RawImap::connect_tls(dovecot.tls_addr(), dovecot.ca_cert_path(), "localhost").expect("IMAPS")
}

fn xoauth2(dovecot: &Dovecot, user: &str, token: &str, reply: &str) -> (TlsImap, AuthExchange) {
    let mut imap = imaps(dovecot);
    let exchange = imap.authenticate("XOAUTH2", &xoauth2_response(user, token), reply).expect("AUTHENTICATE XOAUTH2");
    (imap, exchange)
}

fn oauthbearer(dovecot: &Dovecot, user: &str, token: &str, reply: &str) -> (TlsImap, AuthExchange) {
    let mut imap = imaps(dovecot);
    let initial = oauthbearer_response(user, "127.0.0.1", dovecot.tls_port(), token);
    let exchange = imap.authenticate("OAUTHBEARER", &initial, reply).expect("AUTHENTICATE OAUTHBEARER");
    (imap, exchange)
}

/// Both mechanisms log in with `token` and the session works.
#[track_caller]
fn assert_token_logs_in(dovecot: &Dovecot, user: &str, token: &str) {
    for mechanism in ["XOAUTH2", "OAUTHBEARER"] {
        let (mut imap, exchange) =
            if mechanism == "XOAUTH2" { xoauth2(dovecot, user, token, "") } else { oauthbearer(dovecot, user, token, "") };
        assert!(exchange.response.is_ok(), "{mechanism}: {exchange:?}\n{}", dovecot.log_text());
        assert!(exchange.challenges.is_empty(), "{mechanism}: {exchange:?}");
        let list = imap.command_ok("LIST \"\" \"*\"").expect("LIST after token login");
        assert!(list.untagged.iter().any(|l| l.ends_with(" INBOX") || l.ends_with(" \"INBOX\"")), "{list:?}");
        imap.command_ok("LOGOUT").expect("LOGOUT");
    }
}

/// What Dovecot 2.3.19 answers a token it does not accept (unknown, expired, revoked, or
/// issued to another user): one continuation request carrying an error JSON, then, whatever
/// the client answers (an empty line, or RFC 7628's `AQ==`), a tagged
/// `NO [AUTHENTICATIONFAILED] Authentication failed.`; `*` instead gets
/// `BAD Authentication aborted by client.`. Byte-exact lines:
/// - XOAUTH2: `+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=`, which is
///   `{"status":"401","schemes":"bearer","scope":"mail"}`;
/// - OAUTHBEARER: `+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=`, which is `{"status":"invalid_token"}`
///   (no `schemes`/`scope`, unlike RFC 7628's example).
const XOAUTH2_FAILURE_B64: &str = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";
const XOAUTH2_FAILURE_JSON: &str = r#"{"status":"401","schemes":"bearer","scope":"mail"}"#;
const OAUTHBEARER_FAILURE_B64: &str = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=";
const OAUTHBEARER_FAILURE_JSON: &str = r#"{"status":"invalid_token"}"#;
const AUTH_FAILED: &str = "NO [AUTHENTICATIONFAILED] Authentication failed.";

#[track_caller]
fn assert_token_refused(dovecot: &Dovecot, user: &str, token: &str) {
    let (_, x) = xoauth2(dovecot, user, token, "");
    assert_eq!(x.challenges, vec![XOAUTH2_FAILURE_B64.to_string()], "{x:?}");
    assert_eq!(x.decoded_challenges(), vec![XOAUTH2_FAILURE_JSON.to_string()]);
    assert_eq!(x.response.status, AUTH_FAILED, "{x:?}");
    let (_, o) = oauthbearer(dovecot, user, token, "");
    assert_eq!(o.challenges, vec![OAUTHBEARER_FAILURE_B64.to_string()], "{o:?}");
    assert_eq!(o.decoded_challenges(), vec![OAUTHBEARER_FAILURE_JSON.to_string()]);
    assert_eq!(o.response.status, AUTH_FAILED, "{o:?}");
}

// ---------------------------------------------------------------------------------------
// The authorization server on its own.

#[test]
fn pkce_challenge_matches_rfc_7636_appendix_b() {
    fn shareable<T: Send + Sync>() {}
    shareable::<OAuthServer>();
    assert_eq!(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let v = pkce_verifier();
    assert_eq!(v.len(), 43, "{v}");
    assert_ne!(v, pkce_verifier());
}

#[test]
fn authorization_code_with_pkce_by_hand_yields_tokens() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let verifier = pkce_verifier();

    // A wrong verifier is refused, and uses the code up.
    let code = authorize(&server, &verifier, &[]);
    assert_oauth_error(&exchange(&server, &code, &pkce_verifier()), 400, "invalid_grant", "PKCE");
    assert_oauth_error(&exchange(&server, &code, &verifier), 400, "invalid_grant", "already used");

    // The right one gets tokens, once.
    let code = authorize(&server, &verifier, &[]);
    let answer = exchange(&server, &code, &verifier);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let tokens = answer.json().expect("JSON");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "https://mail.example.test/ offline_access");
    let (access, refresh_token) = (field(&tokens, "access_token"), field(&tokens, "refresh_token"));
    assert_ne!(access, refresh_token);
    assert_eq!(server.live_refresh_tokens(), vec![refresh_token.to_string()]);
    assert_eq!(server.live_access_tokens(), vec![access.to_string()]);
    assert_eq!(server.user_of(access).as_deref(), Some("alice"));
    assert_oauth_error(&exchange(&server, &code, &verifier), 400, "invalid_grant", "already used");

    let v = introspect(&server, access);
    assert_eq!((v["active"].as_bool(), v["username"].as_str(), v["token_type"].as_str()), (Some(true), Some("alice"), Some("Bearer")));
    assert!(v["exp"].as_u64().expect("exp") > v["iat"].as_u64().expect("iat"), "{v}");
    assert_eq!(introspect(&server, refresh_token), serde_json::json!({"active": false}), "only access tokens are active");

    // The code is bound to its redirect_uri and client; bad parameters are named.
    let code = authorize(&server, &verifier, &[]);
    let wrong_redirect = http::post_form(
        &server.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:1/other"),
            ("client_id", CLIENT_ID),
            ("code_verifier", &verifier),
        ],
    )
    .expect("POST");
    assert_oauth_error(&wrong_redirect, 400, "invalid_grant", "redirect_uri");
    let no_verifier = http::post_form(
        &server.token_url(),
        &[("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", REDIRECT), ("client_id", CLIENT_ID)],
    )
    .expect("POST");
    assert_oauth_error(&no_verifier, 400, "invalid_request", "code_verifier");
    let unknown_client = http::post_form(
        &server.token_url(),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", "someone-else")],
    )
    .expect("POST");
    assert_oauth_error(&unknown_client, 401, "invalid_client", "someone-else");
    let password_grant = http::post_form(&server.token_url(), &[("grant_type", "password"), ("client_id", CLIENT_ID)]).expect("POST");
    assert_oauth_error(&password_grant, 400, "unsupported_grant_type", "password");

    // login_hint picks the user.
    let bob = sign_in(&server, "bob");
    assert_eq!(introspect(&server, field(&bob, "access_token"))["username"], "bob");

    let c = server.counters();
    assert_eq!(
        c,
        OAuthCounters {
            authorizations: 4,
            token_requests_authorization_code: 7,
            token_requests_refresh_token: 1,
            token_errors: 7,
            introspections: 3,
            active_introspections: 2,
            ..OAuthCounters::default()
        }
    );
}

#[test]
fn invalid_authorization_requests_get_400_and_a_reason() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let verifier = pkce_verifier();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("client_id", "unknown-app")], "unknown client_id"),
        (vec![("redirect_uri", "http://localhost:4000/cb")], "not on 127.0.0.1"),
        (vec![("redirect_uri", "https://127.0.0.1:4000/cb")], "not an http:// loopback"),
        (vec![("redirect_uri", "http://127.0.0.1/cb")], "explicit port"),
        (vec![("response_type", "token")], "response_type must be code"),
        (vec![("code_challenge_method", "plain")], "must be S256"),
        (vec![("code_challenge", "short")], "not BASE64URL-NOPAD"),
        (vec![("state", "")], "state"),
    ];
    for (overrides, reason) in cases {
        // Parameters given twice count as missing, so override by rebuilding the query.
        let challenge = pkce_challenge(&verifier);
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in &overrides {
            params.iter_mut().filter(|(pk, _)| pk == k).for_each(|p| p.1 = v);
        }
        let answer = http::get(&format!("{}?{}", server.authorize_url(), encode_form(&params))).expect("GET");
        assert_eq!(answer.status, 400, "{overrides:?}: {}", answer.text());
        assert!(answer.text().contains(reason), "{overrides:?}: {}", answer.text());
    }
    // IPv6 loopback is a valid redirect too (RFC 8252 §7.3).
    let url = authorize_url(&server, "http://[::1]:4000/cb", &verifier, &[]);
    let answer = http::get(&url).expect("GET");
    assert_eq!(answer.status, 302, "{}", answer.text());
    assert_eq!(server.counters().invalid_authorizations, 8);
    assert_eq!(server.counters().authorizations, 1);
}

#[test]
fn the_scripted_browser_lands_on_the_apps_loopback_listener_and_denial_is_redirected_too() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    // Stands in for the app's loopback listener.
    let app = HttpServer::start().expect("loopback listener");
    app.route("/callback", Reply::text(200, "You can close this window."));
    let redirect_uri = app.url("/callback");
    let verifier = pkce_verifier();

    let visit = browser_sign_in(&authorize_url(&server, &redirect_uri, &verifier, &[("login_hint", "alice")])).expect("browser");
    assert_eq!(visit.authorization.status, 302);
    let landing = visit.landing.expect("followed the redirect");
    assert_eq!((landing.status, landing.text().as_str()), (200, "You can close this window."));
    let received = app.requests();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(received[0].starts_with("/callback?code=") && received[0].ends_with("&state=st-42%2Fx+y"), "{received:?}");
    let code = query_param(&visit.redirect, "code").expect("code");
    let answer = http::post_form(
        &server.token_url(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("client_id", CLIENT_ID),
            ("code_verifier", &verifier),
        ],
    )
    .expect("POST /token");
    assert_eq!(answer.status, 200, "{}", answer.text());

    // "Cancel" in the browser: the app gets error=access_denied with its state, and no code.
    server.deny_next_authorization();
    let visit = browser_sign_in(&authorize_url(&server, &redirect_uri, &verifier, &[])).expect("browser");
    assert_eq!(query_param(&visit.redirect, "error").as_deref(), Some("access_denied"), "{}", visit.redirect);
    assert_eq!(query_param(&visit.redirect, "state").as_deref(), Some("st-42/x y"));
    assert_eq!(query_param(&visit.redirect, "code"), None);
    assert!(visit.landing.is_some());
    // Only the next one was denied.
    let visit = browser_sign_in(&authorize_url(&server, &redirect_uri, &verifier, &[])).expect("browser");
    assert!(query_param(&visit.redirect, "code").is_some(), "{}", visit.redirect);

    // A refused request never reaches the app.
    let visit = browser_sign_in(&authorize_url(&server, "http://localhost:1/cb", &verifier, &[])).expect("browser");
    assert_eq!((visit.authorization.status, visit.landing.is_none()), (400, true));
    assert_eq!(app.requests().len(), 3);
    let c = server.counters();
    assert_eq!((c.authorizations, c.denied_authorizations, c.invalid_authorizations), (2, 1, 1));

    // RFC 8414 metadata names the endpoints.
    let meta = http::get(&server.metadata_url()).expect("metadata").json().expect("JSON");
    assert_eq!(meta["issuer"], server.issuer());
    assert_eq!(meta["token_endpoint"], server.token_url());
    assert_eq!(meta["code_challenge_methods_supported"], serde_json::json!(["S256"]));

    // Drop stops the server.
    let token_url = server.token_url();
    drop(server);
    assert!(http::post_form(&token_url, &[("grant_type", "refresh_token")]).is_err(), "still answering after drop");
}

// ---------------------------------------------------------------------------------------
// Dovecot validating the tokens.

#[test]
fn dovecot_logs_in_with_xoauth2_and_oauthbearer_and_passwords_still_work() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let dovecot = dovecot_for(&server);
    let caps = imaps(&dovecot).capabilities().expect("CAPABILITY");
    for cap in ["AUTH=PLAIN", "AUTH=LOGIN", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "SASL-IR"] {
        assert!(caps.iter().any(|c| c == cap), "{cap} missing from {caps:?}");
    }
    let tokens = sign_in(&server, "");
    assert_token_logs_in(&dovecot, "alice", field(&tokens, "access_token"));
    // Dovecot lower-cases the SASL user (username_format %Lu) before comparing it with the token's.
    let (_, x) = xoauth2(&dovecot, "Alice", field(&tokens, "access_token"), "");
    assert!(x.response.is_ok(), "{x:?}");

    let mut imap = imaps(&dovecot);
    assert!(imap.login("alice", "alice-secret-pw").expect("LOGIN").is_ok(), "passwords keep working");
    // A token is not a password, and the token passdb is not asked for PLAIN/LOGIN.
    let mut imap = imaps(&dovecot);
    assert!(!imap.login("alice", field(&tokens, "access_token")).expect("LOGIN").is_ok());

    assert_eq!(dovecot.settled_count(|d| d.login_count("alice"), 4), 4, "{}", dovecot.log_text());
    assert_eq!(server.counters().introspections, 3, "one introspection per token login, no cache");
    assert_eq!(server.counters().active_introspections, 3);
    assert!(dovecot.log_text().contains("method=OAUTHBEARER"), "the log names the mechanism");
}

#[test]
fn bad_tokens_get_the_error_continuation_then_no() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let dovecot = Dovecot::start(DovecotOptions::default().oauth2(&server).user("bob", "bob-secret-pw")).expect("Dovecot");
    let garbage = "at-this-token-was-never-issued";
    assert_token_refused(&dovecot, "alice", garbage);

    // Someone else's token.
    let bob = sign_in(&server, "bob");
    assert_token_logs_in(&dovecot, "bob", field(&bob, "access_token"));
    assert_token_refused(&dovecot, "alice", field(&bob, "access_token"));
    assert!(dovecot.log_text().contains("Username 'alice' did not match 'bob'"), "{}", dovecot.log_text());

    // Expired.
    let tokens = sign_in(&server, "");
    let access = field(&tokens, "access_token");
    assert_token_logs_in(&dovecot, "alice", access);
    server.expire_access_tokens();
    assert_token_refused(&dovecot, "alice", access);
    server.set_access_token_lifetime(Duration::ZERO);
    let dead = sign_in(&server, "");
    assert_eq!(dead["expires_in"], 0);
    assert_token_refused(&dovecot, "alice", field(&dead, "access_token"));

    // Revoked (the auth cache is off, so the very next login sees it).
    server.set_access_token_lifetime(Duration::from_secs(3600));
    let tokens = sign_in(&server, "");
    let access = field(&tokens, "access_token");
    assert_token_logs_in(&dovecot, "alice", access);
    revoke(&server, access);
    assert_token_refused(&dovecot, "alice", access);
    assert!(dovecot.log_text().contains("oauth2 failed: Introspection failed: Provided token is not valid"));

    // The client's answer to the continuation: RFC 7628's %x01 also ends in NO, `*` cancels.
    let (_, o) = oauthbearer(&dovecot, "alice", garbage, "AQ==");
    assert_eq!((o.challenges.len(), o.response.status.as_str()), (1, AUTH_FAILED));
    let (_, x) = xoauth2(&dovecot, "alice", garbage, "*");
    assert_eq!((x.challenges.len(), x.response.status.as_str()), (1, "BAD Authentication aborted by client."));
    // The connection is still usable after a failed AUTHENTICATE.
    let (mut imap, _) = xoauth2(&dovecot, "alice", garbage, "");
    assert!(imap.login("alice", "alice-secret-pw").expect("LOGIN").is_ok());

    // A malformed SASL message fails at once, without a continuation.
    let mut imap = imaps(&dovecot);
    let x = imap.authenticate("XOAUTH2", "!!!", "").expect("AUTHENTICATE");
    assert_eq!((x.challenges.len(), x.response.status.as_str()), (0, "BAD Invalid base64 data in initial response"));
    let x = imap.authenticate("OAUTHBEARER", &xoauth2_response("alice", garbage), "").expect("AUTHENTICATE");
    assert_eq!((x.challenges.len(), x.response.status.as_str()), (0, AUTH_FAILED), "no GS2 header");
}

#[test]
fn an_unreachable_token_server_is_a_temporary_failure_not_a_bad_token() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let dovecot = dovecot_for(&server);
    let tokens = sign_in(&server, "");
    drop(server);
    let (_, x) = xoauth2(&dovecot, "alice", field(&tokens, "access_token"), "");
    assert!(x.challenges.is_empty(), "{x:?}");
    assert!(x.response.status.starts_with("NO [UNAVAILABLE] Temporary authentication failure."), "{x:?}");
    let (_, o) = oauthbearer(&dovecot, "alice", field(&tokens, "access_token"), "");
    assert!(o.challenges.is_empty() && o.response.status.starts_with("NO [UNAVAILABLE] "), "{o:?}");
}

#[test]
fn refresh_gives_a_working_token_and_revocation_ends_the_grant() {
    let server = OAuthServer::start("alice").expect("OAuth server");
    let dovecot = dovecot_for(&server);
    server.set_access_token_lifetime(Duration::from_secs(2));
    let issued = Instant::now();
    let tokens = sign_in(&server, "");
    assert_eq!(tokens["expires_in"], 2);
    let (first, refresh_token) = (field(&tokens, "access_token").to_string(), field(&tokens, "refresh_token").to_string());
    assert_token_logs_in(&dovecot, "alice", &first);

    // Refresh before expiry: a second live token, the refresh token stays and is not repeated.
    let answer = refresh(&server, &refresh_token);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let renewed = answer.json().expect("JSON");
    assert_eq!((renewed["token_type"].as_str(), renewed["expires_in"].as_u64()), (Some("Bearer"), Some(2)));
    assert!(renewed.get("refresh_token").is_none(), "{renewed}");
    let second = field(&renewed, "access_token").to_string();
    assert_ne!(second, first);
    assert_token_logs_in(&dovecot, "alice", &second);

    // After expiry the old token fails; a refresh brings a working one.
    thread::sleep(Duration::from_millis(2100).saturating_sub(issued.elapsed()));
    let before = Instant::now();
    while introspect(&server, &first)["active"] == true {
        assert!(before.elapsed() < Duration::from_secs(3), "the first token never expired");
        thread::sleep(Duration::from_millis(50));
    }
    assert_token_refused(&dovecot, "alice", &first);
    server.set_access_token_lifetime(Duration::from_secs(3600));
    let third = field(&refresh(&server, &refresh_token).json().expect("JSON"), "access_token").to_string();
    assert_token_logs_in(&dovecot, "alice", &third);

    // Repeating, then rotating refresh tokens.
    server.repeat_refresh_tokens(true);
    let repeated = refresh(&server, &refresh_token).json().expect("JSON");
    assert_eq!(repeated["refresh_token"], refresh_token.as_str());
    server.rotate_refresh_tokens(true);
    let rotated = refresh(&server, &refresh_token).json().expect("JSON");
    let new_refresh = field(&rotated, "refresh_token").to_string();
    assert_ne!(new_refresh, refresh_token);
    assert_eq!(server.live_refresh_tokens(), vec![new_refresh.clone()], "the keyring must now hold the new one");
    assert_oauth_error(&refresh(&server, &refresh_token), 400, "invalid_grant", "rotated");
    let fourth = field(&rotated, "access_token").to_string();
    assert_token_logs_in(&dovecot, "alice", &fourth);
    assert_token_logs_in(&dovecot, "alice", &third);

    // Revoking the refresh token ends the grant: its access tokens too, at the next login.
    revoke(&server, &new_refresh);
    for token in [&third, &fourth] {
        assert_eq!(introspect(&server, token), serde_json::json!({"active": false}));
        assert_token_refused(&dovecot, "alice", token);
    }
    assert_oauth_error(&refresh(&server, &new_refresh), 400, "invalid_grant", "revoked");
    assert!(server.live_refresh_tokens().is_empty());
    assert!(server.live_access_tokens().is_empty());
    revoke(&server, "never-issued");

    // revoke_all() is the user removing the app's access at the provider.
    let other = sign_in(&server, "");
    assert_token_logs_in(&dovecot, "alice", field(&other, "access_token"));
    server.revoke_all();
    assert_token_refused(&dovecot, "alice", field(&other, "access_token"));
    assert_oauth_error(&refresh(&server, field(&other, "refresh_token")), 400, "invalid_grant", "revoked");

    let c = server.counters();
    assert_eq!((c.token_requests_authorization_code, c.token_requests_refresh_token, c.revocations), (2, 7, 2));
    assert_eq!(c.token_errors, 3);
}
