//! OAuth2 sign-in from the window: what an address offers, the browser flow, the connection
//! test with the token it gave, adding the account, and signing in again after the provider
//! revoked or expired it.
//!
//! Tokens never cross to the window: a finished sign-in is kept here under the window's
//! `run` id (a "grant"), and the window refers to it by that id.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use mailbell_sync::account::{live_test_with, LiveTestReport, NewSecret};
use mailbell_sync::oauth::{self, OAuthConfig, OAuthError, Offer, REDIRECT_WAIT};
use mailbell_sync::{Account, Credential};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;
use tokio::sync::watch;

use crate::bridge::emit_app;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::models::{AccountSetup, AppEvent, ServerSettings};
use crate::setup::{check_server, check_setup, server_config};
use crate::state::AppState;

/// Set (to anything) to show the sign-in URL without launching a browser (tests, servers).
const NO_BROWSER_ENV: &str = "MAILBELL_NO_BROWSER";

struct Grant {
    config: OAuthConfig,
    refresh_token: String,
    access_token: String,
    expires_at: Option<Instant>,
}

/// Sign-ins in progress (to cancel, or to open their page again) and finished ones (to
/// use), by the window's run id.
#[derive(Default)]
pub struct SignIns {
    grants: Mutex<HashMap<u32, Grant>>,
    cancels: Mutex<HashMap<u32, watch::Sender<bool>>>,
    urls: Mutex<HashMap<u32, String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A sign-in's error, next to the sign-in: `message` in the user's language, the engine's English
/// (with the provider's own words) under "Details".
fn oauth_error(e: OAuthError) -> AppError {
    let kind = if matches!(e, OAuthError::Config(_)) { ErrorKind::Invalid } else { ErrorKind::Sync };
    let message = match &e {
        OAuthError::Config(_) => crate::tr!("signin-error-config"),
        OAuthError::Listener(_) => crate::tr!("signin-error-listener"),
        OAuthError::TimedOut(secs) => crate::tr!("signin-error-timed-out", minutes = secs / 60),
        OAuthError::Denied { .. } => crate::tr!("signin-error-denied"),
        OAuthError::Unreachable { url, .. } => crate::tr!("signin-error-unreachable", server = host_of(url)),
        OAuthError::SignInAgain { .. } => crate::tr!("signin-error-sign-in-again"),
        OAuthError::Refused { .. } => crate::tr!("signin-error-refused"),
        OAuthError::BadAnswer(_) => crate::tr!("signin-error-bad-answer"),
    };
    AppError { details: Some(e.to_string()), ..sign_in_error(kind, message) }
}

/// An error about the sign-in, shown next to it.
fn sign_in_error(kind: ErrorKind, message: String) -> AppError {
    AppError { kind, message, field: Some("oauth".into()), problem: None, field_error: None, details: None }
}

/// The host of a sign-in server's URL, for a sentence (the whole URL stays in the details).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest).to_string()
}

/// The OAuth2 sign-in the address's (or server's) provider offers, if any.
pub fn oauth_offer(state: State<'_, AppState>, email: String, host: String) -> AppResult<Option<Offer>> {
    oauth::offer(email.trim(), host.trim(), &state.data_dir).map_err(oauth_error)
}

/// Signs in in the browser as `login` (the user name the server will see, usually the
/// address; the provider pre-fills it): the page is opened (and announced as `sign_in_url`),
/// and the answer awaited for up to five minutes or until `oauth_cancel(run)`.
pub async fn oauth_sign_in(app: AppHandle, run: u32, email: String, host: String, login: String) -> AppResult<()> {
    let data_dir = app.state::<AppState>().data_dir.clone();
    let offer = oauth::offer(email.trim(), host.trim(), &data_dir).map_err(oauth_error)?;
    let Some(Offer { config: Some(config), .. }) = offer else {
        let message = crate::tr!("signin-error-not-offered");
        return Err(AppError { details: offer.and_then(|o| o.unavailable), ..sign_in_error(ErrorKind::Invalid, message) });
    };
    let login = if login.trim().is_empty() { email.trim() } else { login.trim() };
    let grant = browser_flow(&app, run, &config, login).await?;
    lock(&app.state::<SignIns>().grants).insert(run, grant);
    Ok(())
}

