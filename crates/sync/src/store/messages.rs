//! Message rows and the two transactions that move a watermark: a fetched batch, and a
//! UIDVALIDITY reset with the mail recovered around it.
//!
//! One message may be held as several rows, one per folder it is in (a Gmail label and
//! INBOX, a rule's copy): rows with the same `identity` in one account are copies, and every
//! later copy points at the first with `copy_of`. The first row stands for the message: it
//! alone is listed, announced and counted, with the folders of all its copies and a read
//! state that sums theirs up (see [`news`]).

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use super::{now_rfc3339, SqlContext, Store, StoreError};
use crate::identity::SHARED_FLAGS_PREFIX;
use crate::model::FlagChange;
use crate::rules::{Decision, Ring};

/// A message summary ready to insert: bounded text only, never the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub uid: u32,
    /// Its identity within the account (identity.rs); `None`: nothing identifies it, and the
    /// store gives it one of its own (it is never merged with another).
    pub identity: Option<String>,
    pub message_id: Option<String>,
    pub from_name: Option<String>,
    pub from_addr: Option<String>,
    pub subject: String,
    /// RFC 3339.
    pub date: String,
    /// RFC 3339 in UTC ("...Z"); empty when the server gave none.
    pub internal_date: String,
    pub size: u32,
    pub preview: String,
    pub flags: Vec<String>,
    /// The List-Id header's id (inside its `<>`), for muting a mailing list.
    pub list_id: Option<String>,
}

/// A message as Mailbell lists it: the first copy's row, with what its copies add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StoredMessage {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub account_id: String,
    /// The folder where Mailbell first saw it (its first copy's).
    pub folder: String,
    pub uidvalidity: u32,
    pub uid: u32,
    pub message_id: Option<String>,
    pub from_name: Option<String>,
    pub from_addr: Option<String>,
    pub subject: String,
    pub date: String,
    pub internal_date: String,
    pub size: u32,
    pub preview: String,
    pub flags: Vec<String>,
    pub fetched_at: String,
    /// The user has seen it in Mailbell's list (Mailbell's own mark; the server's \Seen is
    /// never touched).
    pub viewed: bool,
    /// The server says it has been read (\Seen), here or in another client: every copy still
    /// on the server is read (on Gmail, which shares flags across labels: any copy).
    pub seen: bool,
    /// It was deleted on the server, every copy of it; kept here as history.
    pub expunged: bool,
    /// What makes its copies one message (identity.rs).
    pub identity: String,
    /// Every folder it is known in, the first one first.
    pub folders: Vec<String>,
    /// The List-Id header's id, if it came through a mailing list.
    pub list_id: Option<String>,
    /// How it was announced (rules/decide.rs); `ring` until it is.
    pub ring: Ring,
    /// Why (a `RingReason` in snake_case), if there was a reason.
    pub ring_reason: Option<String>,
}

impl StoredMessage {
    /// Still news: not read anywhere and still on the server.
    pub fn is_new(&self) -> bool {
        !self.seen && !self.expunged
    }
}

impl StoredMessage {
    /// "Name <addr>", or whichever half exists.
    pub fn from_display(&self) -> String {
        match (&self.from_name, &self.from_addr) {
            (Some(n), Some(a)) => format!("{n} <{a}>"),
            (Some(n), None) => n.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => String::new(),
        }
    }
}

/// How many of a folder's newest held messages are followed even once read: a message marked
/// unread again elsewhere is news again only if it is followed. Sized to the "Recent" view (a
/// few hundred messages) and cheap on every path: with QRESYNC the UIDs travel as ranges in
/// EXAMINE and only changes come back; with CONDSTORE only changed flags come back, plus one
/// SEARCH line of existing UIDs; the plain path fetches this many FLAGS lines (some 15 KB) only
/// when the folder's counts moved.
pub const TRACKED_RECENT: u32 = 300;

/// The copies of the message whose first row is `m` (`m` itself included).
const COPIES: &str = "(c.id = m.id OR c.copy_of = m.id)";

/// Whether the message of first row `m` is still news: some copy is on the server and unread,
/// and, where the server shares flags across copies (Gmail), no copy is read (a label the
/// pass has not looked at yet may still show the old flag).
fn news() -> String {
    format!(
        "(EXISTS (SELECT 1 FROM messages c WHERE {COPIES} AND c.seen = 0 AND c.expunged_at IS NULL) \
         AND NOT (m.identity LIKE '{SHARED_FLAGS_PREFIX}%' AND EXISTS (SELECT 1 FROM messages c WHERE {COPIES} AND c.seen = 1)))"
    )
}

