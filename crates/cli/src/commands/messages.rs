//! `messages`: the newest messages Mailbell has seen; the store is the source of truth.

use mailbell_sync::{NewMessageEvent, Store};
use serde::Serialize;

use crate::args::MessagesArgs;
use crate::failure::CliResult;
use crate::output;

#[derive(Serialize)]
struct MessageOut {
    #[serde(flatten)]
    fields: NewMessageEvent,
    flags: Vec<String>,
    size: u32,
    /// Read on the server (here or elsewhere).
    seen: bool,
    /// Deleted on the server; kept as history.
    expunged: bool,
    internal_date: String,
    fetched_at: String,
}

pub fn run(store: &Store, args: &MessagesArgs) -> CliResult {
    let messages = store.messages(None, args.limit)?;
    if args.json {
        let out: Vec<MessageOut> = messages
            .iter()
            .map(|m| MessageOut {
                fields: NewMessageEvent::from(m),
                flags: m.flags.clone(),
                size: m.size,
                seen: m.seen,
                expunged: m.expunged,
                internal_date: m.internal_date.clone(),
                fetched_at: m.fetched_at.clone(),
            })
            .collect();
        output::json_pretty(&out);
        return Ok(());
    }
    if messages.is_empty() {
        println!("No new mail seen yet. Mail that was already there at the first sync is history, not news.");
    }
    for m in messages {
        let mark = if m.expunged {
            "deleted "
        } else if m.seen {
            "read    "
        } else {
            "NEW     "
        };
        println!("{mark}{} | {} | {} | {}", m.date, m.folder, m.from_display(), m.subject);
        if !m.preview.is_empty() {
            println!("    {}", m.preview);
        }
    }
    Ok(())
}
