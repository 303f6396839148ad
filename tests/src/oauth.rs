//! A local OAuth 2.0 authorization server for sign-in tests, in-process, on 127.0.0.1 and a
//! random port ([`OAuthServer`]). Dovecot validates its access tokens through the
//! introspection endpoint (see `DovecotOptions::oauth2`).
//!
//! # What it implements
//! - `GET /authorize` (RFC 6749 §4.1.1 with RFC 7636 PKCE): `response_type=code`, `client_id`,
//!   `redirect_uri`, `state`, `code_challenge`, `code_challenge_method=S256` are required,
//!   `scope` and `login_hint` optional. Consent is automatic: a valid request is answered at
//!   once with `302 Found` and `Location: <redirect_uri>?code=<random>&state=<state>` (`&`
//!   instead of `?` when the redirect URI has a query). [`OAuthServer::deny_next_authorization`]
//!   makes the next valid request redirect with `error=access_denied&error_description=..&state=..`
//!   instead. The "browser" is the test: it GETs the authorization URL the app built and follows
//!   the redirect to the app's loopback listener ([`browser_sign_in`] does both).
//! - Redirect URIs: RFC 8252 loopback only, `http://127.0.0.1:<port>/<any path>` or
//!   `http://[::1]:<port>/..`, any port, no fragment; `localhost` and https are refused.
//! - `POST /token` (form body, public client: `client_id` in the body, no secret):
//!   - `grant_type=authorization_code` with `code`, `redirect_uri` (must equal the one of the
//!     authorization request), `client_id` (must be the one the code was issued to) and
//!     `code_verifier` (BASE64URL-NOPAD(SHA-256(verifier)) must equal the challenge). Codes are
//!     single-use (a failed exchange uses the code up too) and expire after 60 s. Answer:
//!     `{"access_token","token_type":"Bearer","expires_in","refresh_token","scope"}`.
//!   - `grant_type=refresh_token` with `refresh_token` and `client_id`: a new access token, with
//!     `"scope"` of the original grant. The refresh token stays the same and is left out of the
//!     answer (as Google does), or is repeated in it
//!     ([`OAuthServer::repeat_refresh_tokens`]), or is rotated: a new one is in the answer and
//!     the old one is dead at once ([`OAuthServer::rotate_refresh_tokens`]).
//!   - Errors are RFC 6749 §5.2 JSON `{"error","error_description"}`: `invalid_request`,
//!     `unsupported_grant_type`, `invalid_grant` (status 400), `invalid_client` (unknown
//!     client id, status 401).
//! - `POST /revoke` (RFC 7009, `token=..`, `token_type_hint` ignored): revoking a refresh
//!   token revokes the whole grant (every refresh and access token from that authorization);
//!   revoking an access token revokes only it. Always 200, also for unknown tokens; 400 only
//!   when `token` is missing.
//! - `POST /introspect` (RFC 7662, `token=..`): for a live access token
//!   `{"active":true,"username","sub","scope","exp","iat","client_id","token_type":"Bearer"}`,
//!   otherwise (expired, revoked, unknown, or a refresh token or code) `{"active":false}`.
//! - `GET /.well-known/oauth-authorization-server` (RFC 8414 metadata).
//! - Test controls: token lifetimes, deny/revoke/rotate switches, counters, and the live tokens,
//!   so a test can compare them with what the app stored.
//!
//! # What it does not implement
//! No consent or login UI, no user passwords (the user is `login_hint` or the default given to
//! [`OAuthServer::start`], taken verbatim), public clients only (no client secrets, no client
//! authentication on any endpoint, introspection included), no implicit/password/
//! client-credentials/device grants, no `plain` PKCE, no OpenID Connect (no ID tokens, no
//! userinfo, no `nonce`), no RFC 9207 `iss` parameter, no scope checks (any scope is granted,
//! a refresh cannot narrow it), no refresh-token reuse detection, no revocation of tokens
//! issued from a code that is used twice (the second use just fails), no JWTs (tokens are
//! opaque random strings), no HTTPS, no rate limits. Invalid authorization requests answer
//! `400` with a text body instead of redirecting with an error (so a test sees the reason).
//! State is kept in memory only.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http::{self, HttpRequest, HttpServer, Reply};

/// The client id every server knows from the start (add more with [`OAuthServer::add_client`]).
pub const CLIENT_ID: &str = "mailbell-test-client";
/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
const DEFAULT_ACCESS_LIFETIME: Duration = Duration::from_secs(3600);

