//! Opening a folder read-only and streaming the summaries of its new messages.
//!
//! Only bounded bytes are asked for: the Subject (cut at 8 KiB), a fixed set of other header
//! fields (cut at 16 KiB) and the first 4 KiB of the body, with BODY.PEEK so that \Seen is
//! never set. A 30 MB attachment costs its RFC822.SIZE number, nothing more. The Subject has
//! its own section because header fields come back in message order: in one shared budget, a
//! huge From (or a 10,000-address one) placed before the Subject would crowd it out.
//!
//! Where the server offers PREVIEW (RFC 8970), its preview (at most 256 characters) replaces
//! the 4 KiB of body: a message whose preview the server leaves empty gets its body fetched
//! afterwards ([`ImapSession::fetch_texts`]), so that nothing is lost against the old path.

use async_imap::imap_proto::{AttributeValue, MessageSection, Response, ResponseCode, SectionPath, Status};

use super::error::ImapError;
use super::preview::{fetch_preview, Preview};
use super::quote::quoted;
use super::session::ImapSession;
use crate::model::FlagChange;

pub const HEADER_BYTES: u32 = 16 * 1024;
/// Room for a 500-character (`summary::SUBJECT_CHARS`) subject even Q-encoded in UTF-8.
pub const SUBJECT_BYTES: u32 = 8 * 1024;
pub const TEXT_BYTES: u32 = 4 * 1024;

const HEADER_FIELDS: &str = "FROM DATE MESSAGE-ID LIST-ID CONTENT-TYPE CONTENT-TRANSFER-ENCODING MIME-VERSION";

/// Which server-side message identity the FETCH asks for (see `identity.rs`): in the same
/// FETCH, so it costs no round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityItem {
    None,
    /// Gmail's `X-GM-MSGID` (X-GM-EXT-1).
    GmailMsgId,
    /// RFC 8474 `EMAILID` (OBJECTID).
    EmailId,
}

/// The bounded summary items, plus the server's message identity where it has one; with
/// `preview`, the server's PREVIEW instead of the first bytes of the body.
fn fetch_items(identity: IdentityItem, preview: bool) -> String {
    let extra = match identity {
        IdentityItem::None => "",
        IdentityItem::GmailMsgId => " X-GM-MSGID",
        IdentityItem::EmailId => " EMAILID",
    };
    let body = if preview { "PREVIEW".to_string() } else { format!("BODY.PEEK[TEXT]<0.{TEXT_BYTES}>") };
    format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE{extra} BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.{SUBJECT_BYTES}> \
         BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]<0.{HEADER_BYTES}> {body})"
    )
}

/// What EXAMINE tells about a folder.
/// A compact UID set ("3:5,9,12:14") of sorted or unsorted UIDs.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end.saturating_add(1) {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// The known UIDs inside VANISHED ranges. Ranges may be huge ("1:100000"); the known set is
/// small, so test each known UID rather than walking the ranges.
fn vanished_among(ranges: &[std::ops::RangeInclusive<u32>], known: &[u32]) -> Vec<FlagChange> {
    known.iter().filter(|u| ranges.iter().any(|r| r.contains(u))).map(|u| FlagChange::Expunged(*u)).collect()
}

fn flag_change(attrs: &[AttributeValue<'_>]) -> Option<FlagChange> {
    let mut uid = None;
    let mut flags = None;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Flags(f) => flags = Some(f.iter().map(|x| x.to_string()).collect()),
            _ => {}
        }
    }
    Some(FlagChange::Flags(uid?, flags?))
}

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
    /// Gmail's X-GM-MSGID, when asked for.
    pub gm_msgid: Option<u64>,
    /// RFC 8474 EMAILID, when asked for.
    pub email_id: Option<String>,
    /// The server's PREVIEW (RFC 8970) when asked for and not empty; `text` is then empty.
    pub preview: Option<String>,
    /// PREVIEW was asked for and the server left it empty: the body's first bytes must be
    /// fetched for the preview ([`ImapSession::fetch_texts`]).
    pub needs_text: bool,
}

