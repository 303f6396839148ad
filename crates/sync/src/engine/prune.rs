//! The store's pruning in the background (ARCHITECTURE.md § Data model, "What the store
//! keeps"; the rule itself is `store::prune`).
//!
//! Due once every `prune_every`, a sweep starts right after a pass (the store is then quiet:
//! the pass's writes are done) or, when no pass comes, on the timer. It goes a step at a time,
//! each step one short transaction on a blocking thread, so a pass that wants the store waits
//! one step at most; then the freed pages go back to the file system, a few at a time too.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Shared;
use crate::error::SyncError;
use crate::store::{PruneReport, Sweep};
use crate::sync::blocking;

/// Pages given back per step (1 MiB with SQLite's default page size): giving back a year's
/// worth of pages took about 0.2 s per 1,024 pages in the bench (S9, a loaded machine), too
/// long for a pass to wait.
const RECLAIM_PAGES: u32 = 256;

/// Starts the task; it ends when `closing` turns true.
pub(super) fn spawn(shared: Arc<Shared>, mut closing: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = closing.wait_for(|c| *c) => return,
                () = shared.pass_done.notified() => {}
                () = tokio::time::sleep(shared.opts.prune_every) => {}
            }
            if last.is_some_and(|t| t.elapsed() < shared.opts.prune_every) {
                continue;
            }
            last = Some(Instant::now());
            match sweep(&shared, &closing).await {
                Ok(r) if r.messages > 0 => tracing::info!(messages = r.messages, rows = r.rows, steps = r.steps, "let go of old messages"),
                Ok(r) => tracing::debug!(examined = r.examined, "nothing to let go of"),
                Err(e) => tracing::warn!(error = %e, "cannot prune the store; trying again later"),
            }
        }
    })
}

/// One sweep, then the pages it freed given back; stops early at shutdown (the next sweep
/// starts over: a step is a whole transaction, so stopping between steps loses nothing).
pub(super) async fn sweep(shared: &Shared, closing: &watch::Receiver<bool>) -> Result<PruneReport, SyncError> {
    let mut sweep = Sweep::new(shared.opts.retention, chrono::Utc::now());
    loop {
        if *closing.borrow() {
            return Ok(sweep.report);
        }
        let (next, more) = blocking(&shared.store, move |s| s.prune_step(&mut sweep).map(|more| (sweep, more))).await?;
        sweep = next;
        if !more {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut left = u64::MAX;
    while !*closing.borrow() {
        let now = blocking(&shared.store, |s| s.reclaim(RECLAIM_PAGES)).await?;
        // Stops when all is given back, or when a step gave nothing back (the file is busy).
        if now == 0 || now >= left {
            break;
        }
        left = now;
        tokio::task::yield_now().await;
    }
    Ok(sweep.report)
}
