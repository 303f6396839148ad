//! A message's bounded source turned into what the reading pane shows ([`MessageView`]):
//! headers as plain text, the text part as text, the HTML part sanitised, attachments by name
//! and size. Mail is hostile input: nothing here fails or panics on it (mail-parser runs
//! behind the summary's panic guard), and every string is cleaned of control and
//! bidi-override characters and bounded.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mail_parser::{HeaderName, Message, MessagePart, MimeHeaders, PartType};

use super::model::{Address, Attachment, MessageView};
use super::sanitize::sanitize_html;
use crate::imap::FetchedBody;
use crate::summary::{self, clean_text, Mode, ADDR_CHARS, NAME_CHARS};

/// Addresses kept per header: a hostile To with 10,000 entries is not worth showing whole.
const MAX_ADDRESSES: usize = 200;
/// Attachments listed at most.
const MAX_ATTACHMENTS: usize = 100;
/// Longest attachment name and MIME type, in characters.
const ATTACHMENT_NAME_CHARS: usize = 255;
const MIME_CHARS: usize = 127;
/// Text parts joined into the text at most (a mixed message may have several inline).
const MAX_TEXT_PARTS: usize = 16;
/// Longest List-Id identifier.
const LIST_ID_CHARS: usize = 255;

/// Where the message is and what the server said about it, besides its bytes.
#[derive(Debug, Clone)]
pub struct Located {
    pub account: String,
    pub folder: String,
    pub uidvalidity: u32,
}

/// The view of a fetched message. Never fails: an unparseable message is shown with what
/// could be read (at worst, no text).
pub fn view_of(at: &Located, body: &FetchedBody) -> MessageView {
    let seen = body.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
    let mut view = MessageView {
        account: at.account.clone(),
        folder: at.folder.clone(),
        uidvalidity: at.uidvalidity,
        uid: body.uid,
        subject: String::new(),
        from: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        reply_to: Vec::new(),
        date: None,
        message_id: None,
        list_id: None,
        seen,
        size: body.size,
        text: String::new(),
        html: None,
        remote_images: 0,
        attachments: Vec::new(),
        truncated: body.is_truncated(),
    };
    // The subject the list and the notification showed: the summary's own decoding.
    view.subject = summary::summarize(header_block(&body.raw), b"", None).subject;
    let filled = catch_unwind(AssertUnwindSafe(|| {
        if let Some(m) = summary::parse_guarded(&body.raw) {
            fill(&mut view, &m);
        }
    }));
    if filled.is_err() {
        tracing::debug!(uid = body.uid, "a message could not be read whole: shown with what was read");
    }
    view
}

/// The header block of a raw message (up to and including the blank line).
fn header_block(raw: &[u8]) -> &[u8] {
    let end =
        raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2));
    &raw[..end.unwrap_or(raw.len())]
}

fn fill(view: &mut MessageView, m: &Message<'_>) {
    view.from = addresses(m.from());
    view.to = addresses(m.to());
    view.cc = addresses(m.cc());
    view.reply_to = addresses(m.reply_to());
    view.date = m.date().and_then(summary::convert_date).map(|d| d.to_rfc3339());
    view.message_id = m.message_id().and_then(summary::clean_message_id);
    view.list_id = m.header_raw(HeaderName::ListId).and_then(list_id);
    view.text = text_of(m);
    if let Some(html) = m.html_bodies().find(|p| p.is_text_html()).and_then(MessagePart::text_contents) {
        let clean = sanitize_html(html);
        view.remote_images = clean.remote_images;
        view.html = Some(clean.html);
    }
    view.attachments = m.attachments().take(MAX_ATTACHMENTS).map(attachment).collect();
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let Some(a) = a else {
        return Vec::new();
    };
    a.iter()
        .take(MAX_ADDRESSES)
        .filter_map(|addr| {
            let address = addr.address().map(|s| clean_text(s, ADDR_CHARS, Mode::Line).replace(' ', "")).unwrap_or_default();
            let name = addr.name().map(|n| clean_text(n, NAME_CHARS, Mode::Line)).filter(|n| !n.is_empty());
            (!address.is_empty() || name.is_some()).then_some(Address { name, address })
        })
        .collect()
}

