//! Folder rows: what the server lists, which of them are watched, their watermark
//! (UIDVALIDITY + last UID seen) and their sync status.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now_rfc3339, SqlContext, Store, StoreError};
use crate::model::{watched_by_default, Account, FolderState, ListedFolder};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FolderRow {
    pub account_id: String,
    pub name: String,
    pub raw_name: String,
    pub delimiter: Option<String>,
    pub special_use: Option<String>,
    pub watched: bool,
    /// 0 until the folder has a watermark.
    pub uidvalidity: u32,
    pub last_uid: u32,
    pub uidnext: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub highestmodseq: u64,
    pub messages: u32,
    pub unseen: u32,
    pub state: FolderState,
    pub last_attempt_at: Option<String>,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// Something the user should know that is not an error, e.g. a UIDVALIDITY reset.
    pub notice: Option<String>,
    /// When the current watermark was first set (our clock): mail older than this is history.
    pub baseline_at: Option<String>,
    /// Its new mail may ring; off, the folder is still watched, stored and counted.
    pub notify: bool,
}

impl FolderRow {
    pub fn has_watermark(&self) -> bool {
        self.uidvalidity != 0
    }
}

/// The outcome of one folder check, written in one statement.
#[derive(Debug, Clone, Default)]
pub struct FolderStatusUpdate {
    pub state: Option<FolderState>,
    /// `Some(None)` clears the error, `Some(Some(..))` sets it, `None` leaves it.
    pub error: Option<Option<String>>,
    pub attempted: bool,
    pub succeeded: bool,
    pub messages: Option<u32>,
    pub unseen: Option<u32>,
    pub uidnext: Option<u32>,
    pub highestmodseq: Option<u64>,
}

const COLUMNS: &str = "account_id, name, raw_name, delimiter, special_use, watched, uidvalidity, last_uid, \
     uidnext, highestmodseq, messages, unseen, state, last_attempt_at, last_sync_at, last_error, notice, baseline_at, notify";

fn from_row(r: &Row<'_>) -> rusqlite::Result<FolderRow> {
    let delimiter: String = r.get(3)?;
    let special_use: String = r.get(4)?;
    let state: String = r.get(12)?;
    Ok(FolderRow {
        account_id: r.get(0)?,
        name: r.get(1)?,
        raw_name: r.get(2)?,
        delimiter: (!delimiter.is_empty()).then_some(delimiter),
        special_use: (!special_use.is_empty()).then_some(special_use),
        watched: r.get(5)?,
        uidvalidity: r.get(6)?,
        last_uid: r.get(7)?,
        uidnext: r.get(8)?,
        highestmodseq: r.get::<_, i64>(9)? as u64,
        messages: r.get(10)?,
        unseen: r.get(11)?,
        state: FolderState::parse(&state),
        last_attempt_at: r.get(13)?,
        last_sync_at: r.get(14)?,
        last_error: r.get(15)?,
        notice: r.get(16)?,
        baseline_at: r.get(17)?,
        notify: r.get(18)?,
    })
}

/// What changed in an account's folder list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// The removed folders' rows as they were: a folder renamed on the server shows up as one
    /// removed and one added, and keeps its UIDVALIDITY (see `adopt_watermark`).
    pub removed_rows: Vec<FolderRow>,
}