/// The listed columns of a message's first row `m`, in [`from_row`]'s order.
fn listed_columns() -> String {
    format!(
        "m.id, m.account_id, m.folder, m.uidvalidity, m.uid, m.message_id, m.from_name, m.from_addr, m.subject, \
         m.date, m.internal_date, m.size, m.preview, m.flags, m.fetched_at, m.viewed, \
         NOT EXISTS (SELECT 1 FROM messages c WHERE {COPIES} AND c.expunged_at IS NULL) AS gone, \
         {} AS news, m.identity, \
         (SELECT group_concat(folder, char(10)) FROM (SELECT c.folder FROM messages c WHERE {COPIES} GROUP BY c.folder ORDER BY MIN(c.id))), \
         m.list_id, m.ring, m.ring_reason",
        news()
    )
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredMessage> {
    let flags: String = r.get(13)?;
    let expunged: bool = r.get(16)?;
    let news: bool = r.get(17)?;
    let folders: Option<String> = r.get(19)?;
    Ok(StoredMessage {
        id: r.get(0)?,
        account_id: r.get(1)?,
        folder: r.get(2)?,
        uidvalidity: r.get(3)?,
        uid: r.get(4)?,
        message_id: opt(r.get(5)?),
        from_name: opt(r.get(6)?),
        from_addr: opt(r.get(7)?),
        subject: r.get(8)?,
        date: r.get(9)?,
        internal_date: r.get(10)?,
        size: r.get(11)?,
        preview: r.get(12)?,
        flags: flags.split(' ').filter(|f| !f.is_empty()).map(str::to_string).collect(),
        fetched_at: r.get(14)?,
        viewed: r.get(15)?,
        // Neither news nor gone: read.
        seen: !news && !expunged,
        expunged,
        identity: r.get(18)?,
        folders: folders.unwrap_or_default().split('\n').filter(|f| !f.is_empty()).map(str::to_string).collect(),
        list_id: opt(r.get(20)?),
        // The CHECK constraint keeps the column to the three values.
        ring: Ring::parse(&r.get::<_, String>(21)?).unwrap_or_default(),
        ring_reason: opt(r.get(22)?),
    })
}

/// Whether the message whose first row is `first_id` is news now.
fn is_news(tx: &rusqlite::Connection, first_id: i64) -> Result<bool, StoreError> {
    tx.query_row(&format!("SELECT {} FROM messages m WHERE m.id = ?1", news()), [first_id], |r| r.get(0)).ctx("reading a message's state")
}

/// The message whose first row is `first_id`, as listed.
fn listed(tx: &rusqlite::Connection, first_id: i64) -> Result<StoredMessage, StoreError> {
    tx.query_row(&format!("SELECT {} FROM messages m WHERE m.id = ?1", listed_columns()), [first_id], from_row).ctx("reading a message")
}

pub(crate) fn has_seen(flags: &[String]) -> bool {
    flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"))
}

/// A held row whose state really changed, for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageUpdate {
    pub uid: u32,
    /// This row's (this folder's copy's) new state.
    pub seen: bool,
    pub expunged: bool,
    /// The message it is a copy of, as now listed.
    pub message: StoredMessage,
}

/// A row a batch really inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The first copy of a message: news to announce.
    First(StoredMessage),
    /// A later copy of a message already held (another folder, or the same one again): the
    /// message gains a folder and rings no second time.
    Copy {
        /// The copy's own row.
        id: i64,
        folder: String,
        uidvalidity: u32,
        uid: u32,
        seen: bool,
        /// The message, as now listed (with this folder among its folders).
        message: StoredMessage,
    },
}

impl Inserted {
    pub fn is_first(&self) -> bool {
        matches!(self, Inserted::First(_))
    }

    /// The row this is about (the first copy's for `First`, the new copy's for `Copy`).
    pub fn row_id(&self) -> i64 {
        match self {
            Inserted::First(m) => m.id,
            Inserted::Copy { id, .. } => *id,
        }
    }
}

/// Why a batch was not committed although the database is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRejected {
    /// The folder's row is gone (deleted on the server meanwhile) or its UIDVALIDITY moved on:
    /// the batch's UIDs mean nothing any more.
    StaleFolder,
}

/// Inserts rows idempotently, linking each to an earlier copy of the same message; returns
/// those really inserted, in input order.
fn insert_all(
    tx: &Transaction<'_>,
    account_id: &str,
    folder: &str,
    uidvalidity: u32,
    messages: &[NewMessage],
) -> Result<Vec<Inserted>, StoreError> {
    let fetched_at = now_rfc3339();
    let mut first_of = tx
        .prepare_cached("SELECT id FROM messages WHERE account_id = ?1 AND identity = ?2 AND copy_of IS NULL ORDER BY id LIMIT 1")
        .ctx("preparing a copy lookup")?;
    let mut insert = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO messages (account_id, folder, uidvalidity, uid, message_id, from_name, from_addr, \
             subject, date, internal_date, size, preview, flags, fetched_at, seen, identity, copy_of, list_id, announced) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 0)",
        )
        .ctx("preparing a message insert")?;
    let mut inserted = Vec::new();
    for m in messages {
        let first: Option<i64> = match &m.identity {
            Some(identity) => first_of.query_row(params![account_id, identity], |r| r.get(0)).optional().ctx("looking up a copy")?,
            None => None,
        };
        let n = insert
            .execute(params![
                account_id,
                folder,
                uidvalidity,
                m.uid,
                m.message_id.clone().unwrap_or_default(),
                m.from_name.clone().unwrap_or_default(),
                m.from_addr.clone().unwrap_or_default(),
                m.subject,
                m.date,
                m.internal_date,
                m.size,
                m.preview,
                m.flags.join(" "),
                fetched_at,
                has_seen(&m.flags),
                m.identity.clone().unwrap_or_default(),
                first,
                m.list_id.clone().unwrap_or_default(),
            ])
            .ctx("inserting a message")?;
        if n == 0 {
            continue;
        }
        let id = tx.last_insert_rowid();
        let identity = match &m.identity {
            Some(identity) => identity.clone(),
            None => {
                // Nothing identifies it: an identity of its own, so it matches no other row.
                tx.execute("UPDATE messages SET identity = 'row:' || id WHERE id = ?1", [id]).ctx("naming a message")?;
                format!("row:{id}")
            }
        };
        inserted.push(match first {
            // A first copy is the message as listed, from what was just inserted: no query.
            None => Inserted::First(StoredMessage {
                id,
                account_id: account_id.to_string(),
                folder: folder.to_string(),
                uidvalidity,
                uid: m.uid,
                message_id: m.message_id.clone(),
                from_name: m.from_name.clone(),
                from_addr: m.from_addr.clone(),
                subject: m.subject.clone(),
                date: m.date.clone(),
                internal_date: m.internal_date.clone(),
                size: m.size,
                preview: m.preview.clone(),
                flags: m.flags.clone(),
                fetched_at: fetched_at.clone(),
                viewed: false,
                seen: has_seen(&m.flags),
                expunged: false,
                identity,
                folders: vec![folder.to_string()],
                list_id: m.list_id.clone(),
                ring: Ring::Ring,
                ring_reason: None,
            }),
            Some(first) => Inserted::Copy {
                id,
                folder: folder.to_string(),
                uidvalidity,
                uid: m.uid,
                seen: has_seen(&m.flags),
                message: listed(tx, first)?,
            },
        });
    }
    Ok(inserted)
}

