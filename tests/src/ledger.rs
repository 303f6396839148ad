//! Bookkeeping for the "nothing lost, nothing duplicated" guarantees across many runs of the
//! CLI (or the engine): what each run announced, what the store gained meanwhile, and whether
//! the difference is what the contract allows (ARCHITECTURE.md § CLI contract, delivery
//! guarantees):
//!
//! - every `new_message` event names a row that is in the store, with the same subject;
//! - a run announces the rows it inserted itself (a redo announces nothing twice), and, marked
//!   `late`, the rows earlier runs stored but never announced (the outbox);
//! - rows never disappear, and each message is stored once;
//! - a run that ended cleanly or gracefully (SIGTERM) announced every row it inserted and
//!   every row owed from before: nothing stays unannounced;
//! - a killed run may leave unannounced only the rows of its last committed batch: at most
//!   one batch, all in one folder, and the highest UIDs that run inserted there (the next run
//!   announces them);
//! - a message is announced a second time only when its first announcement came from a killed
//!   run (its events went out, the mark did not), at most one batch per kill, and `late`.
//!
//! Messages are keyed by (folder, UIDVALIDITY, UID).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// A message's identity in the store and in events.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgKey {
    pub folder: String,
    pub uidvalidity: u64,
    pub uid: u64,
}

impl MsgKey {
    /// From a `new_message` event or a `messages --json` row.
    pub fn of(v: &Value) -> MsgKey {
        MsgKey {
            folder: v["folder"].as_str().unwrap_or_default().to_string(),
            uidvalidity: v["uidvalidity"].as_u64().unwrap_or_default(),
            uid: v["uid"].as_u64().unwrap_or_default(),
        }
    }
}

impl fmt::Display for MsgKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.folder, self.uidvalidity, self.uid)
    }
}

/// How a run ended, which decides what it may leave unannounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Ran to completion, or stopped gracefully (SIGTERM): every inserted row announced.
    Complete,
    /// Killed (SIGKILL, abort): the rows of one last batch of at most this size may be
    /// unannounced.
    Killed { batch_size: usize },
}

/// What one run did, once checked.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub announced: usize,
    pub inserted: usize,
    /// Inserted but never announced (allowed for a killed run's last batch only).
    pub unannounced: usize,
    /// Owed by earlier runs and announced (late) by this one.
    pub late: usize,
    /// Announced again (a killed run's batch in flight).
    pub repeated: usize,
}

/// Totals over all runs.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub runs: usize,
    pub killed_runs: usize,
    pub announced: usize,
    pub unannounced: usize,
    pub late: usize,
    pub repeated: usize,
    pub rows: usize,
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} runs ({} killed), {} rows stored, {} announced, {} left unannounced by killed runs, {} announced late by the next, \
             {} announced twice",
            self.runs, self.killed_runs, self.rows, self.announced, self.unannounced, self.late, self.repeated
        )
    }
}

/// The store's rows, keyed, with their subjects.
pub type Rows = BTreeMap<MsgKey, String>;

/// Turns `messages --json` output into keyed rows; fails on a key stored twice.
pub fn rows_of(messages: &[Value]) -> Result<Rows, String> {
    let mut rows = Rows::new();
    for m in messages {
        let key = MsgKey::of(m);
        let subject = m["subject"].as_str().unwrap_or_default().to_string();
        if rows.insert(key.clone(), subject).is_some() {
            return Err(format!("message {key} is stored twice"));
        }
    }
    Ok(rows)
}

#[derive(Debug, Default)]
pub struct Ledger {
    rows: Rows,
    announced: BTreeMap<MsgKey, String>,
    /// Stored and not announced yet: the next run owes them.
    owed: BTreeSet<MsgKey>,
    /// Announced by a killed run: the mark may not have made it, so one more announcement is
    /// allowed.
    unconfirmed: BTreeSet<MsgKey>,
    /// One batch for each kill so far: the most messages that may have been announced twice.
    repeat_budget: usize,
    totals: Totals,
}