/// The identifier of a List-Id header (`Name <list.example.org>` gives `list.example.org`).
fn list_id(raw: &str) -> Option<String> {
    let inner = match (raw.rfind('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => &raw[a + 1..b],
        _ => raw,
    };
    let id = clean_text(inner, LIST_ID_CHARS, Mode::Line).replace(' ', "");
    (!id.is_empty()).then_some(id)
}

/// The text parts (mail-parser makes text of an HTML-only body), joined by a blank line.
fn text_of(m: &Message<'_>) -> String {
    let parts: Vec<String> = (0..m.text_body_count().min(MAX_TEXT_PARTS))
        .filter_map(|i| m.body_text(i))
        .map(|t| clean_body(&t))
        .filter(|t| !t.trim().is_empty())
        .collect();
    parts.join("\n\n")
}

/// Body text made safe to show as text: line breaks kept (CRLF as LF), tabs kept, every
/// other control character and the bidi embeddings, overrides and isolates removed (they can
/// make text read backwards, e.g. a link's visible name).
pub(crate) fn clean_body(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    s.chars().filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || is_bidi_override(c))).collect::<String>().trim_end().to_string()
}

/// The explicit bidi controls (the marks LRM/RLM/ALM are harmless and stay).
fn is_bidi_override(c: char) -> bool {
    summary::is_bidi_control(c) && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn attachment(p: &MessagePart<'_>) -> Attachment {
    let name = match (&p.body, p.attachment_name()) {
        (_, Some(n)) => n.to_string(),
        (PartType::Message(inner), None) => inner.subject().map(|s| format!("{s}.eml")).unwrap_or_else(|| "message.eml".into()),
        _ => String::new(),
    };
    let name = clean_text(&name, ATTACHMENT_NAME_CHARS, Mode::Line);
    let mime = p
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    let mime = clean_text(&mime.to_ascii_lowercase(), MIME_CHARS, Mode::Line).replace(' ', "");
    Attachment { name: if name.is_empty() { "(no name)".into() } else { name }, mime, size: p.len() as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(raw: &[u8], size: u32) -> MessageView {
        let at = Located { account: "a1".into(), folder: "INBOX".into(), uidvalidity: 7 };
        view_of(&at, &FetchedBody { uid: 3, flags: vec![], size, raw: raw.to_vec() })
    }

    #[test]
    fn a_plain_message_reads_as_headers_and_text() {
        let raw = b"From: \"Bob \xe2\x80\xae Smith\" <bob@example.org>\r\nTo: alice@example.org, Carol <carol@example.org>\r\n\
Cc: dave@example.org\r\nReply-To: list@example.org\r\nSubject: =?UTF-8?Q?Caf=C3=A9?= plans\r\n\
Date: Mon, 1 Jan 2024 10:00:00 +0100\r\nMessage-ID: <m1@example.org>\r\nList-Id: Friends <friends.example.org>\r\n\r\n\
Hello\r\n\tthere\x07\r\nbye\r\n";
        let v = view(raw, raw.len() as u32);
        assert_eq!(v.subject, "Café plans");
        assert_eq!(v.from, vec![Address { name: Some("Bob Smith".into()), address: "bob@example.org".into() }]);
        assert_eq!(v.to.len(), 2);
        assert_eq!(v.to[1].name.as_deref(), Some("Carol"));
        assert_eq!(v.cc[0].address, "dave@example.org");
        assert_eq!(v.reply_to[0].address, "list@example.org");
        assert_eq!(v.date.as_deref(), Some("2024-01-01T10:00:00+01:00"));
        assert_eq!(v.message_id.as_deref(), Some("m1@example.org"));
        assert_eq!(v.list_id.as_deref(), Some("friends.example.org"));
        assert_eq!(v.text, "Hello\n\tthere\nbye");
        assert!(v.html.is_none() && !v.truncated && !v.seen);
    }

    #[test]
    fn multipart_alternative_gives_the_text_and_the_sanitised_html() {
        let raw = b"From: a@example.org\r\nSubject: alt\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain words\r\n\
--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"x()\">Rich <b>words</b></p><img src=\"https://t.example/p.gif\"><script>alert(1)</script>\r\n\
--b1--\r\n";
        let v = view(raw, raw.len() as u32);
        assert_eq!(v.text, "Plain words");
        let html = v.html.expect("an HTML part");
        assert!(html.contains("<b>words</b>") && !html.contains("onclick") && !html.contains("script"), "{html}");
        assert_eq!(v.remote_images, 1);
        assert!(v.attachments.is_empty());
    }

    #[test]
    fn an_html_only_message_gets_text_made_from_it() {
        let raw = b"From: a@example.org\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>First</p><p>Second &amp; last</p></body></html>\r\n";
        let v = view(raw, raw.len() as u32);
        assert!(v.text.contains("First") && v.text.contains("Second & last"), "{:?}", v.text);
        assert!(v.html.is_some());
    }

    #[test]
    fn attachments_are_listed_by_cleaned_name_type_and_size() {
        let raw = b"From: a@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
--m\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
--m\r\nContent-Type: application/pdf; name=\"report\x1b[31m.pdf\"\r\nContent-Disposition: attachment; filename=\"report\x1b[31m\xe2\x80\xaetxt.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n\
--m\r\nContent-Type: image/PNG\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
--m--\r\n";
        let v = view(raw, raw.len() as u32);
        assert_eq!(v.text, "See attached.");
        assert_eq!(v.attachments.len(), 2, "{:?}", v.attachments);
        let pdf = &v.attachments[0];
        assert_eq!(pdf.mime, "application/pdf");
        assert_eq!(pdf.size, 11);
        assert!(!pdf.name.chars().any(|c| c.is_control() || c == '\u{202E}'), "{:?}", pdf.name);
        assert!(pdf.name.contains("report") && pdf.name.ends_with(".pdf"), "{:?}", pdf.name);
        assert_eq!(v.attachments[1].mime, "image/png");
        assert_eq!(v.attachments[1].name, "(no name)");
        let long = format!("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"{}.txt\"\r\n\r\nx\r\n--m--\r\n", "n".repeat(2000));
        assert_eq!(view(long.as_bytes(), long.len() as u32).attachments[0].name.chars().count(), ATTACHMENT_NAME_CHARS);
    }

    #[test]
    fn charsets_are_decoded() {
        let raw = b"From: a@example.org\r\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSch=F6ne Gr=FC=DFe\r\n";
        let v = view(raw, raw.len() as u32);
        assert_eq!(v.subject, "Grüße");
        assert_eq!(v.text, "Schöne Grüße");
        let koi = b"From: a@example.org\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n";
        assert_eq!(view(koi, koi.len() as u32).text, "Привет");
    }

    #[test]
    fn a_truncated_message_shows_what_fits_and_says_so() {
        let full = format!(
            "From: a@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nThe start of it.\r\n--m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            "QUJD".repeat(10_000)
        );
        let cut = &full.as_bytes()[..full.len() / 2];
        let v = view(cut, full.len() as u32 + 1000);
        assert!(v.truncated);
        assert_eq!(v.subject, "big");
        assert!(v.text.starts_with("The start of it."), "{:?}", v.text);
        // Cut inside the headers: still a view, no panic.
        let v = view(&full.as_bytes()[..30], full.len() as u32);
        assert!(v.truncated);
        assert_eq!(v.from.first().map(|a| a.address.as_str()), Some("a@example.org"));
    }

    #[test]
    fn garbage_is_a_view_not_a_failure() {
        for raw in [&b""[..], b"\xff\xfe\x00\x01", b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x--", b"\r\n\r\n\r\n"]
        {
            let v = view(raw, raw.len() as u32);
            assert_eq!(v.uid, 3);
        }
    }

    #[test]
    fn text_keeps_lines_and_loses_controls_and_overrides() {
        assert_eq!(clean_body("a\r\nb\u{202E}c\u{0}\u{1b}[2Jd\u{200F}\n\n"), "a\nbc[2Jd\u{200F}");
    }
}