/// What the server has been asked so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OAuthCounters {
    /// Authorization codes issued (redirects with `code=`).
    pub authorizations: u32,
    /// Authorizations answered with `error=access_denied`.
    pub denied_authorizations: u32,
    /// Authorization requests refused with 400.
    pub invalid_authorizations: u32,
    /// `POST /token` with `grant_type=authorization_code`, successful or not.
    pub token_requests_authorization_code: u32,
    /// `POST /token` with `grant_type=refresh_token`, successful or not.
    pub token_requests_refresh_token: u32,
    /// `POST /token` requests answered with an error (any grant type).
    pub token_errors: u32,
    /// `POST /introspect` requests.
    pub introspections: u32,
    /// Of those, the ones answered `"active":true`.
    pub active_introspections: u32,
    /// `POST /revoke` requests.
    pub revocations: u32,
}

/// The local authorization server; see the module documentation. Thread-safe; Drop stops it.
pub struct OAuthServer {
    state: Arc<Mutex<State>>,
    http: HttpServer,
}

struct Grant {
    user: String,
    client_id: String,
    scope: String,
    revoked: bool,
}

struct Code {
    grant: usize,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
    used: bool,
}

struct RefreshToken {
    grant: usize,
    /// False once rotated away or revoked.
    live: bool,
}

struct AccessToken {
    grant: usize,
    issued: SystemTime,
    expires: SystemTime,
    revoked: bool,
}

struct State {
    clients: HashSet<String>,
    default_user: String,
    access_lifetime: Duration,
    deny_next: bool,
    rotate: bool,
    repeat: bool,
    issuer: String,
    grants: Vec<Grant>,
    codes: BTreeMap<String, Code>,
    refresh_tokens: BTreeMap<String, RefreshToken>,
    access_tokens: BTreeMap<String, AccessToken>,
    counters: OAuthCounters,
}

impl OAuthServer {
    /// Starts a server whose authorizations belong to `default_user` unless the request has a
    /// `login_hint`. Knows [`CLIENT_ID`]; access tokens live an hour until changed.
    pub fn start(default_user: &str) -> anyhow::Result<OAuthServer> {
        let state = Arc::new(Mutex::new(State {
            clients: HashSet::from([CLIENT_ID.to_string()]),
            default_user: default_user.to_string(),
            access_lifetime: DEFAULT_ACCESS_LIFETIME,
            deny_next: false,
            rotate: false,
            repeat: false,
            issuer: String::new(),
            grants: Vec::new(),
            codes: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            access_tokens: BTreeMap::new(),
            counters: OAuthCounters::default(),
        }));
        let handler_state = Arc::clone(&state);
        let http = HttpServer::with_handler(move |req| handle(&handler_state, req))?;
        lock(&state).issuer = http.url("");
        Ok(OAuthServer { state, http })
    }

    /// `http://127.0.0.1:<port>`, the issuer identifier.
    pub fn issuer(&self) -> String {
        self.http.url("")
    }
    pub fn authorize_url(&self) -> String {
        self.http.url("/authorize")
    }
    pub fn token_url(&self) -> String {
        self.http.url("/token")
    }
    pub fn revoke_url(&self) -> String {
        self.http.url("/revoke")
    }
    pub fn introspect_url(&self) -> String {
        self.http.url("/introspect")
    }
    /// RFC 8414 metadata document.
    pub fn metadata_url(&self) -> String {
        self.http.url("/.well-known/oauth-authorization-server")
    }

    /// Registers another public client id.
    pub fn add_client(&self, client_id: &str) {
        lock(&self.state).clients.insert(client_id.to_string());
    }

