//! One whole message, bounded: `UID FETCH uid (UID FLAGS RFC822.SIZE BODY.PEEK[]<0.N>)` on the
//! examined folder, for the reading pane. BODY.PEEK never sets `\Seen`; the partial range
//! caps what a huge or hostile message costs at N bytes.

use async_imap::imap_proto::{AttributeValue, Response};

use super::error::ImapError;
use super::session::ImapSession;

/// A message's first bytes and what the server says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedBody {
    pub uid: u32,
    pub flags: Vec<String>,
    /// RFC822.SIZE: the whole message's size on the server.
    pub size: u32,
    /// At most the bound asked for.
    pub raw: Vec<u8>,
}

impl FetchedBody {
    /// Fewer bytes came than the message has: only its start is here.
    pub fn is_truncated(&self) -> bool {
        (self.raw.len() as u64) < u64::from(self.size)
    }
}

impl ImapSession {
    /// The first `max_bytes` of the message with this UID in the examined (or selected)
    /// folder, or `None` when the folder has no such UID.
    pub async fn fetch_body(&mut self, uid: u32, max_bytes: u32) -> Result<Option<FetchedBody>, ImapError> {
        let mut found: Option<FetchedBody> = None;
        let command = format!("UID FETCH {uid} (UID FLAGS RFC822.SIZE BODY.PEEK[]<0.{max_bytes}>)");
        self.run(&command, "UID FETCH", |r| {
            if let Response::Fetch(_, attrs) = r {
                // A server may slip in unsolicited FETCHes of other messages (flag changes):
                // only the one asked for counts.
                if let Some(body) = copy_body(attrs, max_bytes).filter(|b| b.uid == uid) {
                    found = Some(body);
                }
            }
        })
        .await?;
        Ok(found)
    }
}

fn copy_body(attrs: &[AttributeValue<'_>], max_bytes: u32) -> Option<FetchedBody> {
    let mut b = FetchedBody::default();
    let mut has_uid = false;
    let mut has_body = false;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => {
                b.uid = *u;
                has_uid = true;
            }
            AttributeValue::Flags(f) => b.flags = f.iter().map(|x| x.to_string()).collect(),
            AttributeValue::Rfc822Size(s) => b.size = *s,
            AttributeValue::BodySection { section: None, data, .. } => {
                has_body = true;
                let bytes = data.as_deref().unwrap_or_default();
                // Bounded by the partial fetch; cut anyway in case a server ignores it.
                b.raw = bytes[..bytes.len().min(max_bytes as usize)].to_vec();
            }
            _ => {}
        }
    }
    (has_uid && has_body).then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &[u8], max: u32) -> Option<FetchedBody> {
        match Response::parse(line) {
            Ok((_, Response::Fetch(_, attrs))) => copy_body(&attrs, max),
            other => panic!("not a FETCH: {other:?}"),
        }
    }

    #[test]
    fn the_partial_body_is_read_with_flags_and_size() {
        let b = parsed(b"* 3 FETCH (UID 9 FLAGS (\\Flagged) RFC822.SIZE 5000 BODY[]<0> {5}\r\nSubje)\r\n", 5).expect("a body");
        assert_eq!((b.uid, b.size, b.raw.as_slice()), (9, 5000, &b"Subje"[..]));
        assert_eq!(b.flags, vec!["\\Flagged".to_string()]);
        assert!(b.is_truncated());
        // A server ignoring the range is cut to the bound all the same.
        let b = parsed(b"* 3 FETCH (UID 9 RFC822.SIZE 6 BODY[] {6}\r\nabcdef)\r\n", 4).expect("a body");
        assert_eq!(b.raw, b"abcd");
        // A flags-only FETCH is not the body.
        assert!(parsed(b"* 3 FETCH (UID 9 FLAGS (\\Seen))\r\n", 4).is_none());
    }
}
