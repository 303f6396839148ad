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
//! state (the store's connection is crate-private), so it is read with `dbus-send`
//! (Debian package dbus-bin, pulled in by `dbus`) or, failing that, `gdbus`. If
//! neither can answer, a missing item is reported as NotFound with a warning logged.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use keyring_core::api::CredentialStoreApi;
use keyring_core::{Entry, Error as KeyringError};
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
            let store = self.current_store();
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

    fn current_store(&self) -> Arc<Store> {
        self.lock_store().clone().expect("store present until drop")
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

/// Lock state of the Secret Service's default collection.
fn default_collection_state() -> CollectionState {
    let alias = match bus_call("/org/freedesktop/secrets", "org.freedesktop.Secret.Service.ReadAlias", &["default"]) {
        Ok(out) => out,
        Err(why) => return CollectionState::Unknown(why),
    };
    let Some(path) = parse_object_path(&alias) else {
        return CollectionState::Unknown(format!("unexpected ReadAlias reply: {alias}"));
    };
    if path == "/" {
        return CollectionState::Missing;
    }
    match bus_call(&path, "org.freedesktop.DBus.Properties.Get", &["org.freedesktop.Secret.Collection", "Locked"]) {
        Ok(out) => parse_bool(&out)
            .map(|locked| if locked { CollectionState::Locked } else { CollectionState::Unlocked })
            .unwrap_or_else(|| CollectionState::Unknown(format!("unexpected Locked reply: {out}"))),
        Err(why) => CollectionState::Unknown(why),
    }
}

#[cfg(test)]
static FORCE_GDBUS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Calls a method of org.freedesktop.secrets with string arguments; returns the
/// printed reply. Uses dbus-send, or gdbus when dbus-send is not installed.
fn bus_call(object: &str, method: &str, args: &[&str]) -> Result<String, String> {
    #[cfg(test)]
    let try_dbus_send = !FORCE_GDBUS.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(test))]
    let try_dbus_send = true;
    if try_dbus_send {
        let mut cmd = Command::new("dbus-send");
        cmd.args(["--session", "--print-reply", "--reply-timeout=5000"])
            .arg("--dest=org.freedesktop.secrets")
            .args([object, method])
            .args(args.iter().map(|a| format!("string:{a}")));
        match run(cmd) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => return finish(other, "dbus-send"),
        }
    }
    let mut cmd = Command::new("gdbus");
    cmd.args(["call", "--session", "--timeout", "5", "--dest", "org.freedesktop.secrets"])
        .args(["--object-path", object, "--method", method])
        .args(args);
    match run(cmd) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("neither dbus-send (package dbus-bin) nor gdbus is installed".into()),
        other => finish(other, "gdbus"),
    }
}

fn run(mut cmd: Command) -> std::io::Result<std::process::Output> {
    cmd.stdin(Stdio::null()).output()
}

fn finish(out: std::io::Result<std::process::Output>, tool: &str) -> Result<String, String> {
    match out {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(format!("{tool} failed ({}): {}", o.status, String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => Err(format!("{tool}: {e}")),
    }
}

/// First quoted object path in a dbus-send (`object path "/a/b"`) or gdbus
/// (`(objectpath '/a/b',)`) reply.
fn parse_object_path(reply: &str) -> Option<String> {
    let start = reply.find(['"', '\''])?;
    let quote = reply[start..].chars().next()?;
    let rest = &reply[start + 1..];
    let path = &rest[..rest.find(quote)?];
    path.starts_with('/').then(|| path.to_string())
}

/// Boolean in a dbus-send (`variant boolean true`) or gdbus (`(<true>,)`) reply.
fn parse_bool(reply: &str) -> Option<bool> {
    let words: Vec<&str> = reply.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    match (words.contains(&"true"), words.contains(&"false")) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