    /// Lifetime of access tokens issued from now on (`expires_in` is it rounded up to whole
    /// seconds; zero gives tokens that are dead on arrival).
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        lock(&self.state).access_lifetime = lifetime;
    }

    /// Makes every access token issued so far expired now (without waiting for it).
    pub fn expire_access_tokens(&self) {
        let now = SystemTime::now();
        for token in lock(&self.state).access_tokens.values_mut() {
            token.expires = token.expires.min(now);
        }
    }

    /// The next valid authorization request is answered with `error=access_denied` (as when the
    /// user clicks "Cancel"); the one after it is granted again.
    pub fn deny_next_authorization(&self) {
        lock(&self.state).deny_next = true;
    }

    /// Revokes every grant, so every refresh and access token issued so far is dead (as when the
    /// user removes the app's access in the provider's account page).
    pub fn revoke_all(&self) {
        for grant in &mut lock(&self.state).grants {
            grant.revoked = true;
        }
    }

    /// On: every refresh answers a new refresh token and kills the one used.
    pub fn rotate_refresh_tokens(&self, on: bool) {
        lock(&self.state).rotate = on;
    }

    /// On (and not rotating): a refresh answer repeats the unchanged refresh token instead of
    /// leaving it out.
    pub fn repeat_refresh_tokens(&self, on: bool) {
        lock(&self.state).repeat = on;
    }

    pub fn counters(&self) -> OAuthCounters {
        lock(&self.state).counters
    }

    /// Refresh tokens that still work, sorted.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        let state = lock(&self.state);
        state.refresh_tokens.iter().filter(|(_, t)| t.live && !state.grants[t.grant].revoked).map(|(k, _)| k.clone()).collect()
    }

    /// Access tokens that still work (not expired, not revoked), sorted.
    pub fn live_access_tokens(&self) -> Vec<String> {
        let state = lock(&self.state);
        let now = SystemTime::now();
        state.access_tokens.keys().filter(|k| state.live_access(k, now).is_some()).cloned().collect()
    }

    /// The user a token (access or refresh) was issued for, live or not.
    pub fn user_of(&self, token: &str) -> Option<String> {
        let state = lock(&self.state);
        let grant = state.access_tokens.get(token).map(|t| t.grant).or_else(|| state.refresh_tokens.get(token).map(|t| t.grant))?;
        Some(state.grants[grant].user.clone())
    }

    /// Request targets received so far (path and query), for debugging a failed test.
    pub fn requests(&self) -> Vec<String> {
        self.http.requests()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    fn live_access(&self, token: &str, now: SystemTime) -> Option<&AccessToken> {
        let t = self.access_tokens.get(token)?;
        (!t.revoked && !self.grants[t.grant].revoked && now < t.expires).then_some(t)
    }

    fn issue_access_token(&mut self, grant: usize) -> (String, u64) {
        let token = random_token("at-");
        let issued = SystemTime::now();
        self.access_tokens.insert(token.clone(), AccessToken { grant, issued, expires: issued + self.access_lifetime, revoked: false });
        let millis = self.access_lifetime.as_millis();
        let expires_in = u64::try_from(millis.div_ceil(1000)).unwrap_or(u64::MAX);
        (token, expires_in)
    }

    fn issue_refresh_token(&mut self, grant: usize) -> String {
        let token = random_token("rt-");
        self.refresh_tokens.insert(token.clone(), RefreshToken { grant, live: true });
        token
    }
}

/// BASE64URL-NOPAD(SHA-256(verifier)), the RFC 7636 `S256` code challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh RFC 7636 code verifier (43 characters of base64url).
pub fn pkce_verifier() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>()))
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn handle(state: &Mutex<State>, req: &HttpRequest) -> Reply {
    match (req.method.as_str(), req.path()) {
        ("GET", "/authorize") => authorize(&mut lock(state), req),
        ("GET", "/.well-known/oauth-authorization-server") => metadata(&lock(state)),
        ("POST", path @ ("/token" | "/revoke" | "/introspect")) => {
            let form_type =
                req.header("content-type").is_some_and(|t| t.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
            let form = Form(req.form());
            let mut state = lock(state);
            if !form_type {
                if path == "/token" {
                    state.counters.token_errors += 1;
                }
                return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
            }
            match path {
                "/token" => {
                    let reply = token(&mut state, &form);
                    if matches!(&reply, Reply::Full { status, .. } if *status != 200) {
                        state.counters.token_errors += 1;
                    }
                    reply
                }
                "/revoke" => revoke(&mut state, &form),
                _ => introspect(&mut state, &form),
            }
        }
        (_, "/authorize" | "/token" | "/revoke" | "/introspect") => Reply::text(405, format!("{} is not allowed here", req.method)),
        _ => Reply::text(404, "no such endpoint"),
    }
}

/// Decoded form or query parameters; a repeated parameter counts as missing (RFC 6749 §3.1).
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let value = values.next()?;
        values.next().is_none().then_some(value.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, String> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("missing, empty or repeated parameter {name}")),
        }
    }
}

