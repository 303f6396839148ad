//! Passwords in the OS keyring.
//!
//! Each IMAP account's password is one Secret Service item with the attributes
//! `service = "mailbell"` and `username = <account id>`, in the default collection
//! (the "login" keyring of gnome-keyring).
//!
//! The store is created here, not through keyring-core's process-wide default store:
//! a failed start is therefore not cached, and [`Secrets::open`] can simply be called
//! again once the session bus or the keyring daemon is up.
//!
//! All calls block. They are meant for `spawn_blocking` or a plain thread, but also
//! work when called straight from async code: the zbus store (tokio feature) drives
//! its own internal runtime with `block_on`, which panics on a runtime worker thread,
//! so inside a runtime the call is moved to a short-lived scoped thread.
//!
//! Locked versus missing: gnome-keyring reports "no such item" for a missing item
//! even while the collection is locked (and a provider may hide locked items
//! altogether). Before saying [`SecretsError::NotFound`] we therefore ask whether the
//! default collection is locked. keyring-core and the store do not expose that
//! state (the store's connection is crate-private), so it is asked directly over a
//! D-Bus connection of its own, with the zbus the store already uses:
//! `ReadAlias("default")` on the Secret Service, then the collection's `Locked`
//! property. That probe runs on a small current-thread tokio runtime of its own,
//! off any runtime thread like every call here, and gives each step (connecting,
//! each call) 5 seconds. If it cannot answer, a missing item is reported as
//! NotFound with a warning logged.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::api::CredentialStoreApi;
use keyring_core::{Entry, Error as KeyringError};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zbus_secret_service_keyring_store::Store;

/// Secret Service `service` attribute of every Mailbell item.
pub const SERVICE: &str = "mailbell";

/// Why the keyring could not be used. Display texts say what to do; they never
/// contain a password.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("no D-Bus session bus: start one (dbus-run-session) or log into a desktop session ({detail})")]
    NoSessionBus { detail: String },
    #[error("no Secret Service on the session bus: install and start gnome-keyring (or KeePassXC's Secret Service) ({detail})")]
    NoProvider { detail: String },
    #[error(
        "the keyring is locked: unlock it (log in to the desktop, or unlock the login keyring in \"Passwords and Keys\"; without a desktop run `gnome-keyring-daemon --replace --unlock --components=secrets` and type the keyring password)"
    )]
    Locked,
    #[error("no password saved for account {account}: run `mailbell-cli account add` again or set it in the app")]
    NotFound { account: String },
    #[error("keyring error: {detail}")]
    Other { detail: String },
}

const NO_DEFAULT_KEYRING: &str = "the Secret Service has no default keyring to save passwords in: \
log in to a desktop session (it creates the login keyring), or create a keyring in \"Passwords and Keys\" \
and make it the default; without a desktop run `gnome-keyring-daemon --replace --unlock --components=secrets` \
and type a new keyring password";

/// Handle on the Secret Service. Cheap to clone (clones share one connection);
/// holds no secret.
#[derive(Clone)]
pub struct Secrets {
    shared: Arc<Shared>,
}

struct Shared {
    /// Always `Some` outside `drop`. Replaced when the connection has gone stale.
    store: Mutex<Option<Arc<Store>>>,
}

impl Drop for Shared {
    /// zbus' blocking proxies call `block_on` when dropped, which panics on a tokio
    /// worker thread: a store dropped inside a runtime goes to a thread of its own.
    fn drop(&mut self) {
        let store = self.store.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(store) = store {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(store));
            }
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("service", &SERVICE).field("backend", &"Secret Service (zbus)").finish()
    }
}

impl Secrets {
    /// Connects to the session bus and opens a Secret Service session now.
    /// On failure nothing is cached: call it again later to retry.
    pub fn open() -> Result<Secrets, SecretsError> {
        off_runtime(|| {
            let store = new_store()?;
            Ok(Secrets { shared: Arc::new(Shared { store: Mutex::new(Some(store)) }) })
        })
    }

    /// Saves (or replaces) the password of `account_id`.
    pub fn set(&self, account_id: &str, password: &str) -> Result<(), SecretsError> {
        self.with_entry(account_id, |entry| {
            let result = match entry.set_password(password) {
                // Several matching items (e.g. written by another tool): replace them all.
                Err(KeyringError::Ambiguous(dups)) => delete_all(dups).and_then(|()| entry.set_password(password).map_err(map_error)),
                other => other.map_err(map_error),
            };
            result.map_err(|e| redact(e, password))
        })
    }

