//! Opening a folder read-only and streaming the summaries of its new messages.
//!
//! Only bounded bytes are asked for: a fixed set of header fields (cut at 16 KiB) and the
//! first 4 KiB of the body, with BODY.PEEK so that \Seen is never set. A 30 MB attachment
//! costs its RFC822.SIZE number, nothing more.

use async_imap::imap_proto::{AttributeValue, MessageSection, Response, ResponseCode, SectionPath, Status};

use super::error::ImapError;
use super::quote::quoted;
use super::session::ImapSession;

pub const HEADER_BYTES: u32 = 16 * 1024;
pub const TEXT_BYTES: u32 = 4 * 1024;

const HEADER_FIELDS: &str = "FROM SUBJECT DATE MESSAGE-ID CONTENT-TYPE CONTENT-TRANSFER-ENCODING MIME-VERSION";

fn fetch_items() -> String {
    format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]<0.{HEADER_BYTES}> BODY.PEEK[TEXT]<0.{TEXT_BYTES}>)"
    )
}

/// What EXAMINE tells about a folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Examined {
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub exists: u32,
    pub highestmodseq: Option<u64>,
}

/// The bounded raw material of one message, copied out of the response buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub internal_date: Option<String>,
    pub size: u32,
    pub header: Vec<u8>,
    pub text: Vec<u8>,
}

/// A UID FETCH in progress: read it with [`ImapSession::next_message`] until `None`.
#[derive(Debug)]
pub struct FetchStream {
    tag: async_imap::imap_proto::RequestId,
    /// UIDs at or below this are dropped: `n:*` always returns the newest message, even when
    /// it is older than `n`.
    after_uid: u32,
    finished: bool,
}

enum Step {
    Message(FetchedMessage),
    Skip,
    Done(Result<(), ImapError>),
}

fn copy_message(attrs: &[AttributeValue<'_>]) -> Option<FetchedMessage> {
    let mut m = FetchedMessage::default();
    let mut has_uid = false;
    let mut has_body = false;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => {
                m.uid = *u;
                has_uid = true;
            }
            AttributeValue::Flags(f) => m.flags = f.iter().map(|x| x.to_string()).collect(),
            AttributeValue::InternalDate(d) => m.internal_date = Some(d.to_string()),
            AttributeValue::Rfc822Size(s) => m.size = *s,
            AttributeValue::BodySection { section, data, .. } => {
                has_body = true;
                // Bounded by the partial fetch; truncate anyway in case a server ignores it.
                let bytes = data.as_deref().unwrap_or_default();
                match section {
                    Some(SectionPath::Full(MessageSection::Text)) => {
                        m.text = bytes[..bytes.len().min(TEXT_BYTES as usize)].to_vec();
                    }
                    _ => m.header = bytes[..bytes.len().min(HEADER_BYTES as usize)].to_vec(),
                }
            }
            _ => {}
        }
    }
    // A FETCH without our body sections is an unsolicited flag update, not an answer.
    (has_uid && has_body).then_some(m)
}

impl ImapSession {
    /// Opens the folder read-only (EXAMINE: Mailbell never changes anything on the server).
    pub async fn examine(&mut self, raw_name: &str) -> Result<Examined, ImapError> {
        let q = quoted(raw_name)
            .ok_or_else(|| ImapError::Protocol(format!("folder name {raw_name:?} cannot be sent to the server")))?;
        self.unselect().await?;
        let mut ex = Examined::default();
        // Mark selected before sending: even a failed EXAMINE may leave the previous
        // selection closed, and an extra UNSELECT is harmless where a missing one is not.
        self.set_selected(true);
        let r = self
            .run(&format!("EXAMINE {q}"), "EXAMINE", |r| match r {
                Response::Data { status: Status::Ok, outcome } => match outcome.code {
                    Some(ResponseCode::UidValidity(v)) => ex.uidvalidity = Some(v),
                    Some(ResponseCode::UidNext(v)) => ex.uidnext = Some(v),
                    Some(ResponseCode::HighestModSeq(v)) => ex.highestmodseq = Some(v),
                    _ => {}
                },
                Response::MailboxData(async_imap::imap_proto::MailboxDatum::Exists(n)) => ex.exists = *n,
                _ => {}
            })
            .await;
        if r.is_err() {
            self.set_selected(false);
        }
        r.map(|()| ex)
    }

    /// Starts `UID FETCH <after_uid+1>:*` on the examined folder.
    pub async fn fetch_after(&mut self, after_uid: u32) -> Result<FetchStream, ImapError> {
        let from = after_uid.saturating_add(1);
        let tag = self.send(&format!("UID FETCH {from}:* {}", fetch_items())).await?;
        Ok(FetchStream { tag, after_uid, finished: false })
    }

    /// Starts a fetch of exactly these UIDs (used to recover mail around a UIDVALIDITY reset).
    pub async fn fetch_uids(&mut self, uids: &[u32]) -> Result<FetchStream, ImapError> {
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let tag = self.send(&format!("UID FETCH {set} {}", fetch_items())).await?;
        Ok(FetchStream { tag, after_uid: 0, finished: false })
    }

    /// The next new message of the stream, or `None` once the server said OK. A tagged NO or
    /// BAD is an error: it must never look like "no new mail".
    pub async fn next_message(&mut self, fs: &mut FetchStream) -> Result<Option<FetchedMessage>, ImapError> {
        if fs.finished {
            return Ok(None);
        }
        loop {
            let step = self
                .next_with(|r| {
                    if let Some(done) = Self::completion(r, &fs.tag, "UID FETCH") {
                        return Step::Done(done);
                    }
                    match r {
                        Response::Fetch(_, attrs) => match copy_message(attrs) {
                            Some(m) if m.uid > fs.after_uid => Step::Message(m),
                            _ => Step::Skip,
                        },
                        _ => Step::Skip,
                    }
                })
                .await?;
            match step {
                Step::Message(m) => return Ok(Some(m)),
                Step::Skip => {}
                Step::Done(result) => {
                    fs.finished = true;
                    return result.map(|()| None);
                }
            }
        }
    }

    /// UIDs of messages that arrived on or after the given day (IMAP SINCE is day-granular).
    pub async fn uid_search_since(&mut self, day: chrono::NaiveDate) -> Result<Vec<u32>, ImapError> {
        let mut uids = Vec::new();
        let cmd = format!("UID SEARCH SINCE {}", day.format("%-d-%b-%Y"));
        self.run(&cmd, "UID SEARCH", |r| {
            if let Response::MailboxData(async_imap::imap_proto::MailboxDatum::Search(found)) = r {
                uids.extend_from_slice(found);
            }
        })
        .await?;
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }
}
