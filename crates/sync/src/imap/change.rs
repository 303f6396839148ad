//! The only commands in Mailbell that change a mailbox: SELECT, `UID STORE`, `UID MOVE`
//! (RFC 6851), `UID COPY` and `UID EXPUNGE` (RFC 4315 UIDPLUS). They exist for the message
//! verbs (`message/act.rs`), which run them for one UID the user named, on a session of their
//! own; the sync never calls them (it stays EXAMINE + BODY.PEEK).
//!
//! A session that SELECTed a mailbox is only ever logged out, never CLOSEd: CLOSE on a
//! read-write mailbox expunges every message marked `\Deleted` in it, someone else's too
//! (LOGOUT and another SELECT close it without expunging, RFC 3501 §6.3.1).

use async_imap::imap_proto::rfc4315::UidSetMember;
use async_imap::imap_proto::{Response, ResponseCode, Status};

use super::error::ImapError;
use super::fetch::Examined;
use super::quote::quoted;
use super::session::ImapSession;

/// Where a copied or moved message landed, from the server's COPYUID (UIDPLUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopiedTo {
    /// The destination folder's UIDVALIDITY.
    pub uidvalidity: u32,
    pub uid: u32,
}

fn mailbox(raw_name: &str) -> Result<String, ImapError> {
    quoted(raw_name).ok_or_else(|| ImapError::Protocol(format!("folder name {raw_name:?} cannot be sent to the server")))
}

/// The destination UID of a one-message COPYUID.
fn copied_to(code: &ResponseCode<'_>) -> Option<CopiedTo> {
    let ResponseCode::CopyUid(uidvalidity, _, dst) = code else {
        return None;
    };
    let uid = match dst.first()? {
        UidSetMember::Uid(u) => *u,
        UidSetMember::UidRange(r) => *r.start(),
    };
    Some(CopiedTo { uidvalidity: *uidvalidity, uid })
}

impl ImapSession {
    /// SELECT: the mailbox opened read-write. Only a user's action on one message may do this.
    pub async fn select(&mut self, raw_name: &str) -> Result<Examined, ImapError> {
        let (ex, _, _) = self.open_mailbox("SELECT", raw_name, "", &[], None).await?;
        Ok(ex)
    }

    /// `UID STORE uid ±FLAGS.SILENT (flag)` on the selected mailbox: `add` sets the flag,
    /// otherwise it is removed. Nothing else about the message changes.
    pub async fn uid_store_flag(&mut self, uid: u32, flag: &str, add: bool) -> Result<(), ImapError> {
        let sign = if add { '+' } else { '-' };
        self.run(&format!("UID STORE {uid} {sign}FLAGS.SILENT ({flag})"), "UID STORE", |_| {}).await
    }

    /// `UID MOVE uid destination` (RFC 6851). The COPYUID, when the server gives one, comes
    /// untagged before the EXPUNGE.
    pub async fn uid_move(&mut self, uid: u32, dest_raw: &str) -> Result<Option<CopiedTo>, ImapError> {
        let dest = mailbox(dest_raw)?;
        self.run_with_copyuid(&format!("UID MOVE {uid} {dest}"), "UID MOVE").await
    }

    /// `UID COPY uid destination`; the COPYUID comes in the tagged OK.
    pub async fn uid_copy(&mut self, uid: u32, dest_raw: &str) -> Result<Option<CopiedTo>, ImapError> {
        let dest = mailbox(dest_raw)?;
        self.run_with_copyuid(&format!("UID COPY {uid} {dest}"), "UID COPY").await
    }

    /// `UID EXPUNGE uid` (UIDPLUS): removes that message only, if it is marked `\Deleted`,
    /// whatever else in the mailbox is.
    pub async fn uid_expunge(&mut self, uid: u32) -> Result<(), ImapError> {
        self.run(&format!("UID EXPUNGE {uid}"), "UID EXPUNGE", |_| {}).await
    }

    /// UIDs of the messages in the open mailbox whose Message-ID header contains `message_id`
    /// (IMAP SEARCH matches substrings; the caller checks what it finds).
    pub async fn uid_search_message_id(&mut self, message_id: &str) -> Result<Vec<u32>, ImapError> {
        let q = quoted(message_id).ok_or_else(|| ImapError::Protocol("the Message-ID cannot be sent to the server".into()))?;
        let mut found = Vec::new();
        self.run(&format!("UID SEARCH HEADER Message-ID {q}"), "UID SEARCH", |r| {
            if let Response::MailboxData(async_imap::imap_proto::MailboxDatum::Search(s)) = r {
                found.extend_from_slice(s);
            }
        })
        .await?;
        Ok(found)
    }

    /// Runs a COPY or MOVE and keeps the COPYUID from wherever the server puts it (untagged
    /// OK for MOVE, the tagged OK for COPY).
    async fn run_with_copyuid(&mut self, command: &str, what: &str) -> Result<Option<CopiedTo>, ImapError> {
        let tag = self.send(command).await?;
        let mut copied = None;
        loop {
            let done = self
                .next_with(|r| {
                    let code = match r {
                        Response::Done { tag: t, status: Status::Ok, outcome } if *t == tag => outcome.code.as_ref(),
                        Response::Data { status: Status::Ok, outcome } => outcome.code.as_ref(),
                        _ => None,
                    };
                    copied = copied.or(code.and_then(copied_to));
                    Self::completion(r, &tag, what)
                })
                .await?;
            if let Some(done) = done {
                return done.map(|()| copied);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyuid_is_read_from_tagged_and_untagged_answers() {
        let (_, tagged) = Response::parse(b"A1 OK [COPYUID 38505 304 3956] Done\r\n").expect("parses");
        let Response::Done { outcome, .. } = tagged else { panic!("not a completion: {tagged:?}") };
        assert_eq!(copied_to(outcome.code.as_ref().expect("a code")), Some(CopiedTo { uidvalidity: 38505, uid: 3956 }));
        let (_, untagged) = Response::parse(b"* OK [COPYUID 7 5:6 10:11] Moved\r\n").expect("parses");
        let Response::Data { outcome, .. } = untagged else { panic!("not data: {untagged:?}") };
        assert_eq!(copied_to(outcome.code.as_ref().expect("a code")), Some(CopiedTo { uidvalidity: 7, uid: 10 }));
    }
}
