//! Keeping the store bounded: which messages are let go of, and when (ARCHITECTURE.md § Data
//! model, "What the store keeps").
//!
//! A sweep walks the messages by row id in small steps, each its own short transaction, so a
//! pass waiting for the store waits one step at most. A message goes as a whole (its first row
//! and every copy, `ON DELETE CASCADE`) and only when none of its rows is still needed. Folder
//! rows, and so the watermarks, are never touched: a UID at or below a folder's watermark is
//! never fetched again, so what is let go of can never be announced a second time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::messages::TRACKED_RECENT;
use super::{SqlContext, Store, StoreError};
use crate::identity::SHARED_FLAGS_PREFIX;

const DAY: u64 = 24 * 60 * 60;

/// A span as chrono counts it (a span too long for it reaches back to the start of time).
fn span(d: Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

/// What the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Read (or deleted) mail older than this goes, unless its folder's newest
    /// [`TRACKED_RECENT`] still on the server (the tracked set) hold it.
    pub max_age: Duration,
    /// No folder keeps more than its newest this many rows, but for the rows that must stay
    /// whatever their number: news, mail still unannounced or held for the digest, the tracked
    /// set, a recent delete.
    pub per_folder: u32,
    /// A row deleted on the server this recently stays: the undo of a delete or a move looks
    /// its old row up (undo tokens live a minute; a day leaves room for a clock that jumps).
    pub undo_grace: Duration,
    /// Messages examined per step (per transaction).
    pub step: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { max_age: Duration::from_secs(90 * DAY), per_folder: 2000, undo_grace: Duration::from_secs(DAY), step: 500 }
    }
}

/// What a sweep let go of so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Messages (first rows) looked at.
    pub examined: u64,
    /// Messages let go of.
    pub messages: u64,
    /// Rows deleted: the messages' rows and their copies'.
    pub rows: u64,
    /// Steps (transactions) it took.
    pub steps: u64,
}

/// Per folder, what protects its rows, read once per sweep. Rows inserted during the sweep
/// only make both marks stale on the safe side (they would protect more, never less).
#[derive(Debug, Clone, Copy)]
struct Marks {
    /// Rows with an id below this are beyond the folder's newest `per_folder`.
    cap_below: Option<i64>,
    /// The folder's current UIDVALIDITY and the lowest UID of its tracked newest rows.
    tracked: Option<(u32, u32)>,
}

/// One sweep over the messages, taken a step at a time with [`Store::prune_step`].
#[derive(Debug)]
pub struct Sweep {
    retention: Retention,
    /// Rows older than this (arrival on the server) are old.
    old_before: DateTime<Utc>,
    /// Rows expunged after this (RFC 3339, as `expunged_at` is written) are kept for undo.
    undo_after: String,
    /// The highest first-row id examined.
    cursor: i64,
    marks: HashMap<(String, String), Marks>,
    done: bool,
    pub report: PruneReport,
}