    /// Reads the password of `account_id`.
    pub fn get(&self, account_id: &str) -> Result<String, SecretsError> {
        self.with_entry(account_id, |entry| match entry.get_password() {
            Ok(p) => Ok(p),
            Err(KeyringError::NoEntry) => Err(not_found_unless_locked(account_id)),
            // The payload holds the stored bytes: never put them in a message.
            Err(KeyringError::BadEncoding(_)) => {
                Err(SecretsError::Other { detail: format!("the saved password for account {account_id} is not valid UTF-8: set it again") })
            }
            Err(KeyringError::Ambiguous(dups)) => Err(SecretsError::Other {
                detail: format!(
                    "{} passwords are saved for account {account_id} (service {SERVICE}): set it again to keep just one",
                    dups.len()
                ),
            }),
            Err(e) => Err(map_error(e)),
        })
    }

    /// Removes the password of `account_id`. A missing entry is not an error,
    /// unless the keyring is locked (then nobody can tell whether it is there).
    pub fn delete(&self, account_id: &str) -> Result<(), SecretsError> {
        self.with_entry(account_id, |entry| match entry.delete_credential() {
            Ok(()) => Ok(()),
            Err(KeyringError::NoEntry) => match default_collection_state() {
                CollectionState::Locked => Err(SecretsError::Locked),
                _ => Ok(()),
            },
            Err(KeyringError::Ambiguous(dups)) => delete_all(dups),
            Err(e) => Err(map_error(e)),
        })
    }

    /// Runs `op` on the account's entry, off any runtime thread. If the connection
    /// turns out stale (bus gone, keyring daemon restarted: its session is lost), the
    /// store is reopened once and `op` retried; all three operations are idempotent.
    fn with_entry<T: Send>(
        &self,
        account_id: &str,
        op: impl Fn(&Entry) -> Result<T, SecretsError> + Send + Sync,
    ) -> Result<T, SecretsError> {
        if account_id.is_empty() {
            return Err(SecretsError::Other { detail: "empty account id".into() });
        }
        off_runtime(|| {
            let store = self.current_store()?;
            match op(&entry(&store, account_id)?) {
                Err(e) if is_stale(&e) => {
                    tracing::info!(error = %e, "Secret Service connection lost; reconnecting");
                    let fresh = new_store()?;
                    *self.lock_store() = Some(fresh.clone());
                    drop(store);
                    op(&entry(&fresh, account_id)?)
                }
                other => other,
            }
        })
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, Option<Arc<Store>>> {
        self.shared.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn current_store(&self) -> Result<Arc<Store>, SecretsError> {
        // `None` only inside `Shared::drop`, when no handle is left to get here.
        self.lock_store().clone().ok_or_else(|| SecretsError::Other { detail: "the keyring connection is already closed".into() })
    }
}

fn new_store() -> Result<Arc<Store>, SecretsError> {
    Store::new().map_err(|e| {
        tracing::debug!(error = %e, "opening the Secret Service failed");
        classify_failure(&e)
    })
}

fn entry(store: &Store, account_id: &str) -> Result<Entry, SecretsError> {
    let label = format!("Mailbell IMAP password ({account_id})");
    let modifiers = HashMap::from([("label", label.as_str())]);
    store.build(SERVICE, account_id, Some(&modifiers)).map_err(map_error)
}

/// Errors after which a fresh connection may succeed.
fn is_stale(e: &SecretsError) -> bool {
    match e {
        SecretsError::NoSessionBus { .. } | SecretsError::NoProvider { .. } => true,
        SecretsError::Other { detail } => detail.contains("org.freedesktop.Secret.Error.NoSession"),
        _ => false,
    }
}

/// Runs `f` off any tokio runtime thread: zbus' blocking API calls `Runtime::block_on`
/// on its own runtime, which panics on a thread that drives async tasks.
/// `Handle::try_current` cannot tell a worker from a `spawn_blocking` thread, so any
/// runtime context gets the hop; it costs one thread spawn next to D-Bus round trips.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn delete_all(entries: Vec<Entry>) -> Result<(), SecretsError> {
    for e in entries {
        match e.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => {}
            Err(err) => return Err(map_error(err)),
        }
    }
    Ok(())
}

fn not_found_unless_locked(account_id: &str) -> SecretsError {
    match default_collection_state() {
        CollectionState::Locked => SecretsError::Locked,
        CollectionState::Unknown(why) => {
            tracing::warn!(%why, "could not check whether the keyring is locked; reporting the password as missing");
            SecretsError::NotFound { account: account_id.to_string() }
        }
        _ => SecretsError::NotFound { account: account_id.to_string() },
    }
}

