//! A message's identity within its account: what makes two copies in different folders one
//! message to the user (a Gmail label and INBOX, a Sieve rule's copy, a post to two lists).
//!
//! The best identity the server offers wins, because only the server truly knows which copies
//! are one message:
//! 1. Gmail's `X-GM-MSGID` (with `X-GM-EXT-1`): the same for every label of a message, and
//!    different for two messages that happen to share a Message-ID;
//! 2. `EMAILID` (RFC 8474 OBJECTID): the same promise, standardised;
//! 3. the Message-ID header, which nearly every mail has;
//! 4. a hash of the Date header, the sender's address, the subject and the size, for mail
//!    without a Message-ID. Only when it has both a Date header and a sender: a false match
//!    would swallow a notification (a miss), while a false split only rings twice, so mail
//!    without either is never merged with anything.
//!
//! Identities are compared within one account only: the same mail forwarded to a second
//! address stays two messages.

use std::fmt::Write as _;

/// What the server's FETCH said about the message, beside the summary's header fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerIds<'a> {
    pub gm_msgid: Option<u64>,
    pub email_id: Option<&'a str>,
}

/// The header fields the fallbacks use, as the summary cleaned them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderIds<'a> {
    /// Without `<>`.
    pub message_id: Option<&'a str>,
    /// The Date header as RFC 3339 (None when the header is missing or unreadable).
    pub date: Option<&'a str>,
    pub from_addr: Option<&'a str>,
    pub subject: &'a str,
    pub size: u32,
}

/// Prefix of an identity that says the server shares flags across the copies (Gmail: a
/// message read under one label is read under all of them).
pub const SHARED_FLAGS_PREFIX: &str = "gm:";

/// The message's identity, or `None` when nothing identifies it (it is then its own message:
/// the store gives it a unique one).
pub fn identity(server: ServerIds<'_>, header: HeaderIds<'_>) -> Option<String> {
    if let Some(id) = server.gm_msgid {
        return Some(format!("{SHARED_FLAGS_PREFIX}{id}"));
    }
    if let Some(id) = server.email_id.map(str::trim).filter(|s| !s.is_empty()) {
        return Some(format!("emailid:{id}"));
    }
    if let Some(id) = header.message_id.map(str::trim).filter(|s| !s.is_empty()) {
        return Some(format!("mid:{id}"));
    }
    let (date, from) = (header.date?, header.from_addr.filter(|a| !a.is_empty())?);
    let mut data = Vec::new();
    // Each field ends with a NUL so that moving bytes between fields changes the hash.
    for part in [date.as_bytes(), from.to_ascii_lowercase().as_bytes(), header.subject.as_bytes(), header.size.to_string().as_bytes()] {
        data.extend_from_slice(part);
        data.push(0);
    }
    let digest = openssl::sha::sha256(&data);
    let mut hex = String::with_capacity(32);
    for b in &digest[..16] {
        let _ = write!(hex, "{b:02x}");
    }
    Some(format!("hash:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(message_id: Option<&'a str>) -> HeaderIds<'a> {
        HeaderIds { message_id, date: Some("2026-12-01T10:00:00+01:00"), from_addr: Some("Bob@Example.org"), subject: "Hello", size: 1234 }
    }

    #[test]
    fn the_best_identity_the_server_offers_wins() {
        let gm = ServerIds { gm_msgid: Some(1278455344230334865), email_id: Some("M1") };
        assert_eq!(identity(gm, header(Some("a@b"))).as_deref(), Some("gm:1278455344230334865"));
        let obj = ServerIds { gm_msgid: None, email_id: Some(" M6d99ac3275bb4e ") };
        assert_eq!(identity(obj, header(Some("a@b"))).as_deref(), Some("emailid:M6d99ac3275bb4e"));
        assert_eq!(identity(ServerIds::default(), header(Some("a@b"))).as_deref(), Some("mid:a@b"));
    }

    #[test]
    fn mail_without_a_message_id_is_hashed_only_when_it_has_a_date_and_a_sender() {
        let h = identity(ServerIds::default(), header(None)).expect("hashed");
        assert!(h.starts_with("hash:") && h.len() == 5 + 32, "{h}");
        // Stable, case-blind in the address, and sensitive to each field.
        assert_eq!(identity(ServerIds::default(), HeaderIds { from_addr: Some("bob@example.org"), ..header(None) }), Some(h.clone()));
        assert_ne!(identity(ServerIds::default(), HeaderIds { size: 1235, ..header(None) }), Some(h.clone()));
        assert_ne!(identity(ServerIds::default(), HeaderIds { subject: "Hello!", ..header(None) }), Some(h));
        assert_eq!(identity(ServerIds::default(), HeaderIds { date: None, ..header(None) }), None);
        assert_eq!(identity(ServerIds::default(), HeaderIds { from_addr: None, ..header(None) }), None);
        assert_eq!(identity(ServerIds::default(), HeaderIds { message_id: Some("  "), from_addr: Some(""), ..header(None) }), None);
    }
}