impl Sweep {
    pub fn new(retention: Retention, now: DateTime<Utc>) -> Sweep {
        Sweep {
            retention,
            old_before: now.checked_sub_signed(span(retention.max_age)).unwrap_or(DateTime::<Utc>::MIN_UTC),
            undo_after: now
                .checked_sub_signed(span(retention.undo_grace))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            cursor: 0,
            marks: HashMap::new(),
            done: false,
            report: PruneReport::default(),
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// One row of a message, as the decision needs it.
struct Row {
    first: i64,
    account_id: String,
    folder: String,
    uidvalidity: u32,
    uid: u32,
    id: i64,
    identity: String,
    arrived: Option<DateTime<Utc>>,
    announced: bool,
    held: bool,
    expunged_at: Option<String>,
    seen: bool,
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

fn marks_of(conn: &Connection, retention: &Retention, account_id: &str, folder: &str) -> Result<Marks, StoreError> {
    let cap_below: Option<i64> = conn
        .query_row(
            "SELECT id FROM messages WHERE account_id = ?1 AND folder = ?2 ORDER BY id DESC LIMIT 1 OFFSET ?3",
            params![account_id, folder, i64::from(retention.per_folder.max(1)) - 1],
            |r| r.get(0),
        )
        .optional()
        .ctx("reading a folder's newest messages")?;
    // A folder no longer listed has no current UIDVALIDITY: nothing of it is followed.
    let validity: Option<u32> = conn
        .query_row("SELECT uidvalidity FROM folders WHERE account_id = ?1 AND name = ?2", params![account_id, folder], |r| r.get(0))
        .optional()
        .ctx("reading a folder's UIDVALIDITY")?;
    let tracked = match validity {
        None => None,
        Some(v) => {
            // The same rows as `tracked_uids`' newest half: fewer than that many, all of them.
            let from: Option<u32> = conn
                .query_row(
                    "SELECT uid FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND expunged_at IS NULL \
                     ORDER BY uid DESC LIMIT 1 OFFSET ?4",
                    params![account_id, folder, v, TRACKED_RECENT - 1],
                    |r| r.get(0),
                )
                .optional()
                .ctx("reading a folder's tracked messages")?;
            Some((v, from.unwrap_or(0)))
        }
    };
    Ok(Marks { cap_below, tracked })
}

impl Sweep {
    /// Whether this row must stay, with its message.
    fn keeps(&self, row: &Row, marks: &Marks, news: bool) -> bool {
        if !row.announced || row.held {
            // Owed to the outbox, or to the digest of the quiet hours.
            return true;
        }
        if row.expunged_at.as_deref().is_some_and(|at| at > self.undo_after.as_str()) {
            return true;
        }
        let tracked = marks.tracked.is_some_and(|(v, from)| row.uidvalidity == v && row.expunged_at.is_none() && row.uid >= from);
        if tracked {
            return true;
        }
        // News stays, whatever its age and however many rows its folder has: pruning never
        // takes a message out of New mail (or the count). Its rows are bounded by what the
        // server holds unread, not by time; the cap and the age bound the rest.
        if news {
            return true;
        }
        if marks.cap_below.is_some_and(|below| row.id < below) {
            return false;
        }
        // Within the cap, the rest stays while it is recent. A row whose arrival is unknown
        // counts as recent.
        row.arrived.is_none_or(|t| t >= self.old_before)
    }
}

/// Whether a message is news, from all its rows: as `messages::news` decides it in SQL.
fn is_news(rows: &[&Row]) -> bool {
    let unread_here = rows.iter().any(|r| !r.seen && r.expunged_at.is_none());
    let shared = rows.iter().any(|r| r.id == r.first && r.identity.starts_with(SHARED_FLAGS_PREFIX));
    unread_here && !(shared && rows.iter().any(|r| r.seen))
}

impl Store {
    /// Takes one step of `sweep`: examines the next [`Retention::step`] messages and deletes,
    /// in one transaction, those nothing needs any more. Returns whether the sweep has more
    /// to do.
    pub fn prune_step(&self, sweep: &mut Sweep) -> Result<bool, StoreError> {
        if sweep.done {
            return Ok(false);
        }
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting to prune messages")?;
        let last: Option<i64> = tx
            .query_row(
                "SELECT MAX(id) FROM (SELECT id FROM messages WHERE id > ?1 AND copy_of IS NULL ORDER BY id LIMIT ?2)",
                params![sweep.cursor, sweep.retention.step.max(1)],
                |r| r.get(0),
            )
            .ctx("finding messages to prune")?;
        let Some(last) = last else {
            sweep.done = true;
            return Ok(false);
        };
        let rows = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT COALESCE(copy_of, id), account_id, folder, uidvalidity, uid, id, identity, internal_date, fetched_at, \
                     announced, held_at IS NOT NULL, expunged_at, seen FROM messages \
                     WHERE (id > ?1 AND id <= ?2 AND copy_of IS NULL) OR (copy_of > ?1 AND copy_of <= ?2)",
                )
                .ctx("preparing the prune scan")?;
            let rows = stmt
                .query_map(params![sweep.cursor, last], |r| {
                    let internal: String = r.get(7)?;
                    let fetched: String = r.get(8)?;
                    Ok(Row {
                        first: r.get(0)?,
                        account_id: r.get(1)?,
                        folder: r.get(2)?,
                        uidvalidity: r.get(3)?,
                        uid: r.get(4)?,
                        id: r.get(5)?,
                        identity: r.get(6)?,
                        arrived: parse_time(&internal).or_else(|| parse_time(&fetched)),
                        announced: r.get(9)?,
                        held: r.get(10)?,
                        expunged_at: r.get(11)?,
                        seen: r.get(12)?,
                    })
                })
                .ctx("scanning messages to prune")?;
            rows.collect::<Result<Vec<Row>, _>>().ctx("reading messages to prune")?
        };
        let mut groups: HashMap<i64, Vec<&Row>> = HashMap::new();
        for row in &rows {
            groups.entry(row.first).or_default().push(row);
        }
        let mut gone: Vec<(i64, usize)> = Vec::new();
        for (first, group) in &groups {
            let news = is_news(group);
            let mut keep = false;
            for row in group {
                let key = (row.account_id.clone(), row.folder.clone());
                let marks = match sweep.marks.get(&key) {
                    Some(m) => *m,
                    None => {
                        let m = marks_of(&tx, &sweep.retention, &row.account_id, &row.folder)?;
                        sweep.marks.insert(key, m);
                        m
                    }
                };
                if sweep.keeps(row, &marks, news) {
                    keep = true;
                    break;
                }
            }
            if !keep {
                gone.push((*first, group.len()));
            }
        }
        {
            // The copies go with their first row (`copy_of ... ON DELETE CASCADE`).
            let mut delete = tx.prepare_cached("DELETE FROM messages WHERE id = ?1").ctx("preparing the prune")?;
            for (first, _) in &gone {
                delete.execute([first]).ctx("pruning a message")?;
            }
        }
        tx.commit().ctx("committing a prune step")?;
        sweep.cursor = last;
        sweep.report.steps += 1;
        sweep.report.examined += groups.len() as u64;
        sweep.report.messages += gone.len() as u64;
        sweep.report.rows += gone.iter().map(|(_, n)| *n as u64).sum::<u64>();
        Ok(true)
    }

    /// A whole sweep in one go (step after step, the lock let go in between): for tools and
    /// tests. The engine takes the steps itself, yielding between them.
    pub fn prune(&self, retention: Retention, now: DateTime<Utc>) -> Result<PruneReport, StoreError> {
        let mut sweep = Sweep::new(retention, now);
        while self.prune_step(&mut sweep)? {}
        Ok(sweep.report)
    }

    /// Gives up to `pages` free pages back to the file system (`PRAGMA incremental_vacuum`).
    /// A store created before auto_vacuum was set is converted once, with a VACUUM (a rewrite
    /// of the file: it cannot run in a migration's transaction, so the first sweep does it).
    /// Returns how many free pages are left.
    pub fn reclaim(&self, pages: u32) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0)).ctx("reading the vacuum mode")?;
        if mode == INCREMENTAL {
            // The pragma returns a row per step; `execute_batch` runs it to the end.
            conn.execute_batch(&format!("PRAGMA incremental_vacuum({pages})")).ctx("giving free pages back")?;
        } else {
            conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;").ctx("converting the store to incremental vacuum")?;
        }
        conn.query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0)).map(|n| n.max(0) as u64).ctx("counting free pages")
    }

    /// How many message rows the store holds (copies included).
    pub fn message_rows(&self) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get::<_, i64>(0)).map(|n| n.max(0) as u64).ctx("counting messages")
    }

    /// The store's size on disk in bytes: its pages, free ones included (the write-ahead log
    /// aside).
    pub fn size_bytes(&self) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).ctx("reading the page count")?;
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).ctx("reading the page size")?;
        Ok((pages.max(0) as u64) * (size.max(0) as u64))
    }
}

