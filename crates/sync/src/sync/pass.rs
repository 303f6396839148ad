//! One sync pass over one account, top to bottom (ARCHITECTURE.md § Sync algorithm):
//!
//! 1. leave any selected mailbox (Dovecot answers a selected mailbox's STATUS from stale data);
//! 2. LIST every folder, with LIST-STATUS where offered, and bring the folder rows in line;
//! 3. for the watched folders without a status yet, pipelined STATUS;
//! 4. per watched folder: no watermark → baseline at UIDNEXT-1 (history is not news), but
//!    in an account that had a pass before, a new folder's mail that arrived since is news;
//!    UIDVALIDITY changed → re-baseline and recover what arrived around the reset;
//!    UIDNEXT-1 <= last UID → nothing to do; otherwise EXAMINE and stream
//!    `UID FETCH <last+1>:*`, committing rows and watermark together batch by batch;
//! 5. record each folder's status. One folder's failure never stops the others; a lost
//!    connection ends the pass (its folders are retried next time, from their watermarks).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, SecondsFormat, Utc};

use super::{blocking, outbox, PassReport, SyncOptions};
use crate::error::SyncError;
use crate::events::{Event, EventSink, FolderStatusEvent, MessageUpdateEvent};
use crate::identity::{self, HeaderIds, ServerIds};
use crate::imap::{Examined, FetchStream, FetchedMessage, ImapError, ImapSession, MailboxStatus};
use crate::model::{Account, FlagChange, FolderState, ListedFolder};
use crate::quirks::Quirks;
use crate::store::{FolderRow, FolderStatusUpdate, NewMessage, Store};
use crate::summary;

/// The pass's context: who we are syncing and where events go.
struct Pass<'a> {
    store: &'a Store,
    account: &'a Account,
    opts: &'a SyncOptions,
    sink: Arc<dyn EventSink>,
    report: PassReport,
    batches: u32,
    /// CONDSTORE in use: HIGHESTMODSEQ tells whether flags changed.
    modseq: bool,
    /// QRESYNC enabled: EXAMINE reports flag changes and expunges in the same round trip.
    qresync: bool,
    /// Folders found unchanged, written together at the end of the pass.
    unchanged: Vec<(FolderRow, FolderStatusUpdate)>,
    /// Folders gone from the server's listing in this pass (candidates for a rename).
    vanished: Vec<FolderRow>,
    /// When the account's last successful pass over any folder was (None: this is its first):
    /// a folder without a watermark after that is new, and its recent mail is news.
    last_pass: Option<DateTime<FixedOffset>>,
}

/// Runs one pass over the account on an open session. Returns an error only when the pass
/// as a whole could not go on (connection lost, store failure); folder-level failures are in
/// the report and in each folder's status.
pub async fn run_pass(
    session: &mut ImapSession,
    store: &Store,
    account: &Account,
    opts: &SyncOptions,
    sink: Arc<dyn EventSink>,
) -> Result<PassReport, SyncError> {
    let mut pass = Pass {
        store,
        account,
        opts,
        sink,
        report: PassReport::default(),
        batches: 0,
        modseq: false,
        qresync: false,
        unchanged: Vec::new(),
        vanished: Vec::new(),
        last_pass: None,
    };
    pass.run(session).await?;
    Ok(pass.report)
}