/// Stops waiting for the browser in sign-in `run`, or drops its finished sign-in: the refresh
/// token is revoked at the provider (in the background), so an abandoned wizard leaves no
/// live access behind.
pub fn oauth_cancel(sign_ins: State<'_, SignIns>, run: u32) {
    if let Some(tx) = lock(&sign_ins.cancels).remove(&run) {
        let _ = tx.send(true);
    }
    if let Some(g) = lock(&sign_ins.grants).remove(&run) {
        tauri::async_runtime::spawn(async move {
            if let Err(e) = oauth::revoke(&g.config, &g.refresh_token).await {
                tracing::warn!(error = %e, "could not revoke an abandoned sign-in");
            }
        });
    }
}

/// Opens the page of sign-in `run` in the browser again (the user closed it, or none opened).
pub fn oauth_open(app: AppHandle, sign_ins: State<'_, SignIns>, run: u32) -> AppResult<()> {
    let url = lock(&sign_ins.urls).get(&run).cloned();
    let url = url.ok_or_else(|| AppError::invalid(crate::tr!("error-sign-in-over")))?;
    open_browser(&app, &url);
    Ok(())
}

/// Opens a provider's help page, or a link the user clicked in a mail, in the browser. Only
/// https links: the window must not be able to make the desktop open files or other schemes.
pub fn open_link(app: AppHandle, url: String) -> AppResult<()> {
    if !is_help_link(&url) {
        return Err(AppError::invalid(crate::tr!("error-https-only")));
    }
    // Not the address: it may come from a mail.
    tracing::info!("opening a link in the browser");
    open_browser(&app, &url);
    Ok(())
}

/// The live test with the access token of the finished sign-in `grant`.
pub async fn test_connection_signed_in(app: AppHandle, run: u32, server: ServerSettings, grant: u32) -> AppResult<LiveTestReport> {
    let server = check_server(&server)?;
    let token = access_token(&app, grant).await?;
    let cfg = server_config(&server);
    let report = live_test_with(&cfg, &server.username, Credential::Bearer(&token), |step| {
        emit_app(&app, AppEvent::TestStep { run, step: step.clone() });
    })
    .await;
    tracing::info!(host = %report.host, port = report.port, ok = report.ok, problem = ?report.problem, "connection test (OAuth2)");
    Ok(report)
}

/// Saves a new account that signs in with the finished sign-in `grant`.
pub async fn add_oauth_account(app: AppHandle, setup: AccountSetup, grant: u32) -> AppResult<Account> {
    let new = check_setup(&setup)?;
    let engine = app.state::<AppState>().engine()?;
    let Some(g) = lock(&app.state::<SignIns>().grants).remove(&grant) else {
        return Err(sign_in_error(ErrorKind::Invalid, crate::tr!("signin-error-run-out")));
    };
    let secret = NewSecret::OAuth { config: g.config, refresh_token: g.refresh_token };
    let account = engine.add_account(new, setup.quirks.clone(), secret).await?;
    tracing::info!(account = %account.id, host = %account.host, "account added (OAuth2)");
    emit_app(&app, AppEvent::Refresh);
    Ok(account)
}

/// Signs an OAuth2 account in again (the provider expired or revoked its sign-in) and
/// restarts it with the new refresh token.
pub async fn sign_in_again(app: AppHandle, run: u32, account: String) -> AppResult<()> {
    let state = app.state::<AppState>();
    let store = state.store.clone();
    let id = account.clone();
    let found = tauri::async_runtime::spawn_blocking(move || store.account(&id))
        .await
        .map_err(|e| AppError::internal(format!("background task failed: {e}")))??;
    let Some(Account { oauth: Some(config), username, .. }) = found else {
        return Err(AppError::invalid(crate::tr!("error-not-oauth", account = account.as_str())));
    };
    let grant = browser_flow(&app, run, &config, &username).await?;
    state.engine()?.set_password(&account, grant.refresh_token).await?;
    tracing::info!(%account, "signed in again");
    emit_app(&app, AppEvent::Refresh);
    Ok(())
}

