//! The digest at the end of the quiet hours (ARCHITECTURE.md § What rings).
//!
//! Mail that came during quiet hours was announced `quiet` and is held in the store
//! (`messages.held_at`). This task looks at the local clock every `quiet_check` (and when the
//! rules change): once it is no longer quiet, it takes what is held and sends one `digest`
//! with what of it is still news. Held mail is in the store, not in memory, so an engine
//! restarted during the quiet hours still sends the digest at their end (or at its start,
//! when they ended while it was stopped).

use std::sync::Arc;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::Shared;
use crate::error::SyncError;
use crate::events::{DigestEvent, Event, EventSink, NewMessageEvent};
use crate::rules::in_quiet_hours;
use crate::sync::blocking;

/// Starts the task; it ends when `closing` turns true.
pub(super) fn spawn(shared: Arc<Shared>, mut closing: watch::Receiver<bool>, rules_changed: Arc<Notify>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = check(&shared).await {
                tracing::warn!(error = %e, "cannot send the digest of the quiet hours; trying again later");
            }
            tokio::select! {
                _ = closing.wait_for(|c| *c) => return,
                () = tokio::time::sleep(shared.opts.quiet_check) => {}
                () = rules_changed.notified() => {}
            }
        }
    })
}

/// Sends the digest when it is not quiet and mail is held. Returns whether one went out.
pub(super) async fn check(shared: &Shared) -> Result<bool, SyncError> {
    let clock = shared.opts.sync.clock.clone();
    let now = clock.now();
    let taken = blocking(&shared.store, move |s| {
        if in_quiet_hours(&s.rules()?, now.naive_local()) {
            return Ok(None);
        }
        s.take_held().map(Some)
    })
    .await?;
    let Some((held, since)) = taken else {
        return Ok(false);
    };
    let news: Vec<_> = held.iter().filter(|m| m.is_new()).collect();
    if news.is_empty() {
        if !held.is_empty() {
            tracing::debug!(held = held.len(), "quiet hours over: everything held was read or deleted meanwhile, no digest");
        }
        return Ok(false);
    }
    let until = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let digest = DigestEvent {
        count: u32::try_from(news.len()).unwrap_or(u32::MAX),
        messages: news.iter().take(DigestEvent::LISTED).map(|m| NewMessageEvent::from(*m)).collect(),
        since: since.unwrap_or_else(|| until.clone()),
        until,
    };
    tracing::info!(count = digest.count, "quiet hours over: sending their digest");
    shared.sink.emit(Event::Digest(digest));
    Ok(true)
}