impl Pass<'_> {
    async fn run(&mut self, session: &mut ImapSession) -> Result<(), SyncError> {
        let quirks = Quirks::for_account(self.account);
        self.qresync = !quirks.broken_qresync && session.has_capability("QRESYNC") && session.has_capability("ENABLE");
        self.modseq = !quirks.broken_qresync && (session.has_capability("CONDSTORE") || self.qresync);
        if self.qresync {
            session.enable_qresync().await?;
        }
        // Dovecot answers STATUS of a still-selected mailbox from stale data: leave it first
        // (pipelined: the server handles it before the next command).
        session.unselect_pipelined().await?;
        // COMPRESS DEFLATE rides behind the first command below (LIST or STATUS): no round
        // trip of its own, and everything after it (new mail above all) is deflated.
        if !quirks.no_compress {
            session.request_compress();
        }
        session.use_preview(!quirks.no_preview);
        let mut statuses: BTreeMap<String, Result<MailboxStatus, ImapError>> = BTreeMap::new();
        let id = self.account.id.clone();
        let all: Vec<FolderRow> = if let Some(only) = &self.opts.only_folders {
            let all = blocking(self.store, move |s| s.folders(Some(&id))).await?;
            self.last_pass = last_pass(&all);
            all.into_iter().filter(|f| only.contains(&f.name)).collect()
        } else {
            let (listed, _) = session.list_folders(self.modseq).await?;
            let selectable: Vec<ListedFolder> = listed
                .iter()
                .filter(|f| f.selectable)
                .map(|f| {
                    if let Some(s) = f.status {
                        statuses.insert(f.listed.raw_name.clone(), Ok(s));
                    }
                    f.listed.clone()
                })
                .collect();
            let account = self.account.clone();
            let (changes, rows) = blocking(self.store, move |s| {
                let changes = s.apply_listing(&account, &selectable)?;
                Ok((changes, s.folders(Some(&account.id))?))
            })
            .await?;
            self.vanished = changes.removed_rows;
            self.last_pass = last_pass(&rows);
            rows
        };
        let rows: Vec<FolderRow> = all.into_iter().filter(|f| f.watched).collect();

        // Folders that LIST-STATUS did not cover (or all of them without it, or those of a
        // scoped pass): one pipelined round trip of STATUS.
        let missing: Vec<String> = rows.iter().filter(|f| !statuses.contains_key(&f.raw_name)).map(|f| f.raw_name.clone()).collect();
        if !missing.is_empty() {
            statuses.extend(session.status_many(&missing, self.modseq).await?);
        }

        for row in rows {
            self.report.folders_checked += 1;
            let status = statuses
                .remove(&row.raw_name)
                .unwrap_or_else(|| Err(ImapError::Protocol(format!("the server gave no status for {:?}", row.name))));
            let outcome = match status {
                Ok(status) => self.folder(session, &row, status).await,
                Err(e) => Err(SyncError::Imap(e)),
            };
            match outcome {
                Ok(()) => {}
                Err(SyncError::Imap(e)) if e.is_folder_local() || !session.is_broken() => {
                    self.report.folder_errors.push((row.name.clone(), e.to_string()));
                    self.folder_failed(&row, &e.to_string()).await?;
                }
                Err(e) => {
                    // The connection is gone: say so on this folder; the rest keep their
                    // last state and are retried from their watermarks next pass.
                    self.flush_unchanged().await?;
                    self.folder_failed(&row, &e.to_string()).await?;
                    return Err(e);
                }
            }
        }
        self.flush_unchanged().await?;
        // A session kept for the next pass (or IDLE) must not leave COMPRESS's answer unread.
        session.settle_compress().await?;
        Ok(())
    }

    /// Writes the unchanged folders' outcomes in one transaction; emits those whose visible
    /// status changed (or all of them for a one-shot sync).
    async fn flush_unchanged(&mut self) -> Result<(), SyncError> {
        let pending = std::mem::take(&mut self.unchanged);
        if pending.is_empty() {
            return Ok(());
        }
        let id = self.account.id.clone();
        let updates: Vec<(String, FolderStatusUpdate)> = pending.iter().map(|(r, u)| (r.name.clone(), u.clone())).collect();
        let fresh = blocking(self.store, move |s| {
            s.update_folder_statuses(&id, &updates)?;
            s.folders(Some(&id))
        })
        .await?;
        for (before, _) in &pending {
            if let Some(after) = fresh.iter().find(|f| f.name == before.name) {
                let visible = |f: &FolderRow| (f.state, f.last_error.clone(), f.messages, f.unseen, f.last_uid, f.uidvalidity);
                if self.opts.emit_unchanged || visible(before) != visible(after) {
                    self.sink.emit(Event::FolderStatus(FolderStatusEvent::from(after)));
                }
            }
        }
        Ok(())
    }

    async fn folder(&mut self, session: &mut ImapSession, row: &FolderRow, status: MailboxStatus) -> Result<(), SyncError> {
        let (Some(uidvalidity), Some(uidnext)) = (status.uidvalidity, status.uidnext) else {
            return Err(ImapError::Protocol(format!("STATUS of {:?} lacks UIDVALIDITY or UIDNEXT", row.name)).into());
        };
        let adopted;
        let row = if row.has_watermark() {
            row
        } else if let Some(old) = self.vanished.iter().find(|v| v.has_watermark() && v.uidvalidity == uidvalidity).cloned() {
            // Renamed on the server (same UIDVALIDITY): carry on from the old watermark.
            let (id, name) = (row.account_id.clone(), row.name.clone());
            let from = old.clone();
            blocking(self.store, move |s| s.adopt_watermark(&id, &name, &from)).await?;
            adopted = FolderRow { uidvalidity: old.uidvalidity, last_uid: old.last_uid, highestmodseq: old.highestmodseq, ..row.clone() };
            &adopted
        } else if let Some(last_pass) = self.last_pass {
            return self.new_folder(session, row, last_pass).await;
        } else {
            // The account's first pass: what is there is history.
            let (id, name) = (row.account_id.clone(), row.name.clone());
            blocking(self.store, move |s| s.set_baseline(&id, &name, uidvalidity, uidnext)).await?;
            return self.folder_ok(row, &status, Some(uidnext)).await;
        };
        if uidvalidity != row.uidvalidity {
            return self.validity_reset(session, row).await;
        }
        let new_mail = uidnext.saturating_sub(1) > row.last_uid;
        // Read state and deletions are followed for the held messages still news and the
        // newest few hundred (read ones may be marked unread again): a bounded set.
        let tracked = if self.flags_may_have_changed(row, &status) {
            let (id, name) = (row.account_id.clone(), row.name.clone());
            blocking(self.store, move |s| s.tracked_uids(&id, &name, uidvalidity)).await?
        } else {
            Vec::new()
        };
        if !new_mail && tracked.is_empty() {
            // Unchanged for Mailbell's purposes: no further command for this folder, and its
            // status is written with the others at the end of the pass.
            let update = ok_update(&status, Some(uidnext));
            self.unchanged.push((row.clone(), update));
            return Ok(());
        }
        self.emit_folder_state(row, FolderState::Syncing).await?;
        // The session's word, not the capability's: a refused ENABLE (answered before this
        // folder's turn) turned it off.
        let use_qresync = self.qresync && session.qresync_enabled() && row.highestmodseq > 0 && !tracked.is_empty();
        let fetch_after = new_mail.then_some(row.last_uid);
        let (ex, mut changes, stream) = if use_qresync {
            session.examine_qresync(&row.raw_name, row.uidvalidity, row.highestmodseq, &tracked, fetch_after).await?
        } else {
            let (ex, stream) = session.examine(&row.raw_name, self.modseq, fetch_after).await?;
            (ex, Vec::new(), stream)
        };
        if ex.uidvalidity.is_some_and(|v| v != row.uidvalidity) {
            // Changed between STATUS and EXAMINE: what the pipelined fetch returns is void.
            if let Some(mut s) = stream {
                drain(session, &mut s).await?;
            }
            return self.validity_reset(session, row).await;
        }
        if let Some(stream) = stream {
            self.report.folders_fetched += 1;
            if !self.fetch_new(session, row, &ex, stream).await? {
                return Ok(());
            }
        }
        if !tracked.is_empty() && !use_qresync {
            changes = self.flag_changes_without_qresync(session, row, &tracked).await?;
        }
        if !tracked.is_empty() {
            self.apply_flag_changes(row, changes, ex.highestmodseq).await?;
        }
        let status = MailboxStatus { messages: Some(ex.exists), highestmodseq: ex.highestmodseq.or(status.highestmodseq), ..status };
        self.folder_ok(row, &status, ex.uidnext).await
    }

    /// Whether the read state or the existence of held messages may have changed: by
    /// HIGHESTMODSEQ under CONDSTORE, else by the MESSAGES and UNSEEN counts (a cheap hint:
    /// the plain path then checks only the held messages).
    fn flags_may_have_changed(&self, row: &FolderRow, status: &MailboxStatus) -> bool {
        if self.modseq {
            status.highestmodseq.is_none_or(|m| m != row.highestmodseq)
        } else {
            status.messages != Some(row.messages) || status.unseen != Some(row.unseen)
        }
    }

    /// Without QRESYNC: the flags of the tracked UIDs (only those changed since the known
    /// MODSEQ under CONDSTORE), and which of them are gone.
    async fn flag_changes_without_qresync(
        &mut self,
        session: &mut ImapSession,
        row: &FolderRow,
        tracked: &[u32],
    ) -> Result<Vec<FlagChange>, SyncError> {
        let since = (self.modseq && row.highestmodseq > 0).then_some(row.highestmodseq);
        let mut changes = session.uid_flags(tracked, since).await?;
        let existing: BTreeSet<u32> = if since.is_some() {
            session.uid_existing(tracked).await?.into_iter().collect()
        } else {
            // A plain FETCH answers for every tracked UID that still exists.
            changes.iter().filter_map(|c| if let FlagChange::Flags(u, _) = c { Some(*u) } else { None }).collect()
        };
        changes.extend(tracked.iter().filter(|u| !existing.contains(u)).map(|u| FlagChange::Expunged(*u)));
        Ok(changes)
    }

    async fn apply_flag_changes(&mut self, row: &FolderRow, changes: Vec<FlagChange>, modseq: Option<u64>) -> Result<(), SyncError> {
        let (id, name, validity) = (row.account_id.clone(), row.name.clone(), row.uidvalidity);
        let updates = blocking(self.store, move |s| s.apply_flag_changes(&id, &name, validity, &changes, modseq)).await?;
        for u in updates {
            self.report.updated_messages += 1;
            self.sink.emit(Event::MessageUpdate(MessageUpdateEvent::of_copy(
                &u.message,
                &row.name,
                row.uidvalidity,
                u.uid,
                u.seen,
                u.expunged,
                false,
            )));
        }
        Ok(())
    }

    /// Reads the pipelined `UID FETCH <last+1>:*` and commits batch by batch. Returns false
    /// when the folder went stale meanwhile.
    async fn fetch_new(
        &mut self,
        session: &mut ImapSession,
        row: &FolderRow,
        ex: &Examined,
        mut stream: FetchStream,
    ) -> Result<bool, SyncError> {
        let mut batch: Vec<NewMessage> = Vec::with_capacity(self.opts.batch_size);
        // Messages whose PREVIEW the server left empty wait for their body's first bytes,
        // fetched when the stream is done; until then the watermark stays below the first of
        // them (rows committed above it are simply ignored if a crash makes us fetch again).
        let mut waiting: Vec<FetchedMessage> = Vec::new();
        while let Some(m) = session.next_message(&mut stream).await? {
            if m.needs_text {
                waiting.push(m);
                continue;
            }
            batch.push(to_new_message(&m));
            if batch.len() >= self.opts.batch_size {
                let top = batch.iter().map(|m| m.uid).max().unwrap_or(0);
                let advance_to = waiting.iter().map(|w| w.uid).min().map_or(top, |w| top.min(w.saturating_sub(1)));
                if !self.commit(row, std::mem::take(&mut batch), advance_to).await? {
                    drain(session, &mut stream).await?;
                    return Ok(false);
                }
            }
        }
        if !waiting.is_empty() {
            let uids: Vec<u32> = waiting.iter().map(|m| m.uid).collect();
            let mut texts = session.fetch_texts(&uids).await?;
            for mut m in waiting {
                // A message expunged meanwhile keeps its header-only summary.
                m.text = texts.remove(&m.uid).unwrap_or_default();
                batch.push(to_new_message(&m));
            }
        }
        // The fetch covered every UID below EXAMINE's UIDNEXT, so the watermark may move up to
        // it even when the newest messages were expunged before we saw them.
        let top = batch.iter().map(|m| m.uid).max().unwrap_or(0);
        let advance_to = top.max(ex.uidnext.unwrap_or(0).saturating_sub(1));
        self.commit(row, batch, advance_to).await
    }

    /// Commits one batch and emits its events; false when the folder went stale meanwhile.
    /// Commit and emission run together on the store's thread: a pass dropped at shutdown
    /// cannot leave a committed batch unannounced (only a killed process can).
    async fn commit(&mut self, row: &FolderRow, batch: Vec<NewMessage>, advance_to: u32) -> Result<bool, SyncError> {
        let (id, name, validity) = (row.account_id.clone(), row.name.clone(), row.uidvalidity);
        let sink = Arc::clone(&self.sink);
        let clock = self.opts.clock.clone();
        // Crash-test hook: abort after this batch is durable, before its events are printed.
        let abort = crash_test::abort_after_batches().is_some_and(|n| self.batches + 1 >= n);
        let committed = blocking(self.store, move |s| {
            let committed = s.commit_batch(&id, &name, validity, &batch, advance_to)?;
            if let Ok(inserted) = &committed {
                if abort {
                    std::process::abort();
                }
                outbox::announce_and_mark(s, sink.as_ref(), &clock, &id, inserted)?;
            }
            Ok(committed.map(|inserted| inserted.iter().filter(|i| i.is_first()).count()))
        })
        .await?;
        let Ok(n) = committed else {
            return Ok(false);
        };
        self.batches += 1;
        self.report.new_messages += n as u32;
        Ok(true)
    }

    /// UIDVALIDITY changed: every stored UID of it is void. Re-baseline at the new UIDNEXT
    /// without a flood, but keep mail that arrived since our last successful pass: messages
    /// whose INTERNALDATE is after it and whose Message-ID we do not hold yet.
    async fn validity_reset(&mut self, session: &mut ImapSession, row: &FolderRow) -> Result<(), SyncError> {
        let parse = |t: &Option<String>| t.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        let since: Option<DateTime<FixedOffset>> = match (parse(&row.last_sync_at), parse(&row.baseline_at)) {
            (Some(sync), Some(base)) => Some(early(sync).max(base)),
            (Some(sync), None) => Some(early(sync)),
            _ => None,
        };
        let notice = |old: u32, new: u32, recovered: usize| {
            format!(
                "UIDVALIDITY changed from {old} to {new} at {}: re-baselined, {recovered} message(s) recovered from around the reset",
                Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            )
        };
        self.rebaseline(session, row, since, Some(&notice)).await
    }

    /// A folder with no watermark in an account that had a pass before: it appeared since
    /// (a Sieve `fileinto :create`, a new list folder) or was just chosen. Mail that arrived
    /// in it after that pass is news, not history; copies of mail already announced attach
    /// to it (identity), so mail moved there from INBOX rings no second time.
    async fn new_folder(&mut self, session: &mut ImapSession, row: &FolderRow, last_pass: DateTime<FixedOffset>) -> Result<(), SyncError> {
        self.rebaseline(session, row, Some(early(last_pass)), None).await
    }

    /// Baselines the folder at its UIDNEXT now, in one transaction with the mail that arrived
    /// since `since` (INTERNALDATE; at most `recovery_limit` messages), which is announced.
    /// `notice` (old UIDVALIDITY, new, recovered) leaves a note for the user.
    async fn rebaseline(
        &mut self,
        session: &mut ImapSession,
        row: &FolderRow,
        since: Option<DateTime<FixedOffset>>,
        notice: Option<&(dyn Fn(u32, u32, usize) -> String + Sync)>,
    ) -> Result<(), SyncError> {
        self.emit_folder_state(row, FolderState::Syncing).await?;
        let (ex, _) = session.examine(&row.raw_name, self.modseq, None).await?;
        let (Some(new_validity), Some(uidnext)) = (ex.uidvalidity, ex.uidnext) else {
            return Err(ImapError::Protocol(format!("EXAMINE of {:?} lacks UIDVALIDITY or UIDNEXT", row.name)).into());
        };
        let mut recovered = Vec::new();
        // Cut to whole seconds: INTERNALDATE has no more, and mail of the same second counts.
        let since = since.map(|t| t - ChronoDuration::nanoseconds(i64::from(t.timestamp_subsec_nanos())));
        if let Some(since) = since {
            // SEARCH SINCE is by day in the server's time zone: ask from the day before.
            let day = (since - ChronoDuration::days(1)).date_naive();
            let mut uids = session.uid_search_since(day).await?;
            let keep_from = uids.len().saturating_sub(self.opts.recovery_limit);
            uids.drain(..keep_from);
            if !uids.is_empty() {
                let mut stream = session.fetch_uids(&uids).await?;
                let mut kept = Vec::new();
                while let Some(m) = session.next_message(&mut stream).await? {
                    let arrived = m.internal_date.as_deref().and_then(summary::parse_internal_date);
                    if arrived.is_some_and(|a| a >= since) {
                        kept.push(m);
                    }
                }
                // Those whose PREVIEW the server left empty: their body's first bytes.
                let waiting: Vec<u32> = kept.iter().filter(|m| m.needs_text).map(|m| m.uid).collect();
                let mut texts = session.fetch_texts(&waiting).await?;
                for mut m in kept {
                    if let Some(t) = texts.remove(&m.uid) {
                        m.text = t;
                    }
                    recovered.push(to_new_message(&m));
                }
            }
        }
        // Drop what we already hold in this folder (under the old UIDVALIDITY: same Message-ID).
        let (id, name) = (row.account_id.clone(), row.name.clone());
        let candidates = recovered;
        let fresh = blocking(self.store, move |s| {
            let mut fresh = Vec::new();
            for m in candidates {
                if !s.has_message_id(&id, &name, m.message_id.as_deref().unwrap_or(""))? {
                    fresh.push(m);
                }
            }
            Ok(fresh)
        })
        .await?;
        let notice = notice.map(|n| n(row.uidvalidity, new_validity, fresh.len()));
        let (id, name) = (row.account_id.clone(), row.name.clone());
        let sink = Arc::clone(&self.sink);
        let clock = self.opts.clock.clone();
        let n = blocking(self.store, move |s| {
            let inserted = s.commit_rebaseline(&id, &name, new_validity, uidnext, &fresh, notice.as_deref())?;
            outbox::announce_and_mark(s, sink.as_ref(), &clock, &id, &inserted)?;
            Ok(inserted.iter().filter(|i| i.is_first()).count())
        })
        .await?;
        self.report.new_messages += n as u32;
        let status = MailboxStatus { messages: Some(ex.exists), highestmodseq: ex.highestmodseq, ..MailboxStatus::default() };
        self.folder_ok(row, &status, Some(uidnext)).await
    }

    async fn folder_ok(&mut self, row: &FolderRow, status: &MailboxStatus, uidnext: Option<u32>) -> Result<(), SyncError> {
        self.record(row, ok_update(status, uidnext)).await
    }

    async fn folder_failed(&mut self, row: &FolderRow, error: &str) -> Result<(), SyncError> {
        let update = FolderStatusUpdate {
            state: Some(FolderState::Error),
            error: Some(Some(error.to_string())),
            attempted: true,
            ..Default::default()
        };
        self.record(row, update).await
    }

    async fn emit_folder_state(&mut self, row: &FolderRow, state: FolderState) -> Result<(), SyncError> {
        self.record(row, FolderStatusUpdate { state: Some(state), ..Default::default() }).await
    }

    /// Writes a folder's status and emits it as the store now holds it.
    async fn record(&mut self, row: &FolderRow, update: FolderStatusUpdate) -> Result<(), SyncError> {
        let (id, name) = (row.account_id.clone(), row.name.clone());
        let fresh = blocking(self.store, move |s| {
            s.update_folder_status(&id, &name, &update)?;
            s.folder(&id, &name)
        })
        .await?;
        if let Some(f) = fresh {
            self.sink.emit(Event::FolderStatus(FolderStatusEvent::from(&f)));
        }
        Ok(())
    }
}

