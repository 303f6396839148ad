//! Checks against the real Secret Service the tests run inside, through `secret-tool`
//! (libsecret-tools), independently of the keyring code under test.
//!
//! Attribute names are those of zbus-secret-service-keyring-store, which Mailbell uses:
//! `service` and `username` (plus an optional `target`, which a lookup need not name).
//!
//! Lookups return `Result`: a missing or locked Secret Service must fail the test loudly, never
//! read as "no password stored".

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};

use crate::process::{describe, run};

/// secret-tool waits for an unlock prompt forever when the collection is locked.
const TIMEOUT: Duration = Duration::from_secs(10);

const HOW_TO: &str = "run the tests through scripts/test.sh, which starts dbus-run-session + \
     gnome-keyring-daemon --unlock (packages: dbus, gnome-keyring, libsecret-tools)";

/// Fails with instructions unless a Secret Service on the session bus can store, read back and
/// delete an item. Call it first in every test that touches the keyring.
pub fn require_secret_service() -> anyhow::Result<()> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        bail!("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): {HOW_TO}");
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let probe_id = format!("{}-{nanos}", std::process::id());
    let secret = format!("probe-secret-{probe_id}");
    let probe = || -> anyhow::Result<()> {
        secret_tool(&["store", "--label=mailbell-e2e probe", "mailbell-e2e-probe", &probe_id], Some(&secret))?;
        let found = lookup(&["mailbell-e2e-probe", &probe_id])?;
        if found.as_deref() != Some(secret.as_str()) {
            bail!("stored a probe secret but read back {found:?} (is the collection locked?)");
        }
        Ok(())
    };
    let result = probe();
    // Remove the probe whatever happened; a failure to clean up is secondary.
    let cleanup = secret_tool(&["clear", "mailbell-e2e-probe", &probe_id], None);
    result.with_context(|| format!("the Secret Service is not usable: {HOW_TO}"))?;
    cleanup.context("removing the keyring probe item")?;
    Ok(())
}

/// Whether an item with these `service` and `username` attributes exists.
pub fn keyring_has(service: &str, user: &str) -> anyhow::Result<bool> {
    Ok(keyring_lookup(service, user)?.is_some())
}

/// The secret stored for (`service`, `username`), if any.
pub fn keyring_lookup(service: &str, user: &str) -> anyhow::Result<Option<String>> {
    lookup(&["service", service, "username", user])
}

/// Stores a secret the way the app's keyring store would find it (for seeding tests).
pub fn keyring_store(service: &str, user: &str, secret: &str) -> anyhow::Result<()> {
    let label = format!("{service} {user}");
    secret_tool(&["store", &format!("--label={label}"), "service", service, "username", user], Some(secret))?;
    Ok(())
}

/// Deletes every item with these attributes (fine if there is none).
pub fn keyring_clear(service: &str, user: &str) -> anyhow::Result<()> {
    secret_tool(&["clear", "service", service, "username", user], None)?;
    Ok(())
}

fn lookup(attributes: &[&str]) -> anyhow::Result<Option<String>> {
    let mut args = vec!["lookup"];
    args.extend_from_slice(attributes);
    // secret-tool prints the bare secret (no newline when stdout is a pipe).
    secret_tool(&args, None).map(|out| out.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

/// Runs secret-tool. `Ok(None)`: it exited 1 without a message, which is how it says "no such
/// item" for lookup and clear; anything it prints on stderr is a real error.
fn secret_tool(args: &[&str], stdin: Option<&str>) -> anyhow::Result<Option<Vec<u8>>> {
    let mut cmd = Command::new("secret-tool");
    cmd.args(args);
    let line = describe(&cmd);
    let out = run(&mut cmd, stdin.map(str::as_bytes), TIMEOUT).with_context(|| format!("`{line}` (install libsecret-tools; {HOW_TO})"))?;
    let stderr = out.stderr.trim();
    if out.status.success() {
        return Ok(Some(out.stdout));
    }
    if out.status.code() == Some(1) && stderr.is_empty() {
        return Ok(None);
    }
    bail!("`{line}` failed ({}): {stderr}", out.status)
}