/// A UID FETCH in progress: read it with [`ImapSession::next_message`] until `None`.
#[derive(Debug)]
pub struct FetchStream {
    tag: async_imap::imap_proto::RequestId,
    /// UIDs at or below this are dropped: `n:*` always returns the newest message, even when
    /// it is older than `n`.
    after_uid: u32,
    /// PREVIEW was asked for instead of the body's first bytes.
    preview: bool,
    finished: bool,
}

enum Step {
    Message(FetchedMessage),
    Skip,
    Done(Result<(), ImapError>),
}

/// Whether a header section is the Subject's: imap-proto reports both HEADER.FIELDS sections
/// as plain `Header`, and servers need not answer in the order asked, so tell them by content
/// (the other section never holds a Subject line).
fn is_subject_section(data: &[u8]) -> bool {
    data.len() >= 8 && data[..8].eq_ignore_ascii_case(b"subject:")
}

/// One header block from the two sections, the Subject first, ended by a CRLF of its own
/// (a cut Subject is kept as far as it goes). The other section follows as it came: when the
/// fetch cut it mid-line, the summary sees the cut and drops the partial field rather than
/// half-parse it.
pub fn join_headers(subject: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(subject.len() + other.len() + 4);
    let mut s = subject;
    while let Some(rest) = s.strip_suffix(b"\r\n").or_else(|| s.strip_suffix(b"\n")) {
        s = rest;
    }
    if !s.is_empty() {
        out.extend_from_slice(s);
        out.extend_from_slice(b"\r\n");
    }
    if other.is_empty() {
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(other);
    }
    out
}

/// Copies one FETCH answer out; `preview_raw` is the raw response when PREVIEW was asked
/// for (its text is read from there: see `preview.rs`).
fn copy_message(attrs: &[AttributeValue<'_>], preview_raw: Option<&[u8]>) -> Option<FetchedMessage> {
    let mut m = FetchedMessage::default();
    let mut has_uid = false;
    let mut has_body = false;
    let mut has_header = false;
    let (mut subject, mut other): (&[u8], &[u8]) = (&[], &[]);
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => {
                m.uid = *u;
                has_uid = true;
            }
            AttributeValue::Flags(f) => m.flags = f.iter().map(|x| x.to_string()).collect(),
            AttributeValue::InternalDate(d) => m.internal_date = Some(d.to_string()),
            AttributeValue::Rfc822Size(s) => m.size = *s,
            AttributeValue::GmailMsgId(id) => m.gm_msgid = Some(*id),
            AttributeValue::EmailId(id) => m.email_id = Some(id.to_string()),
            AttributeValue::BodySection { section, data, .. } => {
                has_body = true;
                // Bounded by the partial fetch; truncate anyway in case a server ignores it.
                let bytes = data.as_deref().unwrap_or_default();
                match section {
                    Some(SectionPath::Full(MessageSection::Text)) => {
                        m.text = bytes[..bytes.len().min(TEXT_BYTES as usize)].to_vec();
                    }
                    _ => {
                        has_header |= data.is_some();
                        if bytes.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                            // A message without these fields: nothing to keep.
                        } else if is_subject_section(bytes) {
                            subject = &bytes[..bytes.len().min(SUBJECT_BYTES as usize)];
                        } else {
                            other = &bytes[..bytes.len().min(HEADER_BYTES as usize)];
                        }
                    }
                }
            }
            _ => {}
        }
    }
    m.header = join_headers(subject, other);
    if let Some(raw) = preview_raw {
        match fetch_preview(raw) {
            Preview::Text(t) if !t.trim().is_empty() => m.preview = Some(t),
            // Empty, NIL or missing: the old path's body bytes, fetched separately.
            _ => m.needs_text = true,
        }
    }
    // A FETCH without our body sections is an unsolicited flag update, not an answer; one
    // whose header is NIL is a message expunged while we fetched it (Dovecot answers so).
    (has_uid && has_body && has_header).then_some(m)
}

impl ImapSession {
    /// The identity item this server can answer: Gmail's where it offers X-GM-EXT-1 (the one
    /// that tells two messages sharing a Message-ID apart), else EMAILID with OBJECTID.
    pub fn identity_item(&self) -> IdentityItem {
        if self.has_capability("X-GM-EXT-1") {
            IdentityItem::GmailMsgId
        } else if self.has_capability("OBJECTID") {
            IdentityItem::EmailId
        } else {
            IdentityItem::None
        }
    }