/// `PRAGMA auto_vacuum`'s value for INCREMENTAL.
pub(super) const INCREMENTAL: i64 = 2;

#[cfg(test)]
mod tests {
    use super::super::testutil::{account, temp_store};
    use super::*;
    use crate::model::{FlagChange, ListedFolder};
    use crate::rules::{decide, Facts, Rules};
    use crate::store::NewMessage;

    fn msg(uid: u32, arrived: DateTime<Utc>, seen: bool) -> NewMessage {
        NewMessage {
            uid,
            identity: Some(format!("mid:m{uid}@example.org")),
            message_id: Some(format!("m{uid}@example.org")),
            from_name: Some("Bob".into()),
            from_addr: Some("bob@example.org".into()),
            subject: format!("hello {uid}"),
            date: arrived.to_rfc3339(),
            internal_date: arrived.to_rfc3339_opts(SecondsFormat::Secs, true),
            size: 1234,
            preview: "x".repeat(500),
            flags: if seen { vec!["\\Seen".into()] } else { vec![] },
            list_id: None,
        }
    }

    /// An account with INBOX (UIDVALIDITY 5) and Work (7), both baselined at UID 1.
    fn setup() -> (tempfile::TempDir, Store, String) {
        let (dir, store) = temp_store();
        let acc = store.add_account(&account("a@example.org")).expect("add");
        let listed = |n: &str| ListedFolder { name: n.into(), raw_name: n.into(), delimiter: None, special_use: None };
        store.apply_listing(&acc, &[listed("INBOX"), listed("Work")]).expect("listing");
        store.set_baseline(&acc.id, "INBOX", 5, 1).expect("baseline");
        store.set_baseline(&acc.id, "Work", 7, 1).expect("baseline");
        (dir, store, acc.id)
    }

