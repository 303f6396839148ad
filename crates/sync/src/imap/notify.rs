//! NOTIFY (RFC 5465): one unselected connection hears of changes in every folder.
//!
//! The session never selects a mailbox, so the server reports only `* STATUS` (a folder's
//! counts moved: new mail, expunge, flag change) and `* LIST` (a folder created, renamed or
//! deleted). No sequence number ever reaches us, which sidesteps RFC 5465 §5.3's pitfalls, and
//! we never STATUS a selected mailbox. A STATUS is read as "look at this folder", never as
//! counts to add up: Dovecot repeats mailboxes in the initial burst and an update carries
//! only what changed (ARCHITECTURE.md § The engine, the push companion).
//!
//! The server may send these at any time without IDLE, so the companion reads the connection
//! with its own deadline: a quiet read that runs out is not an error (async-imap's stream keeps
//! partial input in its own buffer, so abandoning a read loses nothing).

use std::time::Duration;

use async_imap::imap_proto::{MailboxDatum, Response, Status};

use super::error::ImapError;
use super::list::canonical;
use super::quote::quoted;
use super::session::ImapSession;
use crate::mutf7;

/// What one untagged response means to the push companion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyEvent {
    /// Something changed in this folder (decoded UTF-8 name, as the store names it).
    Folder(String),
    /// The folder list changed (created, renamed, deleted, subscribed): a full pass lists it.
    Listing,
    /// The server stopped sending notifications (`NOTIFICATIONOVERFLOW`, RFC 5465 §5.8):
    /// anything may have been missed, and nothing more will come until NOTIFY is set again.
    Overflow,
}

/// How `NOTIFY SET` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyStart {
    Active,
    /// NO or BAD: the server does not do NOTIFY after all (or not for this filter).
    Refused(String),
}

/// The events asked for: new mail, expunges and flag changes (read elsewhere) are what a pass
/// reacts to; MailboxName and SubscriptionChange give `* LIST` when folders come and go.
const MESSAGE_EVENTS: &str = "MessageNew MessageExpunge FlagChange";
const LISTING_EVENTS: &str = "MailboxName SubscriptionChange";

/// The `NOTIFY SET STATUS ...` command. With `mailboxes` (server-side raw names of an
/// account's explicit folder list), only those folders report message events, so the server
/// does not wake us for folders Mailbell ignores; otherwise every personal folder does.
/// `None` when a name cannot be sent (the caller then falls back to watching every folder).
pub fn set_command(mailboxes: Option<&[String]>) -> Option<String> {
    match mailboxes {
        None => Some(format!("NOTIFY SET STATUS (personal ({MESSAGE_EVENTS} {LISTING_EVENTS}))")),
        Some([]) => None,
        Some(names) => {
            let quoted: Option<Vec<String>> = names.iter().map(|n| quoted(n)).collect();
            Some(format!("NOTIFY SET STATUS (mailboxes ({}) ({MESSAGE_EVENTS} {LISTING_EVENTS}))", quoted?.join(" ")))
        }
    }
}

/// Reads one untagged response as a notification, if it is one.
pub fn classify(r: &Response<'_>) -> Option<NotifyEvent> {
    match r {
        Response::MailboxData(MailboxDatum::Status { mailbox, .. }) => Some(NotifyEvent::Folder(mutf7::decode(&canonical(mailbox)))),
        Response::MailboxData(MailboxDatum::List(_)) => Some(NotifyEvent::Listing),
        Response::Data { status: Status::Ok, outcome } => {
            // imap-proto knows no NOTIFICATIONOVERFLOW code: it is left in the text.
            let text = outcome.information.as_deref().unwrap_or("");
            text.to_ascii_uppercase().contains("NOTIFICATIONOVERFLOW").then_some(NotifyEvent::Overflow)
        }
        _ => None,
    }
}

