//! Versioned migrations, applied at open. Each step is a batch of SQL run in one transaction
//! together with the bump of `PRAGMA user_version`, so a crash mid-migration leaves the old
//! version intact.

use std::path::Path;

use rusqlite::Connection;

use super::{SqlContext, StoreError};

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: accounts, folders with watermarks, messages.
    r#"
    CREATE TABLE accounts (
        id            TEXT PRIMARY KEY NOT NULL,
        display_name  TEXT NOT NULL DEFAULT '',
        email         TEXT NOT NULL,
        host          TEXT NOT NULL,
        port          INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        security      TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'plain')),
        username      TEXT NOT NULL,
        ca_file       TEXT NOT NULL DEFAULT '',
        folders       TEXT NOT NULL DEFAULT '',
        interval_secs INTEGER NOT NULL DEFAULT 300,
        enabled       INTEGER NOT NULL DEFAULT 1,
        created_at    TEXT NOT NULL
    ) STRICT;

    CREATE TABLE folders (
        account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name            TEXT NOT NULL,
        raw_name        TEXT NOT NULL,
        delimiter       TEXT NOT NULL DEFAULT '',
        special_use     TEXT NOT NULL DEFAULT '',
        watched         INTEGER NOT NULL DEFAULT 1,
        uidvalidity     INTEGER NOT NULL DEFAULT 0,
        last_uid        INTEGER NOT NULL DEFAULT 0,
        uidnext         INTEGER NOT NULL DEFAULT 0,
        highestmodseq   INTEGER NOT NULL DEFAULT 0,
        messages        INTEGER NOT NULL DEFAULT 0,
        unseen          INTEGER NOT NULL DEFAULT 0,
        state           TEXT NOT NULL DEFAULT 'idle',
        last_attempt_at TEXT,
        last_sync_at    TEXT,
        last_error      TEXT,
        notice          TEXT,
        baseline_at     TEXT,
        PRIMARY KEY (account_id, name)
    ) STRICT;

    CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        folder        TEXT NOT NULL,
        uidvalidity   INTEGER NOT NULL,
        uid           INTEGER NOT NULL,
        message_id    TEXT NOT NULL DEFAULT '',
        from_name     TEXT NOT NULL DEFAULT '',
        from_addr     TEXT NOT NULL DEFAULT '',
        subject       TEXT NOT NULL DEFAULT '',
        date          TEXT NOT NULL DEFAULT '',
        internal_date TEXT NOT NULL DEFAULT '',
        size          INTEGER NOT NULL DEFAULT 0,
        preview       TEXT NOT NULL DEFAULT '',
        flags         TEXT NOT NULL DEFAULT '',
        notified      INTEGER NOT NULL DEFAULT 0,
        fetched_at    TEXT NOT NULL,
        UNIQUE (account_id, folder, uidvalidity, uid)
    ) STRICT;

    CREATE INDEX messages_by_message_id ON messages(account_id, folder, message_id);
    CREATE INDEX messages_newest ON messages(internal_date DESC, id DESC);
    "#,
    // v2: front-end settings; "viewed" marks what the user has looked at in the app.
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;
    ALTER TABLE messages ADD COLUMN viewed INTEGER NOT NULL DEFAULT 0;
    "#,
    // v3: follow the server's read state and deletions of the messages Mailbell holds;
    // per-account server quirks.
    r#"
    ALTER TABLE messages ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN expunged_at TEXT;
    UPDATE messages SET seen = 1 WHERE (' ' || flags || ' ') LIKE '% \Seen %' COLLATE NOCASE;
    CREATE INDEX messages_tracked ON messages(account_id, folder, uidvalidity, uid) WHERE seen = 0 AND expunged_at IS NULL;
    ALTER TABLE accounts ADD COLUMN quirks TEXT NOT NULL DEFAULT '';
    "#,
    // v4: OAuth2 sign-in settings (JSON; empty for password accounts). The tokens themselves
    // are never here: the refresh token lives in the keyring, access tokens in memory.
    r#"
    ALTER TABLE accounts ADD COLUMN oauth TEXT NOT NULL DEFAULT '';
    "#,
    // v5: one message, many folders. `identity` says which rows are copies of one message
    // (identity.rs); `copy_of` points a later copy at the first one, which alone is listed,
    // announced and counted. Rows from before have no server identity: their Message-ID
    // stands in, or the row itself. Copies already held are linked as the new code would have.
    r#"
    ALTER TABLE messages ADD COLUMN identity TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN copy_of INTEGER REFERENCES messages(id) ON DELETE CASCADE;
    UPDATE messages SET identity = CASE WHEN message_id != '' THEN 'mid:' || message_id ELSE 'row:' || id END;
    CREATE INDEX messages_by_identity ON messages(account_id, identity);
    UPDATE messages SET copy_of = (SELECT MIN(f.id) FROM messages f WHERE f.account_id = messages.account_id AND f.identity = messages.identity)
        WHERE id != (SELECT MIN(f.id) FROM messages f WHERE f.account_id = messages.account_id AND f.identity = messages.identity);
    CREATE INDEX messages_copies ON messages(copy_of) WHERE copy_of IS NOT NULL;
    "#,
    // v6: the outbox. A row is inserted unannounced and marked once its event went out, so a
    // process killed in between has its rows announced by the next start (at least once).
    // Rows from before were announced (or were history) by the build that stored them.
    r#"
    ALTER TABLE messages ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX messages_unannounced ON messages(account_id, id) WHERE announced = 0;
    "#,
    // v7: what rings (ARCHITECTURE.md § What rings). Per account and per folder a switch
    // (on for everything there was); per message its List-Id, the decision made when it was
    // announced, and `held_at` while it waits for the digest at the end of the quiet hours
    // (kept here so that a restart in between loses no digest). Rows from before rang as
    // the builds of then decided: 'ring'. The rules themselves are one JSON setting.
    r#"
    ALTER TABLE accounts ADD COLUMN notify INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE folders ADD COLUMN notify INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE messages ADD COLUMN list_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN ring TEXT NOT NULL DEFAULT 'ring' CHECK (ring IN ('ring', 'quiet', 'silent'));
    ALTER TABLE messages ADD COLUMN ring_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN held_at TEXT;
    CREATE INDEX messages_held ON messages(held_at) WHERE held_at IS NOT NULL;
    "#,
    // v8: a bounded store (prune.rs). Pruning keeps each folder's newest rows, found by this
    // index without sorting the folder. (The file's auto_vacuum mode cannot change inside a
    // transaction: a new store gets it at open, an older one is converted by its first
    // prune.)
    r#"
    CREATE INDEX messages_by_folder ON messages(account_id, folder, id);
    "#,
    // v9: the one server certificate the user trusted for an account (its SHA-256), empty
    // for none (ARCHITECTURE.md § Security: pinning).
    r#"
    ALTER TABLE accounts ADD COLUMN pinned_cert_sha256 TEXT NOT NULL DEFAULT '';
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ctx("reading the schema version")?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found, supported: SCHEMA_VERSION });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = super::write_tx(conn).ctx("starting a migration")?;
        tx.execute_batch(sql).ctx("migrating the schema")?;
        // user_version takes no bound parameter: the number is ours, not input.
        tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1)).ctx("recording the schema version")?;
        tx.commit().ctx("committing a migration")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version")
    }

    #[test]
    fn migrates_from_every_earlier_version() {
        // Walk a database through each historical version in turn, as an old install would.
        for start in 0..SCHEMA_VERSION {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("db");
            let mut conn = Connection::open(&path).expect("open");
            for (v, sql) in MIGRATIONS.iter().enumerate().take(start as usize) {
                conn.execute_batch(sql).expect("old migration");
                conn.execute_batch(&format!("PRAGMA user_version = {}", v + 1)).expect("bump");
            }
            migrate(&mut conn, &path).expect("migrate");
            assert_eq!(version(&conn), SCHEMA_VERSION);
            // Re-running is a no-op.
            migrate(&mut conn, &path).expect("migrate again");
            assert_eq!(version(&conn), SCHEMA_VERSION);
        }
    }

    #[test]
    fn v5_links_the_copies_an_older_version_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).expect("open");
        for (v, sql) in MIGRATIONS.iter().enumerate().take(4) {
            conn.execute_batch(sql).expect("old migration");
            conn.execute_batch(&format!("PRAGMA user_version = {}", v + 1)).expect("bump");
        }
        conn.execute_batch(
            "INSERT INTO accounts (id, email, host, port, security, username, created_at) VALUES ('a', 'a@x', 'h', 993, 'tls', 'a', 't');
             INSERT INTO messages (account_id, folder, uidvalidity, uid, message_id, fetched_at) VALUES
                 ('a', 'INBOX', 1, 1, 'same@x', 't'), ('a', 'Work', 1, 1, 'same@x', 't'), ('a', 'INBOX', 1, 2, '', 't'), ('a', 'Work', 1, 2, '', 't');",
        )
        .expect("old rows");
        migrate(&mut conn, &path).expect("migrate");
        let rows: Vec<(i64, String, Option<i64>)> = conn
            .prepare("SELECT id, identity, copy_of FROM messages ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            vec![(1, "mid:same@x".into(), None), (2, "mid:same@x".into(), Some(1)), (3, "row:3".into(), None), (4, "row:4".into(), None)]
        );
    }

    #[test]
    fn v7_lets_what_was_there_ring_and_holds_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).expect("open");
        for (v, sql) in MIGRATIONS.iter().enumerate().take(6) {
            conn.execute_batch(sql).expect("old migration");
            conn.execute_batch(&format!("PRAGMA user_version = {}", v + 1)).expect("bump");
        }
        conn.execute_batch(
            "INSERT INTO accounts (id, email, host, port, security, username, created_at) VALUES ('a', 'a@x', 'h', 993, 'tls', 'a', 't');
             INSERT INTO folders (account_id, name, raw_name) VALUES ('a', 'INBOX', 'INBOX');
             INSERT INTO messages (account_id, folder, uidvalidity, uid, fetched_at) VALUES ('a', 'INBOX', 1, 1, 't');",
        )
        .expect("old rows");
        migrate(&mut conn, &path).expect("migrate");
        let account: bool = conn.query_row("SELECT notify FROM accounts", [], |r| r.get(0)).expect("account");
        let folder: bool = conn.query_row("SELECT notify FROM folders", [], |r| r.get(0)).expect("folder");
        let (ring, reason, list, held): (String, String, String, Option<String>) = conn
            .query_row("SELECT ring, ring_reason, list_id, held_at FROM messages", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("message");
        assert!(account && folder);
        assert_eq!((ring.as_str(), reason.as_str(), list.as_str(), held), ("ring", "", "", None));
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).expect("open");
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)).expect("bump");
        let err = migrate(&mut conn, &path).unwrap_err();
        assert!(err.to_string().contains("upgrade Mailbell"), "{err}");
    }
}
