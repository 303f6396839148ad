//! The outbox: every stored message is announced at least once, with the user's rules'
//! decision on whether it rings (ARCHITECTURE.md § What rings).
//!
//! A batch's rows are inserted unannounced, in the transaction that moves the watermark; their
//! events go out right after the commit, and then the rows are marked announced (with the
//! decision, and held for the digest when quiet). A process killed in between leaves rows
//! unannounced, and the next start (`watch`, the app, or `sync --once` of that account)
//! announces them before its first pass. So a kill loses no event, and repeats at most the
//! batch that was in flight (its events went out, the mark did not make it).

use std::collections::BTreeMap;

use super::blocking;
use crate::error::SyncError;
use crate::events::{Event, EventSink, MessageUpdateEvent, NewMessageEvent};
use crate::rules::{decide, in_quiet_hours, Decision, Facts, LocalClock, Rules};
use crate::store::{Inserted, Store, StoreError, StoredMessage};

/// What the decision needs of one account, read once per batch: the rules, the account's and
/// its folders' switches, and whether it is quiet now.
pub(crate) struct Ringer {
    rules: Rules,
    account_notify: bool,
    /// Folder name → (notify, special use).
    folders: BTreeMap<String, (bool, Option<String>)>,
    quiet_now: bool,
}

impl Ringer {
    pub(crate) fn load(store: &Store, account_id: &str, clock: &LocalClock) -> Result<Ringer, StoreError> {
        let rules = store.rules()?;
        // An account removed meanwhile: its rows are gone with it, nothing rings anyway.
        let account_notify = store.account(account_id)?.is_none_or(|a| a.notify);
        let folders = store.folders(Some(account_id))?.into_iter().map(|f| (f.name, (f.notify, f.special_use))).collect();
        let quiet_now = in_quiet_hours(&rules, clock.now().naive_local());
        Ok(Ringer { rules, account_notify, folders, quiet_now })
    }

    pub(crate) fn decide(&self, m: &StoredMessage, late: bool) -> Decision {
        // A folder no longer listed (deleted on the server meanwhile) rings as folders do.
        let (folder_notify, special_use) = self.folders.get(&m.folder).map(|(n, s)| (*n, s.as_deref())).unwrap_or((true, None));
        decide(
            &self.rules,
            &Facts {
                from_addr: m.from_addr.as_deref(),
                list_id: m.list_id.as_deref(),
                seen: m.seen,
                late,
                folder: &m.folder,
                special_use,
                folder_notify,
                account_notify: self.account_notify,
                quiet_now: self.quiet_now,
            },
        )
    }
}

/// Emits the events of rows just inserted: `new_message` for a message's first copy, with the
/// rules' decision, a `message_update` with its folders for a later one (it rings once).
/// `late` says they were stored by an earlier run that stopped before telling. Returns the
/// marks to record.
fn announce(sink: &dyn EventSink, ringer: &Ringer, inserted: &[Inserted], late: bool) -> Vec<(i64, Option<Decision>)> {
    let mut marks = Vec::with_capacity(inserted.len());
    for i in inserted {
        sink.emit(match i {
            Inserted::First(m) => {
                let d = ringer.decide(m, late);
                marks.push((m.id, Some(d)));
                Event::NewMessage(NewMessageEvent {
                    late,
                    ring: d.ring,
                    ring_reason: d.reason.map(|r| r.as_str().to_string()),
                    ..NewMessageEvent::from(m)
                })
            }
            Inserted::Copy { id, folder, uidvalidity, uid, seen, message } => {
                marks.push((*id, None));
                Event::MessageUpdate(MessageUpdateEvent::of_copy(message, folder, *uidvalidity, *uid, *seen, false, true))
            }
        });
    }
    marks
}

/// Announces, then marks announced, the rows of a batch just committed. Runs on the store's
/// thread together with the commit (see `Pass::commit`).
pub(crate) fn announce_and_mark(
    store: &Store,
    sink: &dyn EventSink,
    clock: &LocalClock,
    account_id: &str,
    inserted: &[Inserted],
) -> Result<(), StoreError> {
    if inserted.is_empty() {
        return Ok(());
    }
    let ringer = Ringer::load(store, account_id, clock)?;
    let marks = announce(sink, &ringer, inserted, false);
    store.mark_announced(&marks)
}

/// Announces what an earlier run stored but never announced, for one account. Returns how
/// many messages (first copies) that was.
pub async fn announce_owed(store: &Store, account_id: &str, sink: &dyn EventSink, clock: &LocalClock) -> Result<usize, SyncError> {
    let id = account_id.to_string();
    let clock = clock.clone();
    let (owed, ringer) = blocking(store, move |s| Ok((s.unannounced(&id)?, Ringer::load(s, &id, &clock)?))).await?;
    if owed.is_empty() {
        return Ok(0);
    }
    tracing::info!(account = %account_id, rows = owed.len(), "announcing mail an earlier run stored but did not announce");
    let marks = announce(sink, &ringer, &owed, true);
    blocking(store, move |s| s.mark_announced(&marks)).await?;
    Ok(owed.iter().filter(|i| i.is_first()).count())
}
