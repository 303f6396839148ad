//! Mailbell's end-to-end test harness.
//!
//! Everything a test needs outside the code under test, one module per job:
//! - [`dovecot`]: a private Dovecot per test (TLS, STARTTLS, plain), plus mail helpers built on
//!   `doveadm` and direct Maildir writes for bulk data.
//! - [`mailgen`]: RFC 822 messages (simple, multipart, huge, odd headers).
//! - [`keyring`]: checks against the real Secret Service the tests run inside.
//! - [`proxy`]: a loopback TCP proxy that delays, stalls, cuts and resets connections.
//! - [`imap_raw`]: a tiny line-based IMAP client for probing servers and proxies.
//! - [`http`]: a small HTTP/1.1 server (canned routes or a handler) and client on loopback.
//! - [`oauth`]: a local OAuth 2.0 authorization server (PKCE, refresh, revocation,
//!   introspection) that Dovecot can validate tokens against.
//! - [`cli`]: the real `mailbell-cli` as a child to read and signal while it runs.
//! - [`ledger`]: the exactly-once bookkeeping across runs (events versus stored rows).
//! - [`starttls_front`]: a fake STARTTLS front for what Dovecot cannot be made to do
//!   (injecting bytes before the TLS handshake, refusing STARTTLS).
//! - [`netns`]: two network namespaces joined by a veth pair, and a relay into the server side
//!   that can turn into a black hole (liveness tests).
//! - [`logind_standin`]: a private system bus and a scripted logind (resume from suspend).
//! - [`gmail_standin`]: a scripted IMAP server that stands in for Gmail (X-GM-EXT-1, labels as
//!   folders, one message in several of them), since the real one is out of reach.
//!
//! The harness is Linux-only, like the servers it drives.

pub mod cli;
pub mod dovecot;
pub mod gmail_standin;
pub mod http;
pub mod imap_raw;
pub mod keyring;
pub mod ledger;
pub mod logind_standin;
pub mod mailgen;
pub mod netns;
pub mod oauth;
mod process;
pub mod proxy;
pub mod starttls_front;

use std::path::PathBuf;

use anyhow::{bail, Context};

pub use dovecot::{Certificate, Dovecot, DovecotOptions, FolderStatus, User, COMPRESS_DEFLATE};
pub use gmail_standin::{GmailStandin, StandinMessage, StandinMode};
pub use imap_raw::{RawImap, Response};
pub use keyring::{keyring_clear, keyring_has, keyring_lookup, keyring_store, require_secret_service};
pub use mailgen::{simple, MessageBuilder};
pub use oauth::{OAuthCounters, OAuthServer};
pub use proxy::{Fault, Proxy, ProxyMode, Trigger};

/// Path of the built `mailbell-cli` binary.
///
/// `CARGO_BIN_EXE_*` only exists for binaries of the package under test, and the CLI lives in
/// another package, so we find it next to the test executable: tests run from
/// `$CARGO_TARGET_DIR/<profile>/deps/`, binaries sit in `$CARGO_TARGET_DIR/<profile>/`.
/// `MAILBELL_CLI` overrides the lookup (e.g. to test an installed or release build).
pub fn cli_bin() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("MAILBELL_CLI") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("MAILBELL_CLI points to {}, which is not a file", path.display());
        }
        return Ok(path);
    }
    let exe = std::env::current_exe().context("cannot find the running test executable")?;
    let deps_dir = exe.parent().context("test executable has no parent directory")?;
    // Unit tests and benches also live in deps/, examples in examples/; a bin sits one level
    // higher.
    let profile_dir = if deps_dir.file_name().is_some_and(|n| n == "deps" || n == "examples") {
        deps_dir.parent().context("deps directory has no parent")?
    } else {
        deps_dir
    };
    let cli = profile_dir.join("mailbell-cli");
    if !cli.is_file() {
        bail!(
            "mailbell-cli not found at {}: build it first: cargo build -p mailbell-cli \
             (with the same CARGO_TARGET_DIR and profile as the tests)",
            cli.display()
        );
    }
    Ok(cli)
}

/// Every file under `dir`, recursively (for tests that grep a data directory for secrets).
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}