impl ImapSession {
    /// Sends `command` (from [`set_command`]). The initial burst of STATUS responses that
    /// Dovecot sends before the completion is dropped: the caller asks for one full pass
    /// instead, which covers whatever it said.
    pub async fn notify_set(&mut self, command: &str) -> Result<NotifyStart, ImapError> {
        match self.run(command, "NOTIFY", |_| {}).await {
            Ok(()) => Ok(NotifyStart::Active),
            Err(ImapError::Command { text, .. }) => Ok(NotifyStart::Refused(text)),
            Err(e) => Err(e),
        }
    }

    /// Waits up to `wait` for notifications. `Ok(empty)` means the wait ran out quietly.
    /// Once one arrives, whatever follows within `gather` is taken too, so a burst (one
    /// append reported for several folders, a LIST and its STATUS) wakes one pass.
    pub async fn notify_wait(&mut self, wait: Duration, gather: Duration) -> Result<Vec<NotifyEvent>, ImapError> {
        let mut events = Vec::new();
        let mut limit = wait;
        while let Some(event) = self.next_within(limit, classify).await? {
            events.extend(event);
            if events.len() >= 256 {
                break; // a flood: act on what came, the rest follows on the next read
            }
            if !events.is_empty() {
                limit = gather;
            }
        }
        Ok(events)
    }

    /// NOOP as a liveness check of a quiet NOTIFY connection (the push watchdog's probe):
    /// NOTIFY has no IDLE round, so a dead path would otherwise go unnoticed. Notifications
    /// that arrive with its answer are returned; no answer within `probe` (or the response
    /// timeout, if shorter) is an [`ImapError::Timeout`], and the session is broken.
    pub async fn notify_noop(&mut self, probe: Duration) -> Result<Vec<NotifyEvent>, ImapError> {
        let within = probe.min(self.response_timeout());
        let mut events = Vec::new();
        match tokio::time::timeout(within, self.run("NOOP", "NOOP", |r| events.extend(classify(r)))).await {
            Ok(r) => r?,
            Err(_) => return Err(self.timed_out("answering NOOP after a silence (watchdog): connection presumed dead", within)),
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Option<NotifyEvent> {
        let (rest, r) = Response::parse(bytes).expect("parses");
        assert!(rest.is_empty(), "left over: {rest:?}");
        classify(&r)
    }

    #[test]
    fn status_names_the_folder_decoded() {
        assert_eq!(parse(b"* STATUS Work (MESSAGES 1 UIDNEXT 2 UNSEEN 1 HIGHESTMODSEQ 2)\r\n"), Some(NotifyEvent::Folder("Work".into())));
        assert_eq!(parse(b"* STATUS inbox (UNSEEN 0 HIGHESTMODSEQ 3)\r\n"), Some(NotifyEvent::Folder("INBOX".into())));
        assert_eq!(parse(b"* STATUS \"Caf&AOk-\" (MESSAGES 2)\r\n"), Some(NotifyEvent::Folder("Caf\u{e9}".into())));
        assert_eq!(parse(b"* STATUS \"a \\\"b\\\"\" (MESSAGES 2)\r\n"), Some(NotifyEvent::Folder("a \"b\"".into())));
    }

    #[test]
    fn list_means_the_listing_changed() {
        assert_eq!(parse(b"* LIST () \"/\" Fresh\r\n"), Some(NotifyEvent::Listing));
        assert_eq!(parse(b"* LIST (\\NonExistent) \"/\" Gone\r\n"), Some(NotifyEvent::Listing));
    }

    #[test]
    fn overflow_and_others() {
        assert_eq!(parse(b"* OK [NOTIFICATIONOVERFLOW] Too many events\r\n"), Some(NotifyEvent::Overflow));
        assert_eq!(parse(b"* OK Still here\r\n"), None);
        assert_eq!(parse(b"* 3 EXISTS\r\n"), None);
        assert_eq!(parse(b"a1 OK NOTIFY completed\r\n"), None);
    }

    #[test]
    fn set_commands() {
        assert_eq!(
            set_command(None).as_deref(),
            Some("NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))")
        );
        assert_eq!(
            set_command(Some(&["INBOX".into(), "a b".into()])).as_deref(),
            Some("NOTIFY SET STATUS (mailboxes (\"INBOX\" \"a b\") (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))")
        );
        assert_eq!(set_command(Some(&[])), None);
    }
}