fn ok_update(status: &MailboxStatus, uidnext: Option<u32>) -> FolderStatusUpdate {
    FolderStatusUpdate {
        state: Some(FolderState::Ok),
        error: Some(None),
        attempted: true,
        succeeded: true,
        messages: status.messages,
        unseen: status.unseen,
        uidnext,
        highestmodseq: status.highestmodseq,
    }
}

/// When the account's last successful pass over any of these folders was.
fn last_pass(folders: &[FolderRow]) -> Option<DateTime<FixedOffset>> {
    folders.iter().filter_map(|f| f.last_sync_at.as_deref()).filter_map(|t| DateTime::parse_from_rfc3339(t).ok()).max()
}

/// A little before `t`: our clock and the server's may differ (a duplicate is caught by
/// Message-ID or identity, a loss would be silent).
fn early(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    t - ChronoDuration::minutes(2)
}

/// Reads a fetch to its end after the folder went stale, so the session stays usable.
async fn drain(session: &mut ImapSession, stream: &mut FetchStream) -> Result<(), SyncError> {
    while session.next_message(stream).await?.is_some() {}
    Ok(())
}

/// Turns the bounded raw bytes of a message into the row Mailbell stores.
fn to_new_message(m: &FetchedMessage) -> NewMessage {
    let internal = m.internal_date.as_deref().and_then(summary::parse_internal_date);
    // Without the INTERNALDATE fallback, so that `s.date` is the Date header alone (the
    // identity's hash must not depend on when a copy was filed).
    let mut s = summary::summarize(&m.header, &m.text, None);
    if let Some(p) = &m.preview {
        // The server's preview, cleaned like one of ours (and as bounded).
        s.preview = summary::clean_preview(p);
    }
    let rfc3339 = |d: DateTime<FixedOffset>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    let header_date = s.date.map(rfc3339);
    let identity = identity::identity(
        ServerIds { gm_msgid: m.gm_msgid, email_id: m.email_id.as_deref() },
        HeaderIds {
            message_id: s.message_id.as_deref(),
            date: header_date.as_deref(),
            from_addr: s.from_addr.as_deref(),
            subject: &s.subject,
            size: m.size,
        },
    );
    NewMessage {
        uid: m.uid,
        identity,
        message_id: s.message_id,
        from_name: s.from_name,
        from_addr: s.from_addr,
        subject: s.subject,
        date: s.date.or(internal).map(rfc3339).unwrap_or_else(|| Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
        internal_date: internal.map(|d| d.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default(),
        size: m.size,
        preview: s.preview,
        flags: m.flags.clone(),
        list_id: s.list_id,
    }
}

/// Crash tests kill the process at the worst moment: after a batch is durable, before its
/// events are out. Only a build with the `crash-test` feature (the test workspace's) reads
/// `MAILBELL_TEST_ABORT_AFTER_BATCHES`; a release build cannot be made to abort.
mod crash_test {
    #[cfg(feature = "crash-test")]
    pub(super) fn abort_after_batches() -> Option<u32> {
        static AFTER: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
        *AFTER.get_or_init(|| std::env::var("MAILBELL_TEST_ABORT_AFTER_BATCHES").ok().and_then(|v| v.parse().ok()))
    }

    #[cfg(not(feature = "crash-test"))]
    pub(super) fn abort_after_batches() -> Option<u32> {
        None
    }
}
