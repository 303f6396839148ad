//! The SQLite store: accounts, per-folder watermarks and the messages Mailbell has seen.
//!
//! Every call is blocking. Async callers run them on `spawn_blocking` (the store is cheap to
//! clone: one connection behind a mutex, which is all a notifier needs).
//!
//! The one invariant that matters most lives in [`Store::commit_batch`]: the messages of a batch
//! and the advance of their folder's watermark are one transaction, so a crash at any moment
//! loses nothing and duplicates nothing.

mod accounts;
mod folders;
mod messages;
mod prune;
mod schema;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

pub(crate) use accounts::new_account_id;
pub use folders::{FolderRow, FolderStatusUpdate};
pub use messages::{Inserted, NewMessage, StoredMessage};
pub use prune::{PruneReport, Retention, Sweep};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "mailbell.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("the database {path} has schema version {found}, newer than this Mailbell understands ({supported}): upgrade Mailbell")]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("database error while {context}: {source}")]
    Sql { context: &'static str, source: rusqlite::Error },
    #[error("no account with id {0:?} (see `mailbell-cli account list`)")]
    NoSuchAccount(String),
    #[error("account {account} has no folder {folder:?} (see `mailbell-cli status`)")]
    NoSuchFolder { account: String, folder: String },
    #[error("the store's lock was poisoned by a panic in another thread")]
    Poisoned,
    #[error("cannot encode {0}")]
    Encode(String),
}

pub(crate) trait SqlContext<T> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql { context, source })
    }
}

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and applies pending migrations.
    pub fn open_dir(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Open { path: data_dir.to_path_buf(), source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)) })?;
        Store::open(&data_dir.join(DB_FILE))
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // WAL lets `status` and the app read while a sync writes; a busy timeout covers the
        // short write transactions of another process (CLI and app share one database).
        conn.busy_timeout(Duration::from_secs(10)).map_err(open_err)?;
        // Before anything else writes the file: a new store takes it at once, so the pages a
        // prune frees go back a few at a time (`Store::reclaim`). An existing one only records
        // the wish; its first prune converts it.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL").map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        // A prune deletes many rows through the log: let a checkpoint shrink it back to this.
        conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024).map_err(open_err)?;
        schema::migrate(&mut conn, path)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)), path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }
}

/// A transaction that writes: it takes the write lock at its start (`BEGIN IMMEDIATE`), waiting
/// for another process's write to end (the busy timeout). A deferred transaction would read
/// first and ask for the lock at its first write, and in WAL mode that fails at once, without
/// waiting, when another process (the CLI beside the app) committed in between: its snapshot is
/// stale (SQLITE_BUSY_SNAPSHOT, "database is locked"), which failed a pass now and then.
pub(crate) fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// Timestamps are stored as RFC 3339 UTC text: sortable, readable with the sqlite3 shell.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use crate::model::{NewAccount, Security};

    pub fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_dir(dir.path()).expect("open store");
        (dir, store)
    }

    pub fn account(email: &str) -> NewAccount {
        NewAccount {
            display_name: String::new(),
            email: email.to_string(),
            host: "127.0.0.1".into(),
            port: 993,
            security: Security::Tls,
            username: email.to_string(),
            ca_file: None,
            folders: None,
            interval_secs: 300,
        }
    }
}
