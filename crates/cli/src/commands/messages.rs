//! `messages`: the newest messages Mailbell has seen; the store is the source of truth.

use mailbell_sync::{NewMessageEvent, Store};
use serde::Serialize;

use crate::args::MessagesArgs;
use crate::failure::CliResult;
use crate::output;

/// A message as `messages --json` prints it: the `new_message` event's fields (read state
/// included, as `seen`) and what the store adds. Each key once: a JSON object with a key twice
/// is read differently by different parsers.
#[derive(Serialize)]
struct MessageOut {
    #[serde(flatten)]
    fields: NewMessageEvent,
    flags: Vec<String>,
    size: u32,
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
        println!("{mark}{} | {} | {} | {}", m.date, m.folders.join(", "), m.from_display(), m.subject);
        if !m.preview.is_empty() {
            println!("    {}", m.preview);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_printed_once() {
        let fields = NewMessageEvent {
            account: "a1".into(),
            folder: "INBOX".into(),
            uidvalidity: 7,
            uid: 3,
            from: "Bob <bob@example.org>".into(),
            subject: "hi".into(),
            date: "2026-12-06T05:00:00Z".into(),
            preview: "hello".into(),
            from_name: Some("Bob".into()),
            from_addr: Some("bob@example.org".into()),
            message_id: Some("<m@x>".into()),
            seen: true,
            identity: "mid:m@x".into(),
            folders: vec!["INBOX".into(), "Work".into()],
            late: false,
            ring: mailbell_sync::Ring::Silent,
            ring_reason: Some("seen".into()),
            list_id: None,
        };
        let out = MessageOut {
            fields,
            flags: vec!["\\Seen".into()],
            size: 10,
            expunged: false,
            internal_date: String::new(),
            fetched_at: String::new(),
        };
        let text = serde_json::to_string(&out).expect("serialises");
        assert_eq!(text.matches("\"seen\":").count(), 1, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["seen"], true);
        assert_eq!(v["expunged"], false);
    }
}