    /// Opens the folder read-only (EXAMINE: Mailbell never changes anything on the server).
    /// EXAMINE itself leaves any previously selected mailbox without expunging it, so no
    /// UNSELECT is needed first. With `condstore`, the answer includes HIGHESTMODSEQ. With
    /// `fetch_after`, `UID FETCH <after+1>:*` is pipelined behind it (one round trip for both).
    pub async fn examine(
        &mut self,
        raw_name: &str,
        condstore: bool,
        fetch_after: Option<u32>,
    ) -> Result<(Examined, Option<FetchStream>), ImapError> {
        let param = if condstore && !self.qresync_enabled() { " (CONDSTORE)" } else { "" };
        let (ex, _, stream) = self.examine_with(raw_name, param, &[], fetch_after).await?;
        Ok((ex, stream))
    }

    /// EXAMINE with QRESYNC (RFC 7162 §3.2.5): in the same round trip the server reports,
    /// among `known` UIDs, those expunged (VANISHED) and those whose flags changed since
    /// `modseq` (FETCH). Needs `enable_qresync` first.
    pub async fn examine_qresync(
        &mut self,
        raw_name: &str,
        uidvalidity: u32,
        modseq: u64,
        known: &[u32],
        fetch_after: Option<u32>,
    ) -> Result<(Examined, Vec<FlagChange>, Option<FetchStream>), ImapError> {
        let param = format!(" (QRESYNC ({uidvalidity} {modseq} {}))", uid_set(known));
        self.examine_with(raw_name, &param, known, fetch_after).await
    }

    async fn examine_with(
        &mut self,
        raw_name: &str,
        param: &str,
        known: &[u32],
        fetch_after: Option<u32>,
    ) -> Result<(Examined, Vec<FlagChange>, Option<FetchStream>), ImapError> {
        self.open_mailbox("EXAMINE", raw_name, param, known, fetch_after).await
    }

    /// EXAMINE (read-only, what the sync uses) or SELECT (read-write: only for an action the
    /// user asked for, see `change.rs`) with the reports that come with it.
    pub(super) async fn open_mailbox(
        &mut self,
        verb: &'static str,
        raw_name: &str,
        param: &str,
        known: &[u32],
        fetch_after: Option<u32>,
    ) -> Result<(Examined, Vec<FlagChange>, Option<FetchStream>), ImapError> {
        let q = quoted(raw_name).ok_or_else(|| ImapError::Protocol(format!("folder name {raw_name:?} cannot be sent to the server")))?;
        let mut ex = Examined::default();
        let mut changes = Vec::new();
        // Mark selected before sending: even a failed EXAMINE may leave the previous
        // selection closed, and an extra UNSELECT is harmless where a missing one is not.
        self.set_selected(true);
        let examine_tag = self.send(&format!("{verb} {q}{param}")).await?;
        let mut stream = match fetch_after {
            Some(after) => {
                let preview = self.preview_wanted();
                let command = format!("UID FETCH {}:* {}", after.saturating_add(1), fetch_items(self.identity_item(), preview));
                Some(FetchStream { tag: self.send(&command).await?, after_uid: after, preview, finished: false })
            }
            None => None,
        };
        // The server answers in order: everything before EXAMINE's completion belongs to it
        // (FETCH and VANISHED there are QRESYNC's report of changes).
        let outcome = loop {
            let done = self
                .next_with(|r| {
                    if let Some(done) = Self::completion(r, &examine_tag, verb) {
                        return Some(done);
                    }
                    match r {
                        Response::Data { status: Status::Ok, outcome } => match outcome.code {
                            Some(ResponseCode::UidValidity(v)) => ex.uidvalidity = Some(v),
                            Some(ResponseCode::UidNext(v)) => ex.uidnext = Some(v),
                            Some(ResponseCode::HighestModSeq(v)) => ex.highestmodseq = Some(v),
                            _ => {}
                        },
                        Response::MailboxData(async_imap::imap_proto::MailboxDatum::Exists(n)) => ex.exists = *n,
                        Response::Vanished { uids, .. } => changes.extend(vanished_among(uids, known)),
                        Response::Fetch(_, attrs) => changes.extend(flag_change(attrs)),
                        _ => {}
                    }
                    None
                })
                .await?;
            if let Some(done) = done {
                break done;
            }
        };
        if let Err(e) = outcome {
            self.set_selected(false);
            // The pipelined FETCH then fails too; read its completion so the session stays
            // in step with the server.
            if let Some(s) = stream.as_mut() {
                while let Ok(Some(_)) = self.next_message(s).await {}
            }
            return Err(e);
        }
        Ok((ex, changes, stream))
    }

