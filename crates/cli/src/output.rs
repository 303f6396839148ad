//! Printing: JSON for scripts, short lines for people. Mail text is printed as the plain text
//! the engine made of it; nothing here interprets it.

use std::io::Write;

use mailbell_sync::{Event, NewMessageEvent, Ring};

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

/// How a new message rings for this front end: the engine's decision, or with
/// `--ignore-rules` every message not already read.
pub fn ring_of(m: &NewMessageEvent, ignore_rules: bool) -> Ring {
    if ignore_rules && !m.seen {
        Ring::Ring
    } else {
        m.ring
    }
}

/// The human-readable line of an event, or nothing for routine ones. Every new message has
/// its line; one that does not ring says why.
pub fn event_text(e: &Event, ignore_rules: bool) -> Option<String> {
    match e {
        Event::NewMessage(m) => {
            let line = format!("new  {} | {} | {} | {}", m.folder, m.date, m.from, m.subject);
            let reason = m.ring_reason.as_deref().unwrap_or("rules");
            Some(match ring_of(m, ignore_rules) {
                Ring::Ring => line,
                Ring::Quiet => format!("{line}  (quiet hours: held for the digest)"),
                Ring::Silent => format!("{line}  (silent: {})", reason.replace('_', " ")),
            })
        }
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
        // With --ignore-rules its messages had their lines, as ringing, when they came.
        Event::Digest(_) if ignore_rules => None,
        Event::Digest(d) => {
            let newest = d.messages.first().map(|m| format!(", newest: {} | {}", m.from, m.subject)).unwrap_or_default();
            Some(format!("digest  {} new during the quiet hours, since {}{newest}", d.count, d.since))
        }
    }
}

pub fn print_event(e: &Event, json: bool, ignore_rules: bool) {
    if json {
        json_line(e);
    } else if let Some(line) = event_text(e, ignore_rules) {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}