/// Maps keyring-core errors that are not handled case by case.
fn map_error(e: KeyringError) -> SecretsError {
    tracing::debug!(error = %e, "keyring call failed");
    match &e {
        // The store returns this for a locked collection (the unlock prompt was
        // dismissed or could not be shown) and for a missing default collection.
        KeyringError::NoStorageAccess(inner) => match default_collection_state() {
            CollectionState::Locked => SecretsError::Locked,
            CollectionState::Missing => SecretsError::Other { detail: NO_DEFAULT_KEYRING.into() },
            _ => {
                let text = inner.to_string();
                if text.contains("prompt dismissed") || text.contains("locked") {
                    SecretsError::Locked
                } else {
                    classify_failure(&e)
                }
            }
        },
        KeyringError::PlatformFailure(_) => classify_failure(&e),
        _ => SecretsError::Other { detail: e.to_string() },
    }
}

/// Sorts a transport-level failure into "no bus", "no provider" or other.
fn classify_failure(e: &(dyn std::error::Error + 'static)) -> SecretsError {
    let detail = e.to_string();
    let mut io_error = false;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        io_error |= c.is::<std::io::Error>();
        cur = c.source();
    }
    // zbus: "Failed to connect to address `unix:path=...`: No such file or directory";
    // secret-service maps an unusable address to "no secret service provider or dbus
    // session found".
    if io_error || detail.contains("Failed to connect to address") || detail.contains("dbus session found") {
        SecretsError::NoSessionBus { detail }
    } else if ["org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner", "org.freedesktop.DBus.Error.Spawn"]
        .iter()
        .any(|name| detail.contains(name))
    {
        SecretsError::NoProvider { detail }
    } else {
        SecretsError::Other { detail }
    }
}

/// Belt and braces: no message may carry the password, whatever a lower layer put in it.
fn redact(e: SecretsError, password: &str) -> SecretsError {
    if password.is_empty() {
        return e;
    }
    let clean = |d: String| d.replace(password, "<redacted>");
    match e {
        SecretsError::NoSessionBus { detail } => SecretsError::NoSessionBus { detail: clean(detail) },
        SecretsError::NoProvider { detail } => SecretsError::NoProvider { detail: clean(detail) },
        SecretsError::Other { detail } => SecretsError::Other { detail: clean(detail) },
        other => other,
    }
}

#[derive(Debug, PartialEq)]
enum CollectionState {
    Locked,
    Unlocked,
    /// The provider has no `default` alias.
    Missing,
    Unknown(String),
}

const SECRET_SERVICE: &str = "org.freedesktop.secrets";
const SECRET_SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SECRET_SERVICE_INTERFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_INTERFACE: &str = "org.freedesktop.Secret.Collection";

/// How long the lock probe waits for each step: connecting, and each method call.
const PROBE_STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// Lock state of the Secret Service's default collection.
fn default_collection_state() -> CollectionState {
    collection_state_within(PROBE_STEP_TIMEOUT)
}

/// [`default_collection_state`] with a chosen timeout per step. The probe has its own
/// connection and its own current-thread runtime, entered off any runtime thread
/// (`block_on` there would panic, and would stall a worker).
fn collection_state_within(step: Duration) -> CollectionState {
    off_runtime(|| {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => return CollectionState::Unknown(format!("starting a runtime for the keyring lock probe: {e}")),
        };
        runtime.block_on(probe_default_collection(step)).unwrap_or_else(CollectionState::Unknown)
    })
}

async fn probe_default_collection(step: Duration) -> Result<CollectionState, String> {
    let conn = within(step, "connecting to the session bus", zbus::Connection::session()).await?;
    let reply = within(
        step,
        "ReadAlias(\"default\") on the Secret Service",
        conn.call_method(Some(SECRET_SERVICE), SECRET_SERVICE_PATH, Some(SECRET_SERVICE_INTERFACE), "ReadAlias", &("default",)),
    )
    .await?;
    let path: OwnedObjectPath = reply.body().deserialize().map_err(|e| format!("unexpected ReadAlias reply: {e}"))?;
    if path.as_str() == "/" {
        return Ok(CollectionState::Missing);
    }
    let reply = within(
        step,
        &format!("reading Locked of {}", path.as_str()),
        conn.call_method(
            Some(SECRET_SERVICE),
            path.as_ref(),
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(COLLECTION_INTERFACE, "Locked"),
        ),
    )
    .await?;
    let locked: OwnedValue = reply.body().deserialize().map_err(|e| format!("unexpected Locked reply: {e}"))?;
    match &*locked {
        Value::Bool(true) => Ok(CollectionState::Locked),
        Value::Bool(false) => Ok(CollectionState::Unlocked),
        other => Err(format!("unexpected Locked reply: {other}")),
    }
}

/// Awaits one probe step for at most `limit`; failures say which step failed.
async fn within<T, E: std::fmt::Display>(limit: Duration, what: &str, step: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    match tokio::time::timeout(limit, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {limit:?}")),
    }
}

#[cfg(test)]
mod tests;