fn authorize(state: &mut State, req: &HttpRequest) -> Reply {
    let q = Form(req.query());
    match check_authorize(state, &q) {
        Ok(()) => {}
        Err(reason) => {
            state.counters.invalid_authorizations += 1;
            return Reply::text(400, format!("invalid authorization request: {reason}\n"));
        }
    }
    // Checked above; unwraps cannot fail.
    let redirect_uri = q.get("redirect_uri").unwrap_or_default();
    let client_state = q.get("state").unwrap_or_default();
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    if std::mem::take(&mut state.deny_next) {
        state.counters.denied_authorizations += 1;
        let params = http::encode_form(&[
            ("error", "access_denied"),
            ("error_description", "The user denied access (test switch)"),
            ("state", client_state),
        ]);
        return Reply::Redirect(format!("{redirect_uri}{separator}{params}"));
    }
    let user = q.get("login_hint").filter(|h| !h.is_empty()).unwrap_or(state.default_user.as_str()).to_string();
    state.grants.push(Grant {
        user,
        client_id: q.get("client_id").unwrap_or_default().to_string(),
        scope: q.get("scope").unwrap_or_default().to_string(),
        revoked: false,
    });
    let code = random_token("code-");
    state.codes.insert(
        code.clone(),
        Code {
            grant: state.grants.len() - 1,
            redirect_uri: redirect_uri.to_string(),
            challenge: q.get("code_challenge").unwrap_or_default().to_string(),
            issued: Instant::now(),
            used: false,
        },
    );
    state.counters.authorizations += 1;
    let params = http::encode_form(&[("code", &code), ("state", client_state)]);
    Reply::Redirect(format!("{redirect_uri}{separator}{params}"))
}

fn check_authorize(state: &State, q: &Form) -> Result<(), String> {
    let client_id = q.require("client_id")?;
    if !state.clients.contains(client_id) {
        return Err(format!("unknown client_id {client_id:?}"));
    }
    check_loopback_redirect(q.require("redirect_uri")?)?;
    let response_type = q.require("response_type")?;
    if response_type != "code" {
        return Err(format!("response_type must be code, not {response_type:?}"));
    }
    q.require("state")?;
    let challenge = q.require("code_challenge")?;
    let method = q.require("code_challenge_method")?;
    if method != "S256" {
        return Err(format!("code_challenge_method must be S256, not {method:?}"));
    }
    // 32 bytes of SHA-256 in base64url without padding.
    if challenge.len() != 43 || !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(format!("code_challenge {challenge:?} is not BASE64URL-NOPAD of a SHA-256 hash"));
    }
    Ok(())
}

/// RFC 8252 §7.3: `http://127.0.0.1:<port>/..` or `http://[::1]:<port>/..`.
fn check_loopback_redirect(uri: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("redirect_uri {uri:?} {why}"));
    let Some(rest) = uri.strip_prefix("http://") else {
        return bad("is not an http:// loopback URI");
    };
    if uri.contains('#') {
        return bad("has a fragment");
    }
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let port = if let Some(port) = authority.strip_prefix("127.0.0.1:") {
        port
    } else if let Some(port) = authority.strip_prefix("[::1]:") {
        port
    } else {
        return bad("is not on 127.0.0.1 or [::1] with an explicit port");
    };
    match port.parse::<u16>() {
        Ok(p) if p != 0 => Ok(()),
        _ => bad("has no valid port"),
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(status, &json!({"error": error, "error_description": description}))
}

fn invalid_grant(description: &str) -> Reply {
    oauth_error(400, "invalid_grant", description)
}

fn token(state: &mut State, form: &Form) -> Reply {
    let grant_type = form.get("grant_type").unwrap_or_default();
    match grant_type {
        "authorization_code" => state.counters.token_requests_authorization_code += 1,
        "refresh_token" => state.counters.token_requests_refresh_token += 1,
        "" => return oauth_error(400, "invalid_request", "missing parameter grant_type"),
        other => return oauth_error(400, "unsupported_grant_type", &format!("grant_type {other:?} is not supported")),
    }
    let client_id = match form.require("client_id") {
        Ok(id) => id,
        Err(reason) => return oauth_error(400, "invalid_request", &reason),
    };
    if !state.clients.contains(client_id) {
        return oauth_error(401, "invalid_client", &format!("unknown client_id {client_id:?}"));
    }
    if grant_type == "authorization_code" {
        exchange_code(state, form, client_id)
    } else {
        refresh(state, form, client_id)
    }
}

fn exchange_code(state: &mut State, form: &Form, client_id: &str) -> Reply {
    let (code, redirect_uri, verifier) = match (form.require("code"), form.require("redirect_uri"), form.require("code_verifier")) {
        (Ok(c), Ok(r), Ok(v)) => (c, r, v),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return oauth_error(400, "invalid_request", &e),
    };
    let Some(entry) = state.codes.get_mut(code) else {
        return invalid_grant("unknown authorization code");
    };
    if entry.used {
        return invalid_grant("the authorization code was already used");
    }
    // Any exchange attempt uses the code up, as real servers do.
    entry.used = true;
    if entry.issued.elapsed() > CODE_LIFETIME {
        return invalid_grant("the authorization code has expired");
    }
    let grant = entry.grant;
    if state.grants[grant].client_id != client_id {
        return invalid_grant("the authorization code was issued to another client");
    }
    if entry.redirect_uri != redirect_uri {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    if pkce_challenge(verifier) != entry.challenge {
        return invalid_grant("PKCE verification failed: code_verifier does not match");
    }
    let (access_token, expires_in) = state.issue_access_token(grant);
    let refresh_token = state.issue_refresh_token(grant);
    Reply::json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "refresh_token": refresh_token,
            "scope": state.grants[grant].scope,
        }),
    )
}

