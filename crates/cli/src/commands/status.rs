//! `status`: every folder's watermark and health.

use mailbell_sync::Store;
use serde::Serialize;

use crate::args::JsonArg;
use crate::failure::CliResult;
use crate::output;

#[derive(Serialize)]
struct FolderStatus {
    account: String,
    folder: String,
    watched: bool,
    state: &'static str,
    uidvalidity: u32,
    last_uid: u32,
    uidnext: u32,
    messages: u32,
    unseen: u32,
    special_use: Option<String>,
    last_attempt_at: Option<String>,
    last_sync_at: Option<String>,
    last_error: Option<String>,
    notice: Option<String>,
    /// Its new mail may ring (`notify`); off, it is still watched and counted.
    notify: bool,
}

pub fn run(store: &Store, args: &JsonArg) -> CliResult {
    let rows: Vec<FolderStatus> = store
        .folders(None)?
        .into_iter()
        .map(|f| FolderStatus {
            account: f.account_id,
            folder: f.name,
            watched: f.watched,
            state: f.state.as_str(),
            uidvalidity: f.uidvalidity,
            last_uid: f.last_uid,
            uidnext: f.uidnext,
            messages: f.messages,
            unseen: f.unseen,
            special_use: f.special_use,
            last_attempt_at: f.last_attempt_at,
            last_sync_at: f.last_sync_at,
            last_error: f.last_error,
            notice: f.notice,
            notify: f.notify,
        })
        .collect();
    if args.json {
        output::json_pretty(&rows);
        return Ok(());
    }
    if rows.is_empty() {
        println!("No folders known yet: add an account, then run `mailbell-cli sync --once`.");
    }
    for r in rows {
        let watched = if r.watched { "watched" } else { "ignored" };
        let last = r.last_sync_at.as_deref().unwrap_or("never");
        let silent = if r.notify { "" } else { "  [notifications off]" };
        println!("{}  {:<24} {:<8} {:<7} last uid {:<7} synced {}{silent}", r.account, r.folder, watched, r.state, r.last_uid, last);
        if let Some(e) = r.last_error {
            println!("    error: {e}");
        }
        if let Some(n) = r.notice {
            println!("    note: {n}");
        }
    }
    Ok(())
}