async fn browser_flow(app: &AppHandle, run: u32, config: &OAuthConfig, login: &str) -> AppResult<Grant> {
    let auth = oauth::start(config, Some(login)).await.map_err(oauth_error)?;
    let (tx, mut rx) = watch::channel(false);
    lock(&app.state::<SignIns>().cancels).insert(run, tx);
    lock(&app.state::<SignIns>().urls).insert(run, auth.url().to_string());
    emit_app(app, AppEvent::SignInUrl { run, url: auth.url().to_string() });
    if std::env::var_os(NO_BROWSER_ENV).is_none() {
        open_browser(app, auth.url());
    }
    let outcome = tokio::select! {
        r = auth.finish(REDIRECT_WAIT) => Some(r),
        _ = rx.changed() => None,
    };
    lock(&app.state::<SignIns>().cancels).remove(&run);
    lock(&app.state::<SignIns>().urls).remove(&run);
    let tokens = match outcome {
        None => return Err(sign_in_error(ErrorKind::Invalid, crate::tr!("signin-error-cancelled"))),
        Some(r) => r.map_err(oauth_error)?,
    };
    let refresh_token = tokens.refresh_token.ok_or_else(|| oauth_error(OAuthError::BadAnswer("no refresh token".into())))?;
    Ok(Grant { config: config.clone(), refresh_token, access_token: tokens.access_token, expires_at: tokens.expires_at })
}

/// The grant's access token, refreshed when it is about to expire.
async fn access_token(app: &AppHandle, grant: u32) -> AppResult<String> {
    let sign_ins = app.state::<SignIns>();
    let (config, refresh_token, current) = {
        let grants = lock(&sign_ins.grants);
        let Some(g) = grants.get(&grant) else {
            return Err(sign_in_error(ErrorKind::Invalid, crate::tr!("signin-error-run-out")));
        };
        let fresh = g.expires_at.is_none_or(|t| t > Instant::now() + std::time::Duration::from_secs(60));
        (g.config.clone(), g.refresh_token.clone(), fresh.then(|| g.access_token.clone()))
    };
    if let Some(t) = current {
        return Ok(t);
    }
    let t = oauth::refresh(&config, &refresh_token).await.map_err(oauth_error)?;
    if let Some(g) = lock(&sign_ins.grants).get_mut(&grant) {
        g.access_token = t.access_token.clone();
        g.expires_at = t.expires_at;
        if let Some(r) = &t.refresh_token {
            g.refresh_token = r.clone();
        }
    }
    Ok(t.access_token)
}

fn is_help_link(url: &str) -> bool {
    url.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        && url.len() > 8
        && !url.contains(|c: char| c.is_whitespace() || c.is_control())
}

/// The desktop's browser, through Tauri's opener plugin (from Rust only: the window has no
/// opener permission); failing leaves the URL the window shows.
fn open_browser(app: &AppHandle, url: &str) {
    if let Err(e) = app.opener().open_url(url, None::<&str>) {
        tracing::warn!(error = %e, "cannot open a browser");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_error_keeps_the_engine_words_as_details() {
        let e = oauth_error(OAuthError::Unreachable {
            url: "https://login.example.org:8443/token?x=1".into(),
            detail: "connection refused".into(),
        });
        assert_eq!(e.field.as_deref(), Some("oauth"));
        assert!(e.message.contains("login.example.org:8443") && !e.message.contains("/token"), "{}", e.message);
        assert!(e.details.as_deref().is_some_and(|d| d.contains("connection refused")), "{:?}", e.details);
        assert_eq!(host_of("http://127.0.0.1:5000/auth"), "127.0.0.1:5000");
        assert_eq!(host_of("odd"), "odd");
    }

    #[test]
    fn only_https_links_are_opened() {
        assert!(is_help_link("https://support.google.com/mail/answer/185833"));
        assert!(is_help_link("HTTPS://example.org/"));
        for bad in
            ["http://example.org", "file:///etc/passwd", "https://", "javascript:alert(1)", "https://a b", "https://a\nb", "mailto:x@y", ""]
        {
            assert!(!is_help_link(bad), "{bad}");
        }
    }
}