fn refresh(state: &mut State, form: &Form, client_id: &str) -> Reply {
    let refresh_token = match form.require("refresh_token") {
        Ok(t) => t.to_string(),
        Err(e) => return oauth_error(400, "invalid_request", &e),
    };
    let Some(entry) = state.refresh_tokens.get(&refresh_token) else {
        return invalid_grant("unknown refresh token");
    };
    let grant = entry.grant;
    if !entry.live {
        return invalid_grant("the refresh token was rotated or revoked");
    }
    if state.grants[grant].revoked {
        return invalid_grant("the grant was revoked");
    }
    if state.grants[grant].client_id != client_id {
        return invalid_grant("the refresh token was issued to another client");
    }
    let (access_token, expires_in) = state.issue_access_token(grant);
    let mut answer = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": state.grants[grant].scope,
    });
    if state.rotate {
        if let Some(old) = state.refresh_tokens.get_mut(&refresh_token) {
            old.live = false;
        }
        answer["refresh_token"] = Value::String(state.issue_refresh_token(grant));
    } else if state.repeat {
        answer["refresh_token"] = Value::String(refresh_token);
    }
    Reply::json(200, &answer)
}

fn revoke(state: &mut State, form: &Form) -> Reply {
    state.counters.revocations += 1;
    let token = match form.require("token") {
        Ok(t) => t,
        Err(e) => return oauth_error(400, "invalid_request", &e),
    };
    if let Some(grant) = state.refresh_tokens.get(token).map(|t| t.grant) {
        state.grants[grant].revoked = true;
    } else if let Some(access) = state.access_tokens.get_mut(token) {
        access.revoked = true;
    }
    Reply::Full { status: 200, headers: Vec::new(), body: Vec::new() }
}

fn introspect(state: &mut State, form: &Form) -> Reply {
    state.counters.introspections += 1;
    let token = form.get("token").unwrap_or_default();
    let Some(access) = state.live_access(token, SystemTime::now()) else {
        return Reply::json(200, &json!({"active": false}));
    };
    let grant = &state.grants[access.grant];
    let answer = json!({
        "active": true,
        "username": grant.user,
        "sub": grant.user,
        "scope": grant.scope,
        "client_id": grant.client_id,
        "token_type": "Bearer",
        "exp": unix_seconds(access.expires),
        "iat": unix_seconds(access.issued),
    });
    state.counters.active_introspections += 1;
    Reply::json(200, &answer)
}

fn metadata(state: &State) -> Reply {
    let issuer = &state.issuer;
    Reply::json(
        200,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "revocation_endpoint": format!("{issuer}/revoke"),
            "introspection_endpoint": format!("{issuer}/introspect"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }),
    )
}

/// What the scripted browser saw: the authorization server's redirect, and the answer of the
/// page it redirected to (the app's loopback listener).
#[derive(Debug, Clone)]
pub struct BrowserVisit {
    /// The `Location` the authorization server redirected to.
    pub redirect: String,
    /// The answer of that location, or `None` when the authorization server did not redirect.
    pub landing: Option<http::HttpResponse>,
    /// The authorization server's own answer (a 302, or a 400 with the reason).
    pub authorization: http::HttpResponse,
}

/// The "browser" step of a sign-in: GETs `authorization_url` (as the app built it) and, if
/// the server redirects, GETs the redirect target (the app's loopback listener), like a
/// browser would. Fails only on network errors; a 400 from the server comes back in
/// [`BrowserVisit::authorization`] with `landing: None`.
pub fn browser_sign_in(authorization_url: &str) -> anyhow::Result<BrowserVisit> {
    let authorization = http::get(authorization_url)?;
    let Some(redirect) = authorization.header("location").filter(|_| authorization.status == 302).map(str::to_string) else {
        return Ok(BrowserVisit { redirect: String::new(), landing: None, authorization });
    };
    let landing = Some(http::get(&redirect)?);
    Ok(BrowserVisit { redirect, landing, authorization })
}