impl Store {
    /// Inserts one fetched batch and advances the folder's watermark to `advance_to` (never
    /// backwards) in a single transaction. Only rows that were not there yet are returned, so
    /// a batch replayed after a crash emits no second event.
    pub fn commit_batch(
        &self,
        account_id: &str,
        folder: &str,
        uidvalidity: u32,
        messages: &[NewMessage],
        advance_to: u32,
    ) -> Result<Result<Vec<Inserted>, BatchRejected>, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting a batch")?;
        let n = tx
            .execute(
                "UPDATE folders SET last_uid = MAX(last_uid, ?4) WHERE account_id = ?1 AND name = ?2 AND uidvalidity = ?3",
                params![account_id, folder, uidvalidity, advance_to],
            )
            .ctx("advancing a watermark")?;
        if n == 0 {
            return Ok(Err(BatchRejected::StaleFolder));
        }
        let inserted = insert_all(&tx, account_id, folder, uidvalidity, messages)?;
        tx.commit().ctx("committing a batch")?;
        Ok(Ok(inserted))
    }

    /// A new baseline for a folder whose UIDVALIDITY changed (every stored UID of it is void)
    /// or that is new: in one transaction, store the messages recovered from around it under
    /// the new UIDVALIDITY, move the watermark to the new baseline and leave the notice.
    pub fn commit_rebaseline(
        &self,
        account_id: &str,
        folder: &str,
        new_uidvalidity: u32,
        uidnext: u32,
        recovered: &[NewMessage],
        notice: Option<&str>,
    ) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting a new baseline")?;
        let inserted = insert_all(&tx, account_id, folder, new_uidvalidity, recovered)?;
        tx.execute(
            "UPDATE folders SET uidvalidity = ?3, last_uid = ?4, uidnext = ?5, notice = ?6, baseline_at = ?7 WHERE account_id = ?1 AND name = ?2",
            params![account_id, folder, new_uidvalidity, uidnext.saturating_sub(1), uidnext, notice, now_rfc3339()],
        )
        .ctx("re-baselining a folder")?;
        tx.commit().ctx("committing a new baseline")?;
        Ok(inserted)
    }

    /// The account's rows whose event never went out (the process was killed between the
    /// commit and the announcement), oldest first, as a batch would have announced them.
    pub fn unannounced(&self, account_id: &str) -> Result<Vec<Inserted>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, copy_of, folder, uidvalidity, uid, seen FROM messages WHERE account_id = ?1 AND announced = 0 ORDER BY id",
            )
            .ctx("listing unannounced messages")?;
        let rows = stmt
            .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .ctx("listing unannounced messages")?
            .collect::<Result<Vec<(i64, Option<i64>, String, u32, u32, bool)>, _>>()
            .ctx("reading unannounced messages")?;
        drop(stmt);
        rows.into_iter()
            .map(|(id, copy_of, folder, uidvalidity, uid, seen)| {
                Ok(match copy_of {
                    None => Inserted::First(listed(&conn, id)?),
                    Some(first) => Inserted::Copy { id, folder, uidvalidity, uid, seen, message: listed(&conn, first)? },
                })
            })
            .collect()
    }

    /// Marks rows announced: their events went out. A first copy's row also keeps how it was
    /// announced, and one held for the digest (`quiet`) is held from now on.
    pub fn mark_announced(&self, marks: &[(i64, Option<Decision>)]) -> Result<(), StoreError> {
        if marks.is_empty() {
            return Ok(());
        }
        let now = now_rfc3339();
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting to mark messages announced")?;
        {
            let mut mark = tx.prepare_cached("UPDATE messages SET announced = 1 WHERE id = ?1").ctx("preparing announced marks")?;
            let mut decided = tx
                .prepare_cached(
                    "UPDATE messages SET announced = 1, ring = ?2, ring_reason = ?3, \
                     held_at = CASE WHEN ?2 = 'quiet' THEN COALESCE(held_at, ?4) ELSE NULL END WHERE id = ?1",
                )
                .ctx("preparing announced marks")?;
            for (id, decision) in marks {
                match decision {
                    None => mark.execute([id]).ctx("marking a message announced")?,
                    Some(d) => decided
                        .execute(params![id, d.ring.as_str(), d.reason.map(|r| r.as_str()).unwrap_or_default(), now])
                        .ctx("marking a message announced")?,
                };
            }
        }
        tx.commit().ctx("committing announced marks")
    }

    /// Takes the messages held for the digest (announced `quiet`, not summed up yet): returns
    /// them newest first, as listed now (read or deleted meanwhile shows), with when the
    /// first was held, and lets go of them, in one transaction. So when two programs share
    /// the store (the app and `watch`), one of them sums them up, once.
    pub fn take_held(&self) -> Result<(Vec<StoredMessage>, Option<String>), StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting to take held messages")?;
        let held = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {} FROM messages m WHERE m.held_at IS NOT NULL AND m.copy_of IS NULL ORDER BY m.internal_date DESC, m.id DESC",
                    listed_columns()
                ))
                .ctx("listing held messages")?;
            let rows = stmt.query_map([], from_row).ctx("listing held messages")?;
            rows.collect::<Result<Vec<_>, _>>().ctx("reading held messages")?
        };
        let since: Option<String> =
            tx.query_row("SELECT MIN(held_at) FROM messages WHERE held_at IS NOT NULL", [], |r| r.get(0)).ctx("reading held messages")?;
        tx.execute("UPDATE messages SET held_at = NULL WHERE held_at IS NOT NULL", []).ctx("releasing held messages")?;
        tx.commit().ctx("committing released messages")?;
        Ok((held, since))
    }

    /// UIDs of the folder's held messages whose read state and existence Mailbell follows:
    /// every one still news (not \Seen, not expunged), and the newest [`TRACKED_RECENT`] still
    /// on the server whatever their read state, so that mail marked unread again elsewhere can
    /// become news again (ARCHITECTURE.md § Read state and deletions). The set stays bounded
    /// however large the folder: by its unread held mail plus a constant.
    pub fn tracked_uids(&self, account_id: &str, folder: &str, uidvalidity: u32) -> Result<Vec<u32>, StoreError> {
        let conn = self.lock()?;
        // The first half reads the partial index of unread rows; the second walks the
        // (account, folder, uidvalidity, uid) key backwards and stops after the limit.
        let mut stmt = conn
            .prepare_cached(
                "SELECT uid FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 \
                 AND seen = 0 AND expunged_at IS NULL \
                 UNION SELECT uid FROM (SELECT uid FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 \
                 AND expunged_at IS NULL ORDER BY uid DESC LIMIT ?4) ORDER BY uid",
            )
            .ctx("listing tracked messages")?;
        let rows =
            stmt.query_map(params![account_id, folder, uidvalidity, TRACKED_RECENT], |r| r.get(0)).ctx("listing tracked messages")?;
        rows.collect::<Result<Vec<u32>, _>>().ctx("reading tracked messages")
    }

    /// Applies the server's flag changes and expunges to held messages and records the
    /// folder's HIGHESTMODSEQ, in one transaction. Returns the messages whose state changed.
    pub fn apply_flag_changes(
        &self,
        account_id: &str,
        folder: &str,
        uidvalidity: u32,
        changes: &[FlagChange],
        highestmodseq: Option<u64>,
    ) -> Result<Vec<MessageUpdate>, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting a flag update")?;
        let now = now_rfc3339();
        let mut updates = Vec::new();
        let first_of = |uid: u32| -> Result<Option<i64>, StoreError> {
            tx.query_row(
                "SELECT COALESCE(copy_of, id) FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                params![account_id, folder, uidvalidity, uid],
                |r| r.get(0),
            )
            .optional()
            .ctx("finding a message's first copy")
        };
        for c in changes {
            let (uid, n, seen, expunged) = match c {
                FlagChange::Flags(uid, flags) => {
                    let seen = has_seen(flags);
                    // Marked unread again: was the message as a whole news before? (Another copy
                    // may have kept it news all along.)
                    let was_news = match (seen, first_of(*uid)?) {
                        (false, Some(first)) => Some((first, is_news(&tx, first)?)),
                        _ => None,
                    };
                    let n = tx
                        .execute(
                            "UPDATE messages SET flags = ?5, seen = ?6 WHERE account_id = ?1 AND folder = ?2 \
                             AND uidvalidity = ?3 AND uid = ?4 AND expunged_at IS NULL AND seen != ?6",
                            params![account_id, folder, uidvalidity, uid, flags.join(" "), seen],
                        )
                        .ctx("updating a message's flags")?;
                    if let Some((first, false)) = was_news.filter(|_| n > 0) {
                        if is_news(&tx, first)? {
                            // News again: someone marked it unread to come back to it, so it
                            // counts again, as if Mailbell had never shown it (it rings nothing:
                            // only a `new_message` rings).
                            tx.execute("UPDATE messages SET viewed = 0 WHERE id = ?1", [first]).ctx("counting a message again")?;
                        }
                    }
                    (*uid, n, seen, false)
                }
                FlagChange::Expunged(uid) => {
                    let n = tx
                        .execute(
                            "UPDATE messages SET expunged_at = ?5 WHERE account_id = ?1 AND folder = ?2 \
                             AND uidvalidity = ?3 AND uid = ?4 AND expunged_at IS NULL",
                            params![account_id, folder, uidvalidity, uid, now],
                        )
                        .ctx("marking a message expunged")?;
                    (*uid, n, false, true)
                }
            };
            if n > 0 {
                if let Some(first) = first_of(uid)? {
                    updates.push(MessageUpdate { uid, seen, expunged, message: listed(&tx, first)? });
                }
            }
        }
        if let Some(m) = highestmodseq {
            tx.execute(
                "UPDATE folders SET highestmodseq = ?4 WHERE account_id = ?1 AND name = ?2 AND uidvalidity = ?3",
                params![account_id, folder, uidvalidity, m as i64],
            )
            .ctx("recording HIGHESTMODSEQ")?;
        }
        tx.commit().ctx("committing a flag update")?;
        Ok(updates)
    }

    /// A message the user moved away and then back (undo, issue 15): the server gave it a new
    /// UID in its old folder. The old row stays expunged (that UID is gone for good) and a
    /// copy row under the new UID joins the same message, so the message as a whole is back
    /// at once, under the row front ends list it by, and the next pass finds that UID already
    /// held. Returns the update to announce, or `None` when the old row is unknown.
    pub fn restore_copy(
        &self,
        account_id: &str,
        folder: &str,
        uidvalidity: u32,
        old_uid: u32,
        new_uid: u32,
    ) -> Result<Option<MessageUpdate>, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting to restore a message")?;
        let first: Option<i64> = tx
            .query_row(
                "SELECT COALESCE(copy_of, id) FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                params![account_id, folder, uidvalidity, old_uid],
                |r| r.get(0),
            )
            .optional()
            .ctx("finding a moved message")?;
        let Some(first) = first else {
            return Ok(None);
        };
        tx.execute(
            "INSERT OR IGNORE INTO messages (account_id, folder, uidvalidity, uid, message_id, from_name, from_addr, \
             subject, date, internal_date, size, preview, flags, fetched_at, seen, identity, copy_of, announced, viewed) \
             SELECT account_id, folder, uidvalidity, ?5, message_id, from_name, from_addr, subject, date, internal_date, \
             size, preview, flags, fetched_at, seen, identity, ?6, 1, viewed \
             FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
            params![account_id, folder, uidvalidity, old_uid, new_uid, first],
        )
        .ctx("restoring a moved message")?;
        let seen: bool = tx
            .query_row(
                "SELECT seen FROM messages WHERE account_id = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                params![account_id, folder, uidvalidity, new_uid],
                |r| r.get(0),
            )
            .ctx("reading a restored message")?;
        let message = listed(&tx, first)?;
        tx.commit().ctx("committing a restored message")?;
        Ok(Some(MessageUpdate { uid: new_uid, seen, expunged: false, message }))
    }

    /// Is a message with this Message-ID already stored for the folder (under any UIDVALIDITY)?
    pub fn has_message_id(&self, account_id: &str, folder: &str, message_id: &str) -> Result<bool, StoreError> {
        if message_id.is_empty() {
            return Ok(false);
        }
        let conn = self.lock()?;
        conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM messages WHERE account_id = ?1 AND folder = ?2 AND message_id = ?3)",
            params![account_id, folder, message_id],
            |r| r.get(0),
        )
        .ctx("looking up a Message-ID")
    }

    /// Marks messages as seen in Mailbell (all of them when `ids` is `None`; ids are those of
    /// listed messages, i.e. first copies). Returns how many changed.
    pub fn mark_viewed(&self, ids: Option<&[i64]>) -> Result<usize, StoreError> {
        let mut conn = self.lock()?;
        let tx = super::write_tx(&mut conn).ctx("starting to mark messages viewed")?;
        let n = match ids {
            None => tx.execute("UPDATE messages SET viewed = 1 WHERE viewed = 0", []).ctx("marking messages viewed")?,
            Some(ids) => {
                let mut n = 0;
                for id in ids {
                    n += tx.execute("UPDATE messages SET viewed = 1 WHERE id = ?1 AND viewed = 0", [id]).ctx("marking a message viewed")?;
                }
                n
            }
        };
        tx.commit().ctx("committing viewed marks")?;
        Ok(n)
    }

    /// How many messages are still news (not read anywhere, not deleted) and not looked at in
    /// Mailbell yet: the tray's count. A message in several folders counts once.
    pub fn unviewed_count(&self) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        conn.query_row(&format!("SELECT COUNT(*) FROM messages m WHERE m.copy_of IS NULL AND m.viewed = 0 AND {}", news()), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as u64)
        .ctx("counting unviewed messages")
    }

    /// Messages newest first by arrival on the server (INTERNALDATE, stored in UTC so that
    /// text order is time order), which a forged Date header cannot game. Each message once,
    /// with all its folders.
    pub fn messages(&self, account_id: Option<&str>, limit: usize) -> Result<Vec<StoredMessage>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM messages m WHERE m.copy_of IS NULL AND (?1 IS NULL OR m.account_id = ?1) \
                 ORDER BY m.internal_date DESC, m.id DESC LIMIT ?2",
                listed_columns()
            ))
            .ctx("listing messages")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![account_id, limit], from_row).ctx("listing messages")?;
        rows.collect::<Result<Vec<_>, _>>().ctx("reading messages")
    }

    /// The messages still news (not read anywhere, not deleted), newest first by arrival, each
    /// once: the "New mail" list. Viewed ones stay (Mailbell's mark is not the server's).
    pub fn news(&self, account_id: Option<&str>, limit: usize) -> Result<Vec<StoredMessage>, StoreError> {
        let conn = self.lock()?;
        // The candidates come from the partial index of unread rows, so a store full of read
        // history is not walked to find the few that are news.
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM messages m WHERE m.id IN (SELECT COALESCE(c.copy_of, c.id) FROM messages c \
                 WHERE c.seen = 0 AND c.expunged_at IS NULL) AND {} AND (?1 IS NULL OR m.account_id = ?1) \
                 ORDER BY m.internal_date DESC, m.id DESC LIMIT ?2",
                listed_columns(),
                news()
            ))
            .ctx("listing new messages")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![account_id, limit], from_row).ctx("listing new messages")?;
        rows.collect::<Result<Vec<_>, _>>().ctx("reading new messages")
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{account, temp_store};
    use super::*;
    use crate::model::ListedFolder;

    fn msg(uid: u32) -> NewMessage {
        NewMessage {
            uid,
            identity: Some(format!("mid:m{uid}@example.org")),
            message_id: Some(format!("m{uid}@example.org")),
            from_name: Some("Bob".into()),
            from_addr: Some("bob@example.org".into()),
            subject: format!("hello {uid}"),
            date: "2026-11-28T10:00:00+00:00".into(),
            internal_date: "2026-11-28T10:00:01+00:00".into(),
            size: 1234,
            preview: "hi".into(),
            flags: vec![],
            list_id: None,
        }
    }

    fn setup() -> (tempfile::TempDir, Store, String) {
        let (dir, store) = temp_store();
        let acc = store.add_account(&account("a@example.org")).expect("add");
        store
            .apply_listing(&acc, &[ListedFolder { name: "INBOX".into(), raw_name: "INBOX".into(), delimiter: None, special_use: None }])
            .expect("listing");
        store.set_baseline(&acc.id, "INBOX", 5, 10).expect("baseline");
        (dir, store, acc.id)
    }

    #[test]
    fn batch_inserts_once_and_advances_watermark() {
        let (_dir, store, id) = setup();
        let first = store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11)], 11).expect("db").expect("fresh");
        let uids: Vec<u32> = first.iter().map(|i| if let Inserted::First(m) = i { m.uid } else { 0 }).collect();
        assert_eq!(uids, vec![10, 11]);
        // A replay (crash after commit, before the events went out) inserts and reports nothing.
        let again = store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11)], 11).expect("db").expect("fresh");
        assert!(again.is_empty());
        assert_eq!(store.folder(&id, "INBOX").expect("get").expect("row").last_uid, 11);
        // The watermark never moves backwards.
        store.commit_batch(&id, "INBOX", 5, &[], 3).expect("db").expect("fresh");
        assert_eq!(store.folder(&id, "INBOX").expect("get").expect("row").last_uid, 11);
        let listed = store.messages(None, 10).expect("messages");
        assert_eq!(listed.iter().map(|m| m.uid).collect::<Vec<_>>(), vec![11, 10]);
        assert_eq!(store.unviewed_count().expect("count"), 2);
        assert_eq!(store.mark_viewed(Some(&[listed[0].id])).expect("mark"), 1);
        assert_eq!(store.unviewed_count().expect("count"), 1);
        assert_eq!(store.mark_viewed(None).expect("mark all"), 1);
        assert_eq!(store.tracked_uids(&id, "INBOX", 5).expect("tracked"), vec![10, 11]);
        assert_eq!(listed[0].from_display(), "Bob <bob@example.org>");
    }

    #[test]
    fn flag_changes_and_expunges_update_held_messages_once() {
        let (_dir, store, id) = setup();
        let mut seen_at_fetch = msg(12);
        seen_at_fetch.flags = vec!["\\Seen".into()];
        store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11), seen_at_fetch], 12).expect("db").expect("fresh");
        assert_eq!(store.tracked_uids(&id, "INBOX", 5).expect("tracked"), vec![10, 11, 12], "the newest are followed, read or not");
        let changes = vec![
            FlagChange::Flags(10, vec!["\\Seen".into(), "\\Answered".into()]),
            FlagChange::Expunged(11),
            FlagChange::Flags(99, vec!["\\Seen".into()]), // not ours: ignored
        ];
        let got = store.apply_flag_changes(&id, "INBOX", 5, &changes, Some(77)).expect("apply");
        let states: Vec<_> = got.iter().map(|u| (u.uid, u.seen, u.expunged, u.message.seen, u.message.expunged)).collect();
        assert_eq!(states, vec![(10, true, false, true, false), (11, false, true, false, true)]);
        assert!(store.apply_flag_changes(&id, "INBOX", 5, &changes, None).expect("again").is_empty(), "idempotent");
        assert_eq!(store.tracked_uids(&id, "INBOX", 5).expect("tracked"), vec![10, 12], "read ones still followed; the deleted one not");
        assert_eq!(store.folder(&id, "INBOX").expect("get").expect("row").highestmodseq, 77);
        assert_eq!(store.unviewed_count().expect("count"), 0);
        let all = store.messages(None, 10).expect("messages");
        assert_eq!(all.len(), 3, "history is kept");
        assert!(all.iter().all(|m| !m.is_new()));
        assert!(store.news(None, 10).expect("news").is_empty());
        // Marked unread again elsewhere: news again.
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(10, vec![])], None).expect("apply");
        assert_eq!(store.tracked_uids(&id, "INBOX", 5).expect("tracked"), vec![10, 12]);
        assert_eq!(store.news(None, 10).expect("news").iter().map(|m| m.uid).collect::<Vec<_>>(), vec![10]);
    }

    #[test]
    fn mail_marked_unread_again_is_news_again_and_counts_again() {
        let (_dir, store, id) = setup();
        store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11)], 11).expect("db").expect("fresh");
        let ten = store.messages(None, 10).expect("messages").into_iter().find(|m| m.uid == 10).expect("10");
        // Looked at in Mailbell, then read elsewhere: neither listed as news nor counted.
        store.mark_viewed(Some(&[ten.id])).expect("mark");
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(10, vec!["\\Seen".into()])], None).expect("apply");
        assert_eq!(store.news(None, 10).expect("news").iter().map(|m| m.uid).collect::<Vec<_>>(), vec![11]);
        assert_eq!(store.unviewed_count().expect("count"), 1);
        // Marked unread again elsewhere: news again, and counted again although Mailbell had
        // shown it (the user asked to come back to it).
        let u = store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(10, vec![])], Some(9)).expect("apply");
        let [u] = &u[..] else { panic!("one update: {u:?}") };
        assert!(!u.seen && !u.expunged && !u.message.seen && u.message.is_new() && !u.message.viewed, "{u:?}");
        assert_eq!(store.news(None, 10).expect("news").iter().map(|m| m.uid).collect::<Vec<_>>(), vec![11, 10]);
        assert_eq!(store.unviewed_count().expect("count"), 2);
        // Viewed again in Mailbell, then a flag change that leaves it unread (\Flagged): it
        // was news already, so Mailbell's mark stays.
        store.mark_viewed(Some(&[ten.id])).expect("mark");
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(10, vec!["\\Flagged".into()])], None).expect("apply");
        assert_eq!(store.unviewed_count().expect("count"), 1);
        // Deleted elsewhere: gone from the news, kept as history.
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Expunged(10)], None).expect("apply");
        assert_eq!(store.news(None, 10).expect("news").iter().map(|m| m.uid).collect::<Vec<_>>(), vec![11]);
        assert!(store.messages(None, 10).expect("messages").iter().any(|m| m.uid == 10 && m.expunged));
    }

    #[test]
    fn a_copy_marked_unread_while_another_kept_it_news_leaves_the_viewed_mark() {
        let (_dir, store, id) = setup_folders();
        store.commit_batch(&id, "INBOX", 5, &[with_identity(10, Some("mid:x@y"))], 10).expect("db").expect("fresh");
        store.commit_batch(&id, "Work", 7, &[with_identity(1, Some("mid:x@y"))], 1).expect("db").expect("fresh");
        store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Flags(1, vec!["\\Seen".into()])], None).expect("apply");
        store.mark_viewed(None).expect("mark");
        // The INBOX copy stayed unread: the message was news all along, and stays viewed.
        store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Flags(1, vec![])], None).expect("apply");
        assert_eq!(store.unviewed_count().expect("count"), 0);
        assert_eq!(store.news(None, 10).expect("news").len(), 1);
    }

    #[test]
    fn the_tracked_set_is_the_unread_plus_the_newest_few_hundred() {
        let (_dir, store, id) = setup();
        let read = |uid: u32| NewMessage { flags: vec!["\\Seen".into()], ..msg(uid) };
        let n = TRACKED_RECENT + 50;
        // An old unread one, then many read ones, one of them deleted near the top.
        let mut batch = vec![msg(10)];
        batch.extend((11..11 + n).map(read));
        store.commit_batch(&id, "INBOX", 5, &batch, 10 + n).expect("db").expect("fresh");
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Expunged(10 + n)], None).expect("apply");
        let tracked = store.tracked_uids(&id, "INBOX", 5).expect("tracked");
        assert_eq!(tracked.len(), TRACKED_RECENT as usize + 1, "bounded");
        assert_eq!(tracked[0], 10, "unread mail is always followed");
        assert_eq!(tracked[1], 10 + n - TRACKED_RECENT, "then the newest still on the server");
        assert_eq!(tracked.last(), Some(&(9 + n)));
        assert!(!tracked.contains(&(10 + n)), "a deleted one is not");
        // Another UIDVALIDITY's rows are never followed.
        assert!(store.tracked_uids(&id, "INBOX", 6).expect("tracked").is_empty());
    }

    /// `setup`, plus two more watched folders.
    fn setup_folders() -> (tempfile::TempDir, Store, String) {
        let (dir, store, id) = setup();
        let acc = store.account(&id).expect("get").expect("account");
        let listed = |n: &str| ListedFolder { name: n.into(), raw_name: n.into(), delimiter: None, special_use: None };
        store.apply_listing(&acc, &[listed("INBOX"), listed("Work"), listed("Lists")]).expect("listing");
        store.set_baseline(&id, "Work", 7, 1).expect("baseline");
        store.set_baseline(&id, "Lists", 8, 1).expect("baseline");
        (dir, store, id)
    }

    fn with_identity(uid: u32, identity: Option<&str>) -> NewMessage {
        NewMessage { identity: identity.map(str::to_string), ..msg(uid) }
    }

    #[test]
    fn copies_in_other_folders_attach_to_the_first_and_count_once() {
        let (_dir, store, id) = setup_folders();
        let first = store.commit_batch(&id, "INBOX", 5, &[with_identity(10, Some("mid:x@y"))], 10).expect("db").expect("fresh");
        assert!(matches!(&first[..], [Inserted::First(m)] if m.folders == ["INBOX"] && m.identity == "mid:x@y"));
        // What a batch returns for a first copy is the message exactly as the list reads it.
        let Inserted::First(returned) = &first[0] else { panic!("a first copy") };
        assert_eq!(Some(returned), store.messages(None, 1).expect("messages").first());

        // The same message in Work (an hour later, another pass) and twice in Lists.
        let copy = store.commit_batch(&id, "Work", 7, &[with_identity(1, Some("mid:x@y"))], 1).expect("db").expect("fresh");
        let [Inserted::Copy { folder, uid, message, .. }] = &copy[..] else { panic!("not a copy: {copy:?}") };
        assert_eq!((folder.as_str(), *uid, message.folder.as_str(), message.uid), ("Work", 1, "INBOX", 10));
        assert_eq!(message.folders, ["INBOX", "Work"]);
        let more = store
            .commit_batch(&id, "Lists", 8, &[with_identity(1, Some("mid:x@y")), with_identity(2, Some("mid:x@y"))], 2)
            .expect("db")
            .expect("fresh");
        assert!(more.iter().all(|i| !i.is_first()));
        let listed = store.messages(None, 10).expect("messages");
        assert_eq!(listed.len(), 1, "listed once: {listed:?}");
        assert_eq!(listed[0].folders, ["INBOX", "Work", "Lists"]);
        assert_eq!(store.unviewed_count().expect("count"), 1, "counted once");
        // Each copy's read state is still followed in its own folder.
        assert_eq!(store.tracked_uids(&id, "Work", 7).expect("tracked"), vec![1]);

        // Read in INBOX only: still news, since the Work and Lists copies are unread.
        let u = store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(10, vec!["\\Seen".into()])], None).expect("apply");
        assert!(u[0].seen && !u[0].message.seen && u[0].message.is_new());
        assert_eq!(store.unviewed_count().expect("count"), 1);
        // Read in Work, gone from Lists: now read as a whole.
        store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Flags(1, vec!["\\Seen".into()])], None).expect("apply");
        let u = store.apply_flag_changes(&id, "Lists", 8, &[FlagChange::Expunged(1), FlagChange::Expunged(2)], None).expect("apply");
        assert!(u.last().is_some_and(|u| u.message.seen && !u.message.expunged));
        assert_eq!(store.unviewed_count().expect("count"), 0);
        // Every copy gone: deleted.
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Expunged(10)], None).expect("apply");
        let u = store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Expunged(1)], None).expect("apply");
        assert!(u[0].message.expunged && !u[0].message.is_new());
    }

    #[test]
    fn shared_flags_make_one_read_copy_enough_and_unidentified_mail_stays_apart() {
        let (_dir, store, id) = setup_folders();
        let gm = Some("gm:42");
        store.commit_batch(&id, "INBOX", 5, &[with_identity(10, gm)], 10).expect("db").expect("fresh");
        store.commit_batch(&id, "Work", 7, &[with_identity(1, gm)], 1).expect("db").expect("fresh");
        // Gmail shares flags: read under one label is read, before the pass sees the other.
        let u = store.apply_flag_changes(&id, "Work", 7, &[FlagChange::Flags(1, vec!["\\Seen".into()])], None).expect("apply");
        assert!(u[0].message.seen);
        assert_eq!(store.unviewed_count().expect("count"), 0);
        // Mail nothing identifies is never merged, even with the same Message-ID text.
        let none =
            store.commit_batch(&id, "INBOX", 5, &[with_identity(11, None), with_identity(12, None)], 12).expect("db").expect("fresh");
        assert!(none.iter().all(Inserted::is_first));
        let Inserted::First(unnamed) = &none[1] else { panic!("a first copy") };
        assert_eq!(Some(unnamed), store.messages(None, 1).expect("messages").first(), "returned as listed");
        let names: Vec<String> = store.messages(None, 10).expect("messages").into_iter().map(|m| m.identity).collect();
        assert!(names.iter().filter(|n| n.starts_with("row:")).count() == 2, "{names:?}");
        // Identity is per account: the same identity in another account is a message of its own.
        let other = store.add_account(&account("b@example.org")).expect("add");
        store
            .apply_listing(&other, &[ListedFolder { name: "INBOX".into(), raw_name: "INBOX".into(), delimiter: None, special_use: None }])
            .expect("listing");
        store.set_baseline(&other.id, "INBOX", 3, 1).expect("baseline");
        let theirs = store.commit_batch(&other.id, "INBOX", 3, &[with_identity(1, gm)], 1).expect("db").expect("fresh");
        assert!(theirs[0].is_first());
    }

    #[test]
    fn rows_stay_in_the_outbox_until_marked_announced() {
        let (_dir, store, id) = setup_folders();
        let first = store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11)], 11).expect("db").expect("fresh");
        store.commit_batch(&id, "Work", 7, &[with_identity(1, Some("mid:m10@example.org"))], 1).expect("db").expect("fresh");
        // Killed before the events went out: all three rows are owed, in order, as a batch
        // would have announced them (the copy as a copy).
        let owed = store.unannounced(&id).expect("owed");
        assert_eq!(owed.len(), 3);
        assert!(owed[0].is_first() && owed[1].is_first() && !owed[2].is_first());
        assert_eq!(owed[0].row_id(), first[0].row_id());
        store.mark_announced(&owed.iter().take(2).map(|i| (i.row_id(), None)).collect::<Vec<_>>()).expect("mark");
        let left = store.unannounced(&id).expect("owed");
        assert!(matches!(&left[..], [Inserted::Copy { folder, message, .. }] if folder == "Work" && message.folders == ["INBOX", "Work"]));
        store.mark_announced(&[(left[0].row_id(), None)]).expect("mark");
        assert!(store.unannounced(&id).expect("owed").is_empty());
    }

    #[test]
    fn quiet_mail_is_held_until_taken_once() {
        use crate::rules::{decide, Facts, Rules};
        let (_dir, store, id) = setup();
        let rows = store.commit_batch(&id, "INBOX", 5, &[msg(10), msg(11), msg(12)], 12).expect("db").expect("fresh");
        let facts = Facts { folder: "INBOX", folder_notify: true, account_notify: true, ..Facts::default() };
        let quiet = decide(&Rules::default(), &Facts { quiet_now: true, ..facts.clone() });
        let silent = decide(&Rules::default(), &Facts { folder_notify: false, ..facts });
        store
            .mark_announced(&[(rows[0].row_id(), Some(quiet)), (rows[1].row_id(), Some(quiet)), (rows[2].row_id(), Some(silent))])
            .expect("mark");
        let listed = store.messages(None, 10).expect("messages");
        let by_uid = |uid: u32| listed.iter().find(|m| m.uid == uid).expect("listed").clone();
        assert_eq!((by_uid(10).ring, by_uid(10).ring_reason.as_deref()), (Ring::Quiet, Some("quiet_hours")));
        assert_eq!((by_uid(12).ring, by_uid(12).ring_reason.as_deref()), (Ring::Silent, Some("folder_off")));
        // Read elsewhere meanwhile: still taken (and let go of), shown as read.
        store.apply_flag_changes(&id, "INBOX", 5, &[FlagChange::Flags(11, vec!["\\Seen".into()])], None).expect("flags");
        let (held, since) = store.take_held().expect("take");
        assert_eq!(held.iter().map(|m| (m.uid, m.is_new())).collect::<Vec<_>>(), vec![(11, false), (10, true)]);
        assert!(since.is_some());
        let (again, since) = store.take_held().expect("take again");
        assert!(again.is_empty() && since.is_none(), "a digest is sent once");
    }

    #[test]
    fn batch_for_a_stale_uidvalidity_is_rejected() {
        let (_dir, store, id) = setup();
        let r = store.commit_batch(&id, "INBOX", 4, &[msg(10)], 10).expect("db");
        assert_eq!(r, Err(BatchRejected::StaleFolder));
        assert!(store.messages(None, 10).expect("messages").is_empty());
    }

    #[test]
    fn validity_reset_recovers_and_rebaselines() {
        let (_dir, store, id) = setup();
        store.commit_batch(&id, "INBOX", 5, &[msg(10)], 10).expect("db").expect("fresh");
        assert!(store.has_message_id(&id, "INBOX", "m10@example.org").expect("lookup"));
        let got = store.commit_rebaseline(&id, "INBOX", 99, 40, &[msg(37)], Some("reset")).expect("reset");
        assert_eq!(got.len(), 1);
        let f = store.folder(&id, "INBOX").expect("get").expect("row");
        assert_eq!((f.uidvalidity, f.last_uid, f.notice.as_deref()), (99, 39, Some("reset")));
        // Old-validity rows stay as history.
        assert_eq!(store.messages(None, 10).expect("messages").len(), 2);
    }

    #[test]
    fn batch_is_atomic_on_disk() {
        // A transaction that is never committed (a crash) leaves neither rows nor watermark.
        let (dir, store, id) = setup();
        {
            let mut conn = store.lock().expect("lock");
            let tx = conn.transaction().expect("tx");
            tx.execute("UPDATE folders SET last_uid = 50 WHERE account_id = ?1", [&id]).expect("update");
            insert_all(&tx, &id, "INBOX", 5, &[msg(50)]).expect("insert");
            drop(tx); // rolled back, as a killed process would be
        }
        drop(store);
        let reopened = Store::open_dir(dir.path()).expect("reopen");
        assert_eq!(reopened.folder(&id, "INBOX").expect("get").expect("row").last_uid, 9);
        assert!(reopened.messages(None, 10).expect("messages").is_empty());
    }
}