    /// Commits a batch and marks it announced, as a pass does.
    fn commit(store: &Store, id: &str, folder: &str, validity: u32, batch: &[NewMessage]) {
        let top = batch.iter().map(|m| m.uid).max().unwrap_or(0);
        let rows = store.commit_batch(id, folder, validity, batch, top).expect("db").expect("fresh");
        store.mark_announced(&rows.iter().map(|i| (i.row_id(), None)).collect::<Vec<_>>()).expect("announced");
    }

    fn uids(store: &Store, id: &str, folder: &str) -> Vec<u32> {
        let conn = store.lock().expect("lock");
        let mut stmt = conn.prepare("SELECT uid FROM messages WHERE account_id = ?1 AND folder = ?2 ORDER BY uid").expect("prepare");
        let rows = stmt.query_map(params![id, folder], |r| r.get(0)).expect("query");
        rows.collect::<Result<Vec<u32>, _>>().expect("rows")
    }

    #[test]
    fn old_read_mail_goes_and_what_the_lists_the_tracked_set_and_the_digest_need_stays() {
        let (_dir, store, id) = setup();
        let now = Utc::now();
        let old = now - ChronoDuration::days(200);
        // 400 old read messages in INBOX: the newest 300 of them are the tracked set.
        let batch: Vec<NewMessage> = (2..402).map(|uid| msg(uid, old, true)).collect();
        for chunk in batch.chunks(200) {
            commit(&store, &id, "INBOX", 5, chunk);
        }
        // Old, but still unread (news); old and read with a copy in Work that is recent.
        commit(&store, &id, "INBOX", 5, &[msg(402, old, false)]);
        commit(&store, &id, "INBOX", 5, &[NewMessage { identity: Some("mid:shared@x".into()), ..msg(403, old, true) }]);
        commit(&store, &id, "Work", 7, &[NewMessage { identity: Some("mid:shared@x".into()), ..msg(2, now, false) }]);
        // Old and read, but never announced (killed before the event went out), and one
        // announced quiet, held for the digest. These come last: the tracked set is by UID.
        let work = |uid: u32| NewMessage { identity: Some(format!("mid:w{uid}@x")), ..msg(uid, old, true) };
        let owed = store.commit_batch(&id, "Work", 7, &[work(3), work(4)], 4).expect("db").expect("fresh");
        let quiet = decide(
            &Rules::default(),
            &Facts { folder: "Work", folder_notify: true, account_notify: true, quiet_now: true, ..Facts::default() },
        );
        store.mark_announced(&[(owed[1].row_id(), Some(quiet))]).expect("held");
        // Newer mail in Work, so that those two are not in its tracked set.
        commit(
            &store,
            &id,
            "Work",
            7,
            &(5..305).map(|uid| NewMessage { identity: Some(format!("mid:w{uid}@x")), ..msg(uid, now, true) }).collect::<Vec<_>>(),
        );
        let news_before = store.news(None, 1000).expect("news");
        let recent_before = store.messages(None, 200).expect("recent");

        let report = store.prune(Retention { step: 7, ..Retention::default() }, now).expect("prune");
        // INBOX's newest 300 still on the server stay (UIDs 104..=403), the 102 older ones
        // go; Work keeps all.
        let inbox = uids(&store, &id, "INBOX");
        assert_eq!(report.messages, 102, "{report:?}");
        assert_eq!(report.rows, 102);
        assert!(report.steps > 1, "in steps: {report:?}");
        assert_eq!(inbox.first(), Some(&104), "{inbox:?}");
        assert_eq!(inbox.len(), 300);
        assert_eq!(uids(&store, &id, "Work").len(), 303);
        // Nothing a list shows changed, nor the tracked set, nor the watermarks.
        assert_eq!(store.news(None, 1000).expect("news"), news_before);
        assert_eq!(store.messages(None, 200).expect("recent"), recent_before);
        assert_eq!(store.tracked_uids(&id, "INBOX", 5).expect("tracked").len(), 300);
        assert_eq!(store.folder(&id, "INBOX").expect("get").expect("row").last_uid, 403);
        assert_eq!(store.unannounced(&id).expect("owed").len(), 1);
        // A second sweep finds nothing more.
        assert_eq!(store.prune(Retention::default(), now).expect("prune").messages, 0);

        // The owed one is announced, the digest taken, the news read: now they may go (the
        // shared message only with its Work copy, which is recent: not yet).
        store.mark_announced(&[(owed[0].row_id(), None)]).expect("announced");
        store.take_held().expect("digest");
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(402, vec!["\\Seen".into()])], None).expect("read");
        // 300 more rows newer than the rest push 402 out of INBOX's newest 300.
        let newer: Vec<NewMessage> = (404..704).map(|uid| msg(uid, old, true)).collect();
        commit(&store, &id, "INBOX", 5, &newer);
        store.prune(Retention::default(), now).expect("prune");
        let work = uids(&store, &id, "Work");
        assert_eq!((work.len(), work[..2].to_vec()), (301, vec![2, 5]), "the digest's and the outbox's rows went once let go of");
        let inbox = uids(&store, &id, "INBOX");
        assert!(!inbox.contains(&402) && inbox.contains(&403), "read news goes, a message with a kept copy stays: {inbox:?}");
    }

    #[test]
    fn a_folder_keeps_at_most_its_newest_but_all_news_and_a_recent_delete_stays_for_undo() {
        let (_dir, store, id) = setup();
        let now = Utc::now();
        // Twenty recent messages, the three oldest unread, then a new UIDVALIDITY: they are
        // history, not tracked. The cap keeps the newest five, and the news whatever the cap:
        // pruning never takes a message out of New mail.
        commit(&store, &id, "INBOX", 5, &(2..22).map(|uid| msg(uid, now, uid > 4)).collect::<Vec<_>>());
        store.commit_rebaseline(&id, "INBOX", 6, 100, &[], None).expect("rebaseline");
        let news_before = store.news(None, 1000).expect("news");
        let cap = Retention { per_folder: 5, ..Retention::default() };
        store.prune(cap, now).expect("prune");
        assert_eq!(uids(&store, &id, "INBOX"), vec![2, 3, 4, 17, 18, 19, 20, 21]);
        assert_eq!(store.news(None, 1000).expect("news"), news_before);
        assert_eq!(store.folder(&id, "INBOX").expect("get").expect("row").last_uid, 99, "the watermark is untouched");

        // Deleted on the server just now: kept through the undo's grace, then let go of.
        let work: Vec<NewMessage> = (2..400)
            .map(|uid| NewMessage { identity: Some(format!("mid:w{uid}@x")), ..msg(uid, now - ChronoDuration::days(100), true) })
            .collect();
        commit(&store, &id, "Work", 7, &work);
        store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Expunged(399)], None).expect("expunge");
        store.prune(Retention::default(), now).expect("prune");
        assert!(uids(&store, &id, "Work").contains(&399));
        store.prune(Retention::default(), now + ChronoDuration::days(2)).expect("prune");
        let work = uids(&store, &id, "Work");
        assert!(!work.contains(&399), "gone after the grace");
        assert_eq!(work.len(), 300, "the tracked set stays: {}", work.len());
    }

    #[test]
    fn pruned_pages_go_back_to_the_file_system() {
        let (_dir, store, id) = setup();
        let now = Utc::now();
        let mode: i64 = store.lock().expect("lock").query_row("PRAGMA auto_vacuum", [], |r| r.get(0)).expect("mode");
        assert_eq!(mode, INCREMENTAL, "a new store is created with incremental vacuum");
        let old = now - ChronoDuration::days(120);
        for start in (2..6002).step_by(200) {
            commit(&store, &id, "INBOX", 5, &(start..start + 200).map(|uid| msg(uid, old, true)).collect::<Vec<_>>());
        }
        let full = store.size_bytes().expect("size");
        store.prune(Retention::default(), now).expect("prune");
        assert_eq!(store.size_bytes().expect("size"), full, "deleting alone leaves the pages free in the file");
        let mut left = u64::MAX;
        while left > 0 {
            let before = left;
            left = store.reclaim(100).expect("reclaim");
            assert!(left < before, "each step gives pages back");
        }
        assert!(store.size_bytes().expect("size") * 4 < full, "{} of {full}", store.size_bytes().expect("size"));
    }

    #[test]
    fn a_store_from_before_is_converted_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch("PRAGMA auto_vacuum = NONE; CREATE TABLE t (x); DROP TABLE t;").expect("old file");
        }
        let store = Store::open(&path).expect("open");
        let mode = || store.lock().expect("lock").query_row("PRAGMA auto_vacuum", [], |r| r.get::<_, i64>(0)).expect("mode");
        assert_eq!(mode(), 0);
        store.reclaim(10).expect("convert");
        assert_eq!(mode(), INCREMENTAL);
        assert!(store.account("nobody").expect("still readable").is_none());
    }
}
