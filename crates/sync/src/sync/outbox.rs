//! The outbox: every stored message is announced at least once.
//!
//! A batch's rows are inserted unannounced, in the transaction that moves the watermark; their
//! events go out right after the commit, and then the rows are marked announced. A process
//! killed in between leaves rows unannounced, and the next start (`watch`, the app, or
//! `sync --once` of that account) announces them before its first pass. So a kill loses no
//! event, and repeats at most the batch that was in flight (its events went out, the mark did
//! not make it).

use super::blocking;
use crate::error::SyncError;
use crate::events::{Event, EventSink, MessageUpdateEvent, NewMessageEvent};
use crate::store::{Inserted, Store};

/// Emits the events of rows just inserted: `new_message` for a message's first copy, a
/// `message_update` with its folders for a later one (it rings once). `late` says they were
/// stored by an earlier run that stopped before telling.
pub(crate) fn announce(sink: &dyn EventSink, inserted: &[Inserted], late: bool) {
    for i in inserted {
        sink.emit(match i {
            Inserted::First(m) => Event::NewMessage(NewMessageEvent { late, ..NewMessageEvent::from(m) }),
            Inserted::Copy { folder, uidvalidity, uid, seen, message, .. } => {
                Event::MessageUpdate(MessageUpdateEvent::of_copy(message, folder, *uidvalidity, *uid, *seen, false, true))
            }
        });
    }
}

/// Announces, then marks announced, the rows of a batch just committed. Runs on the store's
/// thread together with the commit (see `Pass::commit`).
pub(crate) fn announce_and_mark(store: &Store, sink: &dyn EventSink, inserted: &[Inserted]) -> Result<(), crate::store::StoreError> {
    announce(sink, inserted, false);
    let ids: Vec<i64> = inserted.iter().map(Inserted::row_id).collect();
    store.mark_announced(&ids)
}

/// Announces what an earlier run stored but never announced, for one account. Returns how
/// many messages (first copies) that was.
pub async fn announce_owed(store: &Store, account_id: &str, sink: &dyn EventSink) -> Result<usize, SyncError> {
    let id = account_id.to_string();
    let owed = blocking(store, move |s| s.unannounced(&id)).await?;
    if owed.is_empty() {
        return Ok(0);
    }
    tracing::info!(account = %account_id, rows = owed.len(), "announcing mail an earlier run stored but did not announce");
    announce(sink, &owed, true);
    let ids: Vec<i64> = owed.iter().map(Inserted::row_id).collect();
    blocking(store, move |s| s.mark_announced(&ids)).await?;
    Ok(owed.iter().filter(|i| i.is_first()).count())
}
