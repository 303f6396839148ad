//! Opening the signed-in session a pass runs on: a password from the keyring, or an OAuth2
//! access token (cached in memory, refreshed with the refresh token from the keyring).

use std::sync::Arc;

use crate::error::SyncError;
use crate::imap::{self, ImapError, ImapSession, ServerConfig, Timeouts};
use crate::model::{Account, OAuthConfig};
use crate::oauth::TokenCache;
use crate::secrets::Secrets;

/// The server settings of an account, as the IMAP layer needs them.
pub fn server_config(account: &Account, timeouts: Timeouts) -> ServerConfig {
    ServerConfig {
        host: account.host.clone(),
        port: account.port,
        security: account.security,
        ca_file: account.ca_file.clone(),
        pinned_sha256: account.pinned_cert_sha256.clone(),
        timeouts,
    }
}

/// Connects and signs in as the account says: with its password, or with an OAuth2 access
/// token (from `tokens`, else refreshed with the refresh token in the keyring). A cached token
/// the server refuses is replaced once by a fresh one; a fresh one refused, or a refresh
/// refused, means the user must sign in again (no retry storm: the worker stops on it).
pub async fn sign_in(account: &Account, secrets: &Arc<Secrets>, tokens: &TokenCache, timeouts: Timeouts) -> Result<ImapSession, SyncError> {
    let cfg = server_config(account, timeouts);
    let Some(oauth) = &account.oauth else {
        // The keyring lookup (a D-Bus round trip or several) and the connection (TCP, TLS,
        // greeting) do not depend on each other: both at once. A keyring failure is still
        // the error reported (the connection opened meanwhile is dropped unused).
        let (secret, opened) = tokio::join!(password_of(secrets, &account.id), imap::open(&cfg));
        let secret = secret?;
        let (stream, caps) = opened?;
        return Ok(imap::login_on(&cfg, stream, &caps, &account.username, &secret).await?);
    };
    let secret = password_of(secrets, &account.id).await?;
    let (token, cached) = match tokens.get(&account.id) {
        Some(t) => (t, true),
        None => (refresh_access(account, oauth, secrets, tokens, &secret).await?, false),
    };
    match imap::login_bearer(&cfg, &account.username, &token).await {
        Err(ImapError::TokenRefused { .. }) if cached => {
            tokens.forget(&account.id);
            tracing::info!(account = %account.id, "the server refused the cached access token: refreshing");
            let token = refresh_access(account, oauth, secrets, tokens, &secret).await?;
            let r = imap::login_bearer(&cfg, &account.username, &token).await;
            if r.is_err() {
                tokens.forget(&account.id);
            }
            Ok(r?)
        }
        Err(e) => {
            tokens.forget(&account.id);
            Err(e.into())
        }
        Ok(s) => Ok(s),
    }
}

/// A new access token into the cache; a rotated refresh token replaces the old one in the
/// keyring.
pub(crate) async fn refresh_access(
    account: &Account,
    oauth: &OAuthConfig,
    secrets: &Arc<Secrets>,
    tokens: &TokenCache,
    refresh_token: &str,
) -> Result<String, SyncError> {
    let fresh = crate::oauth::refresh(oauth, refresh_token).await?;
    if let Some(rotated) = fresh.refresh_token.filter(|t| t != refresh_token) {
        let secrets = Arc::clone(secrets);
        let id = account.id.clone();
        tokio::task::spawn_blocking(move || secrets.set(&id, &rotated))
            .await
            .map_err(|e| SyncError::Internal(format!("keyring task failed: {e}")))??;
    }
    tokens.put(&account.id, fresh.access_token.clone(), fresh.expires_at);
    Ok(fresh.access_token)
}

/// Reads the account's password from the keyring, off the async reactor.
pub async fn password_of(secrets: &Arc<Secrets>, account_id: &str) -> Result<String, SyncError> {
    let secrets = Arc::clone(secrets);
    let id = account_id.to_string();
    tokio::task::spawn_blocking(move || secrets.get(&id))
        .await
        .map_err(|e| SyncError::Internal(format!("keyring task failed: {e}")))?
        .map_err(SyncError::from)
}
