//! Printing: JSON for scripts, short lines for people. Mail text is printed as the plain text
//! the engine made of it; nothing here interprets it.

use std::io::Write;

use mailbell_sync::Event;

/// Prints one value as a JSON line. A closed stdout (e.g. `| head`) is not worth a panic.
pub fn json_line<T: serde::Serialize>(value: &T) {
    if let Ok(s) = serde_json::to_string(value) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }
}

pub fn json_pretty<T: serde::Serialize>(value: &T) {
    if let Ok(s) = serde_json::to_string_pretty(value) {
        let _ = writeln!(std::io::stdout().lock(), "{s}");
    }
}

/// The human-readable line of an event, or nothing for routine ones.
pub fn event_text(e: &Event) -> Option<String> {
    match e {
        Event::NewMessage(m) => Some(format!("new  {} | {} | {} | {}", m.folder, m.date, m.from, m.subject)),
        Event::MessageUpdate(u) if u.new_copy => {
            Some(format!("copy  {} uid {} of the message first seen in {} uid {}", u.folder, u.uid, u.first_folder, u.first_uid))
        }
        Event::MessageUpdate(u) => {
            let what = if u.expunged {
                "deleted"
            } else if u.seen {
                "read"
            } else {
                "unread"
            };
            Some(format!("{what}  {} uid {}", u.folder, u.uid))
        }
        Event::FolderStatus(f) => f.error.as_ref().map(|err| format!("error  {}: {err}", f.folder)),
        Event::AccountStatus(_) => None,
        Event::Digest(d) => Some(format!("digest  {} new during the quiet hours (since {})", d.count, d.since)),
    }
}

pub fn print_event(e: &Event, json: bool) {
    if json {
        json_line(e);
    } else if let Some(line) = event_text(e) {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}