impl Ledger {
    /// Starts from the store as it is (rows already there were announced before, or are
    /// history).
    pub fn new(initial: Rows) -> Ledger {
        let mut l = Ledger::default();
        l.totals.rows = initial.len();
        l.rows = initial;
        l
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Every message announced so far.
    pub fn announced(&self) -> &BTreeMap<MsgKey, String> {
        &self.announced
    }

    /// The store as last recorded.
    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    /// Records one run: the events it printed (any events; only `new_message` counts) and the
    /// store's rows after it. Errors say which guarantee broke.
    pub fn record(&mut self, label: &str, end: RunEnd, events: &[Value], after: Rows) -> Result<RunSummary, String> {
        let fail = |what: String| Err(format!("{label}: {what}"));
        for (key, subject) in &self.rows {
            match after.get(key) {
                None => return fail(format!("row {key} ({subject:?}) disappeared from the store")),
                Some(s) if s != subject => return fail(format!("row {key} changed subject from {subject:?} to {s:?}")),
                Some(_) => {}
            }
        }
        let inserted: BTreeMap<&MsgKey, &String> = after.iter().filter(|(k, _)| !self.rows.contains_key(k)).collect();
        let mut this_run: BTreeSet<MsgKey> = BTreeSet::new();
        let (mut late, mut repeated) = (0, 0);
        for e in events.iter().filter(|e| e["event"] == "new_message") {
            let key = MsgKey::of(e);
            let subject = e["subject"].as_str().unwrap_or_default();
            let is_late = e["late"] == true;
            match after.get(&key) {
                None => return fail(format!("announced {key} ({subject:?}) but it is not in the store")),
                Some(s) if s != subject => return fail(format!("announced {key} as {subject:?} but the store has {s:?}")),
                Some(_) => {}
            }
            if !this_run.insert(key.clone()) {
                return fail(format!("announced {key} ({subject:?}) twice in one run"));
            }
            if inserted.contains_key(&key) {
                if is_late {
                    return fail(format!("announced {key} ({subject:?}) as late, but this run stored it"));
                }
                continue;
            }
            if !is_late {
                return fail(format!("announced {key} ({subject:?}), a row an earlier run had stored, without `late`"));
            }
            if self.owed.contains(&key) {
                late += 1;
            } else if self.unconfirmed.contains(&key) {
                repeated += 1;
            } else if let Some(prev) = self.announced.get(&key) {
                return fail(format!("announced {key} ({prev:?}) a second time, though a run that was not killed had announced it"));
            } else {
                return fail(format!("announced {key} ({subject:?}), a row an earlier run had stored, but nothing was owed"));
            }
        }
        let missing: Vec<&MsgKey> = inserted.keys().copied().filter(|k| !this_run.contains(*k)).collect();
        let still_owed: Vec<MsgKey> = self.owed.iter().filter(|k| !this_run.contains(*k)).cloned().collect();
        match end {
            RunEnd::Complete => {
                if !missing.is_empty() || !still_owed.is_empty() {
                    return fail(format!(
                        "{} stored row(s) never announced by a run that was not killed ({} of them owed from before), e.g. {}",
                        missing.len() + still_owed.len(),
                        still_owed.len(),
                        missing
                            .iter()
                            .copied()
                            .chain(still_owed.iter())
                            .take(5)
                            .map(|k| format!("{k} ({:?})", after[k]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                self.unconfirmed.clear();
            }
            RunEnd::Killed { batch_size } => {
                if missing.len() > batch_size {
                    return fail(format!("{} stored rows unannounced: more than one batch ({batch_size}) lost its events", missing.len()));
                }
                let folders: BTreeSet<&str> = missing.iter().map(|k| k.folder.as_str()).collect();
                if folders.len() > 1 {
                    return fail(format!("unannounced rows span several folders {folders:?}: more than the last batch"));
                }
                if let Some(folder) = folders.first() {
                    let lowest_missing = missing.iter().map(|k| k.uid).min().unwrap_or(0);
                    if let Some(k) = this_run.iter().find(|k| k.folder == *folder && k.uid > lowest_missing && inserted.contains_key(*k)) {
                        return fail(format!(
                            "{k} was announced but the lower UID {folder}/{lowest_missing} was not: \
                             the unannounced rows are not the tail of the last batch"
                        ));
                    }
                }
                self.unconfirmed.extend(this_run.iter().cloned());
            }
        }
        // Repeats come from the kills before this run: at most one batch each, in all.
        if self.totals.repeated + repeated > self.repeat_budget {
            return fail(format!(
                "{} messages announced twice so far: more than one batch for each of the {} kills",
                self.totals.repeated + repeated,
                self.totals.killed_runs
            ));
        }
        if let RunEnd::Killed { batch_size } = end {
            self.repeat_budget += batch_size;
        }
        self.owed = still_owed.into_iter().chain(missing.iter().map(|k| (*k).clone())).collect();
        for key in &this_run {
            self.announced.insert(key.clone(), after[key].clone());
        }
        let summary = RunSummary { announced: this_run.len(), inserted: inserted.len(), unannounced: missing.len(), late, repeated };
        self.totals.runs += 1;
        if matches!(end, RunEnd::Killed { .. }) {
            self.totals.killed_runs += 1;
        }
        self.totals.announced += summary.announced;
        self.totals.unannounced += summary.unannounced;
        self.totals.late += late;
        self.totals.repeated += repeated;
        self.totals.rows = after.len();
        self.rows = after;
        Ok(summary)
    }

    /// Rows stored but not announced yet.
    pub fn owed(&self) -> &BTreeSet<MsgKey> {
        &self.owed
    }

    /// The end state: the store holds exactly one row for each of `expected` (subjects of
    /// the mail that arrived after the baseline; they must be unique) and nothing else beyond
    /// the rows it started with.
    pub fn check_final(&self, initial: &Rows, expected: &BTreeSet<String>) -> Result<(), String> {
        let mut seen: BTreeMap<&str, &MsgKey> = BTreeMap::new();
        for (key, subject) in self.rows.iter().filter(|(k, _)| !initial.contains_key(k)) {
            if let Some(other) = seen.insert(subject.as_str(), key) {
                return Err(format!("{subject:?} is stored twice: {other} and {key}"));
            }
            if !expected.contains(subject) {
                return Err(format!("{key} ({subject:?}) is stored but was not expected (history reported as new?)"));
            }
        }
        let lost: Vec<&String> = expected.iter().filter(|s| !seen.contains_key(s.as_str())).collect();
        if !lost.is_empty() {
            return Err(format!("{} message(s) never stored, e.g. {:?}", lost.len(), lost.iter().take(5).collect::<Vec<_>>()));
        }
        Ok(())
    }
}