    /// Flags of the given UIDs on the examined folder; with `changed_since`, only of those
    /// changed after that MODSEQ (CONDSTORE). UIDs the server no longer has are simply absent.
    pub async fn uid_flags(&mut self, uids: &[u32], changed_since: Option<u64>) -> Result<Vec<FlagChange>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let modifier = changed_since.map(|m| format!(" (CHANGEDSINCE {m})")).unwrap_or_default();
        let mut out = Vec::new();
        self.run(&format!("UID FETCH {} (UID FLAGS){modifier}", uid_set(uids)), "UID FETCH FLAGS", |r| {
            if let Response::Fetch(_, attrs) = r {
                out.extend(flag_change(attrs));
            }
        })
        .await?;
        Ok(out)
    }

    /// Which of the given UIDs still exist in the examined folder.
    pub async fn uid_existing(&mut self, uids: &[u32]) -> Result<Vec<u32>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        self.run(&format!("UID SEARCH UID {}", uid_set(uids)), "UID SEARCH", |r| {
            if let Response::MailboxData(async_imap::imap_proto::MailboxDatum::Search(s)) = r {
                found.extend_from_slice(s);
            }
        })
        .await?;
        Ok(found)
    }

    /// Starts a fetch of exactly these UIDs (used to recover mail around a UIDVALIDITY reset).
    pub async fn fetch_uids(&mut self, uids: &[u32]) -> Result<FetchStream, ImapError> {
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let preview = self.preview_wanted();
        let tag = self.send(&format!("UID FETCH {set} {}", fetch_items(self.identity_item(), preview))).await?;
        Ok(FetchStream { tag, after_uid: 0, preview, finished: false })
    }

    /// The first bytes of these messages' bodies (for those whose PREVIEW the server left
    /// empty), by UID. UIDs the server no longer has are absent.
    pub async fn fetch_texts(&mut self, uids: &[u32]) -> Result<std::collections::BTreeMap<u32, Vec<u8>>, ImapError> {
        let mut out = std::collections::BTreeMap::new();
        if uids.is_empty() {
            return Ok(out);
        }
        let command = format!("UID FETCH {} (UID BODY.PEEK[TEXT]<0.{TEXT_BYTES}>)", uid_set(uids));
        self.run(&command, "UID FETCH TEXT", |r| {
            if let Response::Fetch(_, attrs) = r {
                let mut uid = None;
                let mut text = None;
                for a in attrs.iter() {
                    match a {
                        AttributeValue::Uid(u) => uid = Some(*u),
                        AttributeValue::BodySection { section: Some(SectionPath::Full(MessageSection::Text)), data, .. } => {
                            let bytes = data.as_deref().unwrap_or_default();
                            text = Some(bytes[..bytes.len().min(TEXT_BYTES as usize)].to_vec());
                        }
                        _ => {}
                    }
                }
                if let (Some(u), Some(t)) = (uid, text) {
                    if uids.contains(&u) {
                        out.insert(u, t);
                    }
                }
            }
        })
        .await?;
        Ok(out)
    }

    /// The next new message of the stream, or `None` once the server said OK. A tagged NO or
    /// BAD is an error: it must never look like "no new mail".
    pub async fn next_message(&mut self, fs: &mut FetchStream) -> Result<Option<FetchedMessage>, ImapError> {
        if fs.finished {
            return Ok(None);
        }
        loop {
            let step = self
                .next_with_raw(|r, raw| {
                    if let Some(done) = Self::completion(r, &fs.tag, "UID FETCH") {
                        return Step::Done(done);
                    }
                    match r {
                        Response::Fetch(_, attrs) => match copy_message(attrs, fs.preview.then_some(raw)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &[u8]) -> Option<FetchedMessage> {
        match Response::parse(line) {
            Ok((_, Response::Fetch(_, attrs))) => copy_message(&attrs, Some(line)),
            other => panic!("not a FETCH: {other:?}"),
        }
    }

    #[test]
    fn the_servers_message_identity_is_read_beside_the_summary() {
        let gm = parsed(b"* 1 FETCH (UID 7 X-GM-MSGID 1278455344230334865 FLAGS () BODY[HEADER.FIELDS (SUBJECT)]<0> {11}\r\nSubject: \r\n BODY[TEXT]<0> {2}\r\nhi)\r\n")
            .expect("a message");
        assert_eq!((gm.uid, gm.gm_msgid, gm.email_id), (7, Some(1278455344230334865), None));
        let obj = parsed(b"* 1 FETCH (UID 8 EMAILID (M6d99ac3275bb4e) BODY[HEADER.FIELDS (SUBJECT)]<0> {11}\r\nSubject: \r\n BODY[TEXT]<0> {2}\r\nhi)\r\n")
            .expect("a message");
        assert_eq!((obj.gm_msgid, obj.email_id.as_deref()), (None, Some("M6d99ac3275bb4e")));
        assert!(!fetch_items(IdentityItem::None, false).contains("X-GM"));
        assert!(fetch_items(IdentityItem::GmailMsgId, false).contains(" X-GM-MSGID "));
        assert!(fetch_items(IdentityItem::EmailId, true).contains(" EMAILID "));
    }

    #[test]
    fn the_servers_preview_replaces_the_body_bytes() {
        assert!(fetch_items(IdentityItem::None, true).ends_with(" PREVIEW)"));
        assert!(!fetch_items(IdentityItem::None, true).contains("BODY.PEEK[TEXT]"));
        assert!(fetch_items(IdentityItem::None, false).contains("BODY.PEEK[TEXT]<0.4096>"));
        let m = parsed(b"* 1 FETCH (UID 7 FLAGS () BODY[HEADER.FIELDS (SUBJECT)]<0> {11}\r\nSubject: \r\n PREVIEW \"Hello there\")\r\n")
            .expect("a message");
        assert_eq!((m.preview.as_deref(), m.needs_text), (Some("Hello there"), false));
        for empty in [&b"PREVIEW NIL"[..], b"PREVIEW \"  \"", b"FLAGS ()"] {
            let mut line = b"* 1 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)]<0> {11}\r\nSubject: \r\n ".to_vec();
            line.extend_from_slice(empty);
            line.extend_from_slice(b")\r\n");
            let m = parsed(&line).expect("a message");
            assert!(m.preview.is_none() && m.needs_text, "{}", String::from_utf8_lossy(empty));
        }
    }

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[5, 3, 4, 9, 12, 13, 14, 9]), "3:5,9,12:14");
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), format!("{}:{}", u32::MAX - 1, u32::MAX));
    }

    #[test]
    fn vanished_ranges_are_matched_against_known_uids_only() {
        let got = vanished_among(&[1..=100_000, 200_005..=200_005], &[5, 150_000, 200_005]);
        assert_eq!(got, vec![FlagChange::Expunged(5), FlagChange::Expunged(200_005)]);
    }

    #[test]
    fn the_subject_section_leads_the_joined_header() {
        let subject = b"Subject: hello\r\n\r\n";
        let other = b"From: a@example.org\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n";
        assert!(is_subject_section(subject) && !is_subject_section(other));
        let joined = join_headers(subject, other);
        assert_eq!(joined, b"Subject: hello\r\nFrom: a@example.org\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n");
        // A cut piece still ends its line, so the next field is not glued to it.
        // A cut Subject ends its line; a cut other section stays cut, for the summary to see.
        assert_eq!(join_headers(b"Subject: cut he", b"From: x"), b"Subject: cut he\r\nFrom: x");
        assert_eq!(join_headers(b"", b""), b"\r\n");
    }
}