impl Store {
    /// Brings the account's folder rows in line with the server's listing. New folders get the
    /// default watch rule (or the account's explicit list); folders gone from the server lose
    /// their row and watermark, but their messages stay as history. A folder recreated under
    /// the same name starts afresh with a new baseline.
    pub fn apply_listing(&self, account: &Account, listed: &[ListedFolder]) -> Result<ListingChanges, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting a folder listing update")?;
        let existing: BTreeSet<String> = {
            let mut stmt = tx.prepare("SELECT name FROM folders WHERE account_id = ?1").ctx("reading folders")?;
            let names = stmt.query_map([&account.id], |r| r.get::<_, String>(0)).ctx("reading folders")?;
            names.collect::<Result<_, _>>().ctx("reading folders")?
        };
        let mut changes = ListingChanges::default();
        let mut seen = BTreeSet::new();
        for f in listed {
            if !seen.insert(f.name.clone()) {
                continue; // a server listing one name twice must not fail the pass
            }
            if existing.contains(&f.name) {
                tx.execute(
                    "UPDATE folders SET raw_name = ?3, delimiter = ?4, special_use = ?5 WHERE account_id = ?1 AND name = ?2",
                    params![
                        account.id,
                        f.name,
                        f.raw_name,
                        f.delimiter.clone().unwrap_or_default(),
                        f.special_use.clone().unwrap_or_default()
                    ],
                )
                .ctx("updating a folder")?;
            } else {
                let watched = watched_by_default(&f.name, f.special_use.as_deref(), account.folders.as_deref());
                tx.execute(
                    "INSERT INTO folders (account_id, name, raw_name, delimiter, special_use, watched) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        account.id,
                        f.name,
                        f.raw_name,
                        f.delimiter.clone().unwrap_or_default(),
                        f.special_use.clone().unwrap_or_default(),
                        watched
                    ],
                )
                .ctx("adding a folder")?;
                changes.added.push(f.name.clone());
            }
        }
        for gone in existing.difference(&seen) {
            let row = tx
                .query_row(
                    &format!("SELECT {COLUMNS} FROM folders WHERE account_id = ?1 AND name = ?2"),
                    params![account.id, gone],
                    from_row,
                )
                .ctx("reading a removed folder")?;
            tx.execute("DELETE FROM folders WHERE account_id = ?1 AND name = ?2", params![account.id, gone]).ctx("removing a folder")?;
            changes.removed.push(gone.clone());
            changes.removed_rows.push(row);
        }
        tx.commit().ctx("committing a folder listing update")?;
        Ok(changes)
    }

    /// Folders of one account, or of all accounts, in a stable order.
    pub fn folders(&self, account_id: Option<&str>) -> Result<Vec<FolderRow>, StoreError> {
        let conn = self.lock()?;
        let sql = format!(
            "SELECT {COLUMNS} FROM folders WHERE ?1 IS NULL OR account_id = ?1 \
             ORDER BY account_id, CASE WHEN upper(name) = 'INBOX' THEN 0 ELSE 1 END, name"
        );
        let mut stmt = conn.prepare(&sql).ctx("listing folders")?;
        let rows = stmt.query_map([account_id], from_row).ctx("listing folders")?;
        rows.collect::<Result<Vec<_>, _>>().ctx("reading folders")
    }

    /// When each folder of the account last received a message Mailbell stored (the newest
    /// INTERNALDATE, RFC 3339 UTC text, so it sorts as time): where mail tends to arrive, for
    /// choosing which folders get an IDLE connection (ARCHITECTURE.md § The engine).
    pub fn folder_activity(&self, account_id: &str) -> Result<BTreeMap<String, String>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare("SELECT folder, MAX(internal_date) FROM messages WHERE account_id = ?1 GROUP BY folder")
            .ctx("reading folder activity")?;
        let rows = stmt.query_map([account_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).ctx("reading folder activity")?;
        rows.collect::<Result<BTreeMap<_, _>, _>>().ctx("reading folder activity")
    }

    pub fn folder(&self, account_id: &str, name: &str) -> Result<Option<FolderRow>, StoreError> {
        let conn = self.lock()?;
        conn.query_row(&format!("SELECT {COLUMNS} FROM folders WHERE account_id = ?1 AND name = ?2"), params![account_id, name], from_row)
            .optional()
            .ctx("reading a folder")
    }

    pub fn set_watched(&self, account_id: &str, name: &str, watched: bool) -> Result<bool, StoreError> {
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE folders SET watched = ?3 WHERE account_id = ?1 AND name = ?2", params![account_id, name, watched])
            .ctx("changing a watched folder")?;
        Ok(n > 0)
    }

    /// Switches a folder's notifications on or off. Returns false when there is no such folder.
    pub fn set_folder_notify(&self, account_id: &str, name: &str, notify: bool) -> Result<bool, StoreError> {
        let conn = self.lock()?;
        let n = conn
            .execute("UPDATE folders SET notify = ?3 WHERE account_id = ?1 AND name = ?2", params![account_id, name, notify])
            .ctx("changing a folder's notifications")?;
        Ok(n > 0)
    }

    /// A folder first seen under this name is the renamed `old` (same UIDVALIDITY): it takes
    /// over the old watermark, so mail that arrived just before the rename is still news.
    pub fn adopt_watermark(&self, account_id: &str, name: &str, old: &FolderRow) -> Result<(), StoreError> {
        let conn = self.lock()?;
        conn.execute(
            "UPDATE folders SET uidvalidity = ?3, last_uid = ?4, uidnext = ?5, highestmodseq = ?6, messages = ?7, \
             unseen = ?8, baseline_at = ?9, notify = ?10 WHERE account_id = ?1 AND name = ?2",
            params![
                account_id,
                name,
                old.uidvalidity,
                old.last_uid,
                old.uidnext,
                old.highestmodseq as i64,
                old.messages,
                old.unseen,
                old.baseline_at,
                old.notify
            ],
        )
        .ctx("adopting a renamed folder's watermark")?;
        Ok(())
    }

    /// First sight of a folder: existing mail is history, not news, so the watermark starts
    /// at UIDNEXT-1 and nothing is fetched.
    pub fn set_baseline(&self, account_id: &str, name: &str, uidvalidity: u32, uidnext: u32) -> Result<(), StoreError> {
        let conn = self.lock()?;
        conn.execute(
            "UPDATE folders SET uidvalidity = ?3, last_uid = ?4, uidnext = ?5, baseline_at = ?6 WHERE account_id = ?1 AND name = ?2",
            params![account_id, name, uidvalidity, uidnext.saturating_sub(1), uidnext, now_rfc3339()],
        )
        .ctx("recording a folder baseline")?;
        Ok(())
    }

    pub fn update_folder_status(&self, account_id: &str, name: &str, u: &FolderStatusUpdate) -> Result<(), StoreError> {
        let conn = self.lock()?;
        write_status(&conn, account_id, name, u)
    }

    /// Many folders' outcomes in one transaction (the unchanged folders of a pass): one disk
    /// sync instead of one per folder.
    pub fn update_folder_statuses(&self, account_id: &str, updates: &[(String, FolderStatusUpdate)]) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting folder status updates")?;
        for (name, u) in updates {
            write_status(&tx, account_id, name, u)?;
        }
        tx.commit().ctx("committing folder status updates")
    }
}

