//! An account's whole life, written once for the CLI and the app: the rules its settings must
//! meet ([`spec`]), the live connection test that checks them against the server
//! ([`live_test`]), and the changes that touch the keyring and the store together: add,
//! change the password (or sign-in), remove.
//!
//! The keyring and the store are two places that must agree: a row exists only if its secret
//! does, so each change undoes its first half when the second fails. These calls block (the
//! keyring and SQLite both do): async callers run them on `spawn_blocking`. The engine wraps
//! them to start and stop workers as accounts come and go.

mod live_test;
mod spec;

use std::sync::Arc;

pub use crate::error::{AccountField, FieldError, FieldProblem};
pub use live_test::{
    live_test, live_test_with, live_test_with_progress, Advice, Field, FolderInfo, LiveTestReport, Problem, ProviderInfo, Step, StepReport,
    StepStatus,
};
pub use spec::{check_ca_file, check_email, check_host, check_password, check_port, check_username, AccountSpec};

use crate::error::SyncError;
use crate::imap::{Credential, Timeouts};
use crate::model::{Account, NewAccount, OAuthConfig};
use crate::oauth::TokenCache;
use crate::secrets::Secrets;
use crate::store::Store;

/// What an account signs in with; it goes to the keyring, never to the store.
pub enum NewSecret {
    Password(String),
    /// OAuth2: the sign-in settings (stored with the account) and the refresh token.
    OAuth {
        config: OAuthConfig,
        refresh_token: String,
    },
}

/// Refuses a second account with the same address, server and port. The engine's
/// [`crate::Engine::add_account`] (the app's wizard) applies it: a person who sets up an
/// account that is already there made a mistake. `account add` in the CLI does not: its
/// contract lets a script watch one mailbox twice, e.g. with two folder sets.
pub fn refuse_duplicate(store: &Store, new: &NewAccount) -> Result<(), SyncError> {
    let duplicate = store
        .accounts()?
        .into_iter()
        .any(|a| a.email.eq_ignore_ascii_case(&new.email) && a.host.eq_ignore_ascii_case(&new.host) && a.port == new.port);
    if duplicate {
        return Err(FieldError::of(
            AccountField::Email,
            FieldProblem::AlreadySetUp,
            "This account is already set up: change it under Accounts instead.",
        )
        .into());
    }
    Ok(())
}

/// Saves a checked account and its secret, and its quirks if any. The secret is stored first,
/// under the new account's id, and the row then in one statement: whoever reads the store (a
/// running `watch`, the app) never sees an account without its secret, and a failure leaves
/// nothing behind.
pub fn add(store: &Store, secrets: &Secrets, new: &NewAccount, quirks: &[String], secret: NewSecret) -> Result<Account, SyncError> {
    let (value, oauth) = match secret {
        NewSecret::Password(p) => {
            check_password(&p)?;
            (p, None)
        }
        NewSecret::OAuth { config, refresh_token } => (refresh_token, Some(config)),
    };
    let id = crate::store::new_account_id();
    secrets.set(&id, &value)?;
    store.insert_account(&id, new, quirks, oauth.as_ref()).map_err(|e| {
        let _ = secrets.delete(&id);
        SyncError::from(e)
    })
}

/// Replaces the account's password (or, after signing in again, its refresh token).
/// Trusts exactly the server certificate with this SHA-256 fingerprint for the account (any
/// case, colons optional), or verifies the chain again (`None`). Returns the pin as kept.
pub fn pin_certificate(store: &Store, account_id: &str, sha256: Option<&str>) -> Result<Option<String>, SyncError> {
    let pin = match sha256 {
        Some(text) => Some(crate::net::normalise_sha256(text).ok_or_else(|| {
            FieldError::of(
                AccountField::Certificate,
                FieldProblem::Invalid,
                format!("{text:?} is not a SHA-256 fingerprint: it has 64 hexadecimal digits (colons optional)"),
            )
            .with_value(text)
        })?),
        None => None,
    };
    store.set_account_pinned_cert(account_id, pin.as_deref())?;
    Ok(pin)
}

pub fn set_secret(secrets: &Secrets, account_id: &str, secret: &str) -> Result<(), SyncError> {
    check_password(secret)?;
    Ok(secrets.set(account_id, secret)?)
}

/// The live test of a saved account, signed in as a sync would: with the password from the
/// keyring, or with a fresh access token from its refresh token (a rotated refresh token is
/// kept). What `mailbell-cli account check` shows.
pub async fn check(secrets: &Arc<Secrets>, account: &Account, timeouts: Timeouts) -> Result<LiveTestReport, SyncError> {
    let secret = crate::sync::password_of(secrets, &account.id).await?;
    let cfg = crate::sync::server_config(account, timeouts);
    Ok(match &account.oauth {
        None => live_test(&cfg, &account.username, &secret).await,
        Some(oauth) => {
            let access = crate::sync::refresh_access(account, oauth, secrets, &TokenCache::new(), &secret).await?;
            live_test_with(&cfg, &account.username, Credential::Bearer(&access), |_| {}).await
        }
    })
}

/// What became of an OAuth2 account's sign-in when it was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// A password account, or a provider without a revocation endpoint: nothing to revoke.
    None,
    /// The provider revoked the refresh token.
    Revoked { provider: String },
    /// The provider could not be reached or refused: the token was deleted here all the same.
    Failed { provider: String, error: String },
}

/// Removes an account: its sign-in is revoked at the provider where it has an endpoint for
/// that (best effort: a provider out of reach does not keep the account), then the keyring
/// entry goes, then its data. Keyring first: a row without a password is visible and
/// recoverable, a password left behind for a deleted account is not. `None` when there was
/// no such account.
pub async fn remove(store: &Store, secrets: &Arc<Secrets>, account_id: &str) -> Result<Option<Revocation>, SyncError> {
    let (store2, id) = (store.clone(), account_id.to_string());
    let account = blocking(move || Ok(store2.account(&id)?)).await?;
    let Some(account) = account else { return Ok(None) };
    let revocation = revoke_sign_in(secrets, &account).await;
    match &revocation {
        Revocation::Revoked { .. } => tracing::info!(account = %account.id, "sign-in revoked at the provider"),
        Revocation::Failed { error, .. } => tracing::warn!(account = %account.id, %error, "could not revoke the sign-in at the provider"),
        Revocation::None => {}
    }
    let (store, secrets, id) = (store.clone(), Arc::clone(secrets), account_id.to_string());
    blocking(move || {
        secrets.delete(&id)?;
        store.remove_account(&id)?;
        Ok(())
    })
    .await?;
    Ok(Some(revocation))
}

/// Revokes an OAuth2 account's refresh token at the provider, if it has one and an endpoint.
async fn revoke_sign_in(secrets: &Arc<Secrets>, account: &Account) -> Revocation {
    let Some(oauth) = &account.oauth else { return Revocation::None };
    let (secrets, id) = (Arc::clone(secrets), account.id.clone());
    let Ok(token) = blocking(move || Ok(secrets.get(&id)?)).await else { return Revocation::None };
    let provider = oauth.provider.clone();
    match crate::oauth::revoke(oauth, &token).await {
        Ok(true) => Revocation::Revoked { provider },
        Ok(false) => Revocation::None,
        Err(e) => Revocation::Failed { provider, error: e.to_string() },
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, SyncError> + Send + 'static) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| SyncError::Internal(format!("background task failed: {e}")))?
}