fn write_status(conn: &rusqlite::Connection, account_id: &str, name: &str, u: &FolderStatusUpdate) -> Result<(), StoreError> {
    let now = now_rfc3339();
    let (set_error, error) = match &u.error {
        Some(e) => (true, e.clone()),
        None => (false, None),
    };
    conn.prepare_cached(
        "UPDATE folders SET \
           state = COALESCE(?3, state), \
           last_error = CASE WHEN ?4 THEN ?5 ELSE last_error END, \
           last_attempt_at = CASE WHEN ?6 THEN ?8 ELSE last_attempt_at END, \
           last_sync_at = CASE WHEN ?7 THEN ?8 ELSE last_sync_at END, \
           messages = COALESCE(?9, messages), \
           unseen = COALESCE(?10, unseen), \
           uidnext = COALESCE(?11, uidnext), \
           highestmodseq = COALESCE(?12, highestmodseq) \
         WHERE account_id = ?1 AND name = ?2",
    )
    .ctx("preparing a folder status update")?
    .execute(params![
        account_id,
        name,
        u.state.map(|s| s.as_str()),
        set_error,
        error,
        u.attempted,
        u.succeeded,
        now,
        u.messages,
        u.unseen,
        u.uidnext,
        u.highestmodseq.map(|m| m as i64),
    ])
    .ctx("updating a folder's status")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{account, temp_store};
    use super::*;

    fn listed(name: &str, special: Option<&str>) -> ListedFolder {
        ListedFolder { name: name.into(), raw_name: name.into(), delimiter: Some("/".into()), special_use: special.map(Into::into) }
    }

    #[test]
    fn listing_adds_watches_and_removes() {
        let (_dir, store) = temp_store();
        let acc = store.add_account(&account("a@example.org")).expect("add");
        let changes =
            store.apply_listing(&acc, &[listed("INBOX", None), listed("Junk", Some("\\Junk")), listed("Work", None)]).expect("listing");
        assert_eq!(changes.added, vec!["INBOX", "Junk", "Work"]);
        let rows = store.folders(Some(&acc.id)).expect("folders");
        let watched: Vec<_> = rows.iter().filter(|f| f.watched).map(|f| f.name.as_str()).collect();
        assert_eq!(watched, vec!["INBOX", "Work"]);

        store.set_baseline(&acc.id, "Work", 7, 11).expect("baseline");
        let changes = store.apply_listing(&acc, &[listed("INBOX", None), listed("Junk", Some("\\Junk"))]).expect("listing");
        assert_eq!(changes.removed, vec!["Work"]);
        // Recreated under the same name: no watermark, so it baselines afresh.
        store.apply_listing(&acc, &[listed("INBOX", None), listed("Work", None)]).expect("listing");
        let work = store.folder(&acc.id, "Work").expect("get").expect("exists");
        assert!(!work.has_watermark());
    }

    /// Another process (the CLI beside the app) writes while a listing update reads: the update
    /// waits for that write and then succeeds. As a deferred transaction it read first and, in
    /// WAL mode, failed at its first write with "database is locked" (its snapshot stale).
    #[test]
    fn a_listing_update_waits_for_another_process_that_writes() {
        let (_dir, store) = temp_store();
        let acc = store.add_account(&account("a@example.org")).expect("add");
        store.apply_listing(&acc, &[listed("INBOX", None)]).expect("listing");
        let other = rusqlite::Connection::open(store.path()).expect("a second connection");
        other.busy_timeout(std::time::Duration::from_secs(10)).expect("busy timeout");
        other.execute_batch("BEGIN IMMEDIATE; UPDATE folders SET special_use = 'x'").expect("the other's write");
        let (locked_tx, locked) = std::sync::mpsc::channel();
        let writer = std::thread::spawn(move || {
            locked_tx.send(()).expect("signal");
            // Long enough for the update below to have read its snapshot.
            std::thread::sleep(std::time::Duration::from_millis(500));
            other.execute_batch("COMMIT").expect("the other's commit");
        });
        locked.recv().expect("the other holds the write lock");
        store.apply_listing(&acc, &[listed("INBOX", Some("\\Inbox"))]).expect("the update waits and succeeds");
        writer.join().expect("writer");
        let inbox = store.folder(&acc.id, "INBOX").expect("get").expect("exists");
        assert_eq!(inbox.special_use.as_deref(), Some("\\Inbox"), "the update came after the other write");
    }

    #[test]
    fn status_update_sets_and_clears_errors() {
        let (_dir, store) = temp_store();
        let acc = store.add_account(&account("a@example.org")).expect("add");
        store.apply_listing(&acc, &[listed("INBOX", None)]).expect("listing");
        let fail = FolderStatusUpdate {
            state: Some(FolderState::Error),
            error: Some(Some("NO mailbox is locked".into())),
            attempted: true,
            ..Default::default()
        };
        store.update_folder_status(&acc.id, "INBOX", &fail).expect("update");
        let f = store.folder(&acc.id, "INBOX").expect("get").expect("exists");
        assert_eq!(f.state, FolderState::Error);
        assert_eq!(f.last_error.as_deref(), Some("NO mailbox is locked"));
        assert!(f.last_attempt_at.is_some() && f.last_sync_at.is_none());
        let ok = FolderStatusUpdate {
            state: Some(FolderState::Ok),
            error: Some(None),
            attempted: true,
            succeeded: true,
            messages: Some(3),
            ..Default::default()
        };
        store.update_folder_status(&acc.id, "INBOX", &ok).expect("update");
        let f = store.folder(&acc.id, "INBOX").expect("get").expect("exists");
        assert_eq!((f.state, f.last_error, f.messages), (FolderState::Ok, None, 3));
        assert!(f.last_sync_at.is_some());
    }
}
