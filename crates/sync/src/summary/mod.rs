//! Best-effort summary of a message from its bounded bytes.
//!
//! The engine fetches, per message, the Subject (`BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.8192>`)
//! and the other header fields it needs (`BODY.PEEK[HEADER.FIELDS (FROM DATE MESSAGE-ID
//! CONTENT-TYPE CONTENT-TRANSFER-ENCODING MIME-VERSION)]<0.16384>`), joined into one header
//! block (`imap::join_headers`), the first 4 KiB of the body
//! (`BODY.PEEK[TEXT]<0.4096>`) and INTERNALDATE. [`summarize`] turns those into a
//! [`Summary`]: plain text, never HTML, with control and bidi-override characters removed.
//!
//! Mail is hostile input: `summarize` never panics, never fails, and runs in time linear in
//! its (capped) input. Parsing is mail-parser 0.11; this module repairs what a byte-range
//! cut does to a message and works around the parser's known gaps:
//! - a header cut mid-line loses its partial last line (a cut Subject is kept as far as it
//!   goes, minus a cut encoded word);
//! - raw 8-bit header lines that are not UTF-8 are read as windows-1252 (mail-parser would
//!   give U+FFFD);
//! - the Subject and encoded display names are decoded here: encoded words in the same
//!   charset are joined before decoding (a UTF-8 character split across two words survives),
//!   and words in an unknown charset whose bytes are not UTF-8 are kept as written;
//! - the preview walks the part tree itself, so a part cut before its closing boundary (raw
//!   base64 / quoted-printable in mail-parser's output) is still decoded, a multipart whose
//!   boundary does not match is re-parsed with the delimiter actually used, and HTML is
//!   converted with word-separating block tags;
//! - dates must pass mail-parser's `is_valid()`, fall in 1970..=2100 and exist in the
//!   calendar (no 30 February), else INTERNALDATE is used.

mod body;
mod clean;
mod header;
mod html;

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use mail_parser::{HeaderName, Message, MessageParser};
use serde::{Deserialize, Serialize};

pub(crate) use clean::{clean_text, is_bidi_control, Mode};

/// Longest preview, in characters.
pub const PREVIEW_CHARS: usize = 200;
/// Longest subject, in characters.
pub const SUBJECT_CHARS: usize = 500;
/// Longest display name, in characters.
pub const NAME_CHARS: usize = 256;
/// Longest address, in characters.
pub const ADDR_CHARS: usize = 320;
/// Longest List-Id, in characters (RFC 2919 allows 255 octets).
pub const LIST_ID_CHARS: usize = 255;
/// Longest Message-ID, in characters (the RFC 5322 line limit).
pub const MESSAGE_ID_CHARS: usize = 998;
/// Header bytes looked at, at most (the engine fetches 8 KiB of Subject and 16 KiB of the rest).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Body bytes looked at, at most (the engine fetches 4 KiB).
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// What the list, the CLI and notifications show of a message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Without `<>`, trimmed, at most [`MESSAGE_ID_CHARS`].
    pub message_id: Option<String>,
    /// Display name, RFC 2047-decoded; None if absent or empty.
    pub from_name: Option<String>,
    pub from_addr: Option<String>,
    /// Decoded, whitespace folded, control/bidi characters removed, at most
    /// [`SUBJECT_CHARS`]; "" when absent.
    pub subject: String,
    /// The Date header if present and sane, else the INTERNALDATE given, else None.
    pub date: Option<DateTime<FixedOffset>>,
    /// Plain text of the first text part (HTML converted if there is no plain text),
    /// whitespace folded, at most [`PREVIEW_CHARS`]; "" if none.
    pub preview: String,
    /// The mailing list's id from List-Id (RFC 2919: what is inside its `<>`), lower case,
    /// at most [`LIST_ID_CHARS`]; None when absent.
    #[serde(default)]
    pub list_id: Option<String>,
}

impl Summary {
    /// "Name <addr>" or "addr" (or "Name" without an address) or "", for display in the
    /// CLI and notifications.
    pub fn from_display(&self) -> String {
        match (self.from_name.as_deref(), self.from_addr.as_deref()) {
            (Some(name), Some(addr)) if name.eq_ignore_ascii_case(addr) => addr.to_owned(),
            (Some(name), Some(addr)) => format!("{name} <{addr}>"),
            (None, Some(addr)) => addr.to_owned(),
            (Some(name), None) => name.to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// Summarises a message from its bounded header bytes (`header`, possibly cut mid-line),
/// the first bytes of its body (`text`, possibly cut anywhere) and the server's
/// INTERNALDATE. Never panics; malformed input gets a best-effort summary.
/// A preview the server made (IMAP PREVIEW), cleaned and bounded like one of ours.
pub fn clean_preview(text: &str) -> String {
    clean::clean_text(text, PREVIEW_CHARS, clean::Mode::Preview)
}

pub fn summarize(header: &[u8], text: &[u8], internal_date: Option<DateTime<FixedOffset>>) -> Summary {
    catch_unwind(AssertUnwindSafe(|| summarize_inner(header, text, internal_date)))
        .unwrap_or(Summary { date: internal_date, ..Summary::default() })
}

fn summarize_inner(header: &[u8], text: &[u8], internal_date: Option<DateTime<FixedOffset>>) -> Summary {
    let header = &header[..header.len().min(MAX_HEADER_BYTES)];
    let text = &text[..text.len().min(MAX_TEXT_BYTES)];
    if header.is_empty() && text.is_empty() {
        return Summary { date: internal_date, ..Summary::default() };
    }

    let prepared = header::prepare_header(header);
    let mut raw = Vec::with_capacity(prepared.text.len() + 2 + text.len());
    raw.extend_from_slice(prepared.text.as_bytes());
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(text);

    let subject = header::raw_field(&prepared.text, "subject")
        .map(|v| header::decode_rfc2047(&v, prepared.subject_truncated))
        .map(|s| clean_text(&s, SUBJECT_CHARS, Mode::Line))
        .unwrap_or_default();
    let list_id = header::raw_field(&prepared.text, "list-id").and_then(|v| clean_list_id(&v));

    let message = parse_guarded(&raw);
    // If the full parse gave up (or hit one of mail-parser's debug assertions, which only
    // fire in debug builds), the header fields alone are still worth having.
    let header_only;
    let fields = match &message {
        Some(m) => Some(m),
        None => {
            header_only = parse_headers_guarded(&raw);
            header_only.as_ref()
        }
    };
    let Some(fields) = fields else {
        return Summary { subject, date: internal_date, list_id, ..Summary::default() };
    };

    // With repeated fields, the first one counts for every field (mail-parser's accessors
    // take the last): the first is also the one a cut header keeps.
    let (from_name, from_addr) = from(fields, &prepared.text);
    let message_id = fields.header_values(HeaderName::MessageId).next().and_then(|v| v.as_text()).and_then(clean_message_id);
    let date = fields.header_values(HeaderName::Date).next().and_then(|v| v.as_datetime()).and_then(convert_date).or(internal_date);
    let preview = message.as_ref().map(|m| body::preview(m, PREVIEW_CHARS)).unwrap_or_default();

    Summary { message_id, from_name, from_addr, subject, date, preview, list_id }
}

/// The id of a List-Id value: `Dev list <dev.lists.example.org>` gives `dev.lists.example.org`
/// (the text inside the last `<>`, or the whole value without one).
fn clean_list_id(value: &str) -> Option<String> {
    let inner = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    let id: String = inner.chars().filter(|c| !c.is_whitespace() && !c.is_control() && !clean::is_bidi_control(*c)).collect();
    non_empty(id.to_lowercase().chars().take(LIST_ID_CHARS).collect())
}

/// mail-parser behind a panic guard: it has `debug_assert!`s that malformed MIME can reach
/// (seen: "Invalid part ID, could not find multipart."), which panic in debug builds.
pub(crate) fn parse_guarded(raw: &[u8]) -> Option<Message<'_>> {
    catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse(raw))).ok().flatten()
}

fn parse_headers_guarded(raw: &[u8]) -> Option<Message<'_>> {
    catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse_headers(raw))).ok().flatten()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn from(message: &Message<'_>, header: &str) -> (Option<String>, Option<String>) {
    let first_from = message.header_values(HeaderName::From).next().and_then(|v| v.as_address());
    let Some(addr) = first_from.and_then(|a| a.first()) else {
        return (None, None);
    };
    let raw_from = header::raw_field(header, "from");
    // Encoded words: decode the phrase ourselves (see module docs).
    let own_name = raw_from.as_deref().filter(|v| v.contains("=?")).and_then(header::display_name).filter(|n| !n.trim().is_empty());
    let name = own_name.or_else(|| addr.name().map(str::to_owned));
    let name = name.map(|n| clean_text(&n, NAME_CHARS, Mode::Line)).and_then(non_empty);
    let address = addr.address().map(|a| clean_text(a, ADDR_CHARS, Mode::Line).replace(' ', "")).and_then(non_empty);
    (name, address)
}

pub(crate) fn clean_message_id(id: &str) -> Option<String> {
    let id: String = id.chars().filter(|c| !c.is_whitespace() && !c.is_control() && !clean::is_bidi_control(*c)).collect();
    let id = id.trim_start_matches('<').trim_end_matches('>');
    non_empty(id.chars().take(MESSAGE_ID_CHARS).collect())
}

pub(crate) fn convert_date(d: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    if !d.is_valid() || !(1970..=2100).contains(&d.year) {
        return None;
    }
    let offset = (d.tz_hour as i32 * 3600 + d.tz_minute as i32 * 60) * if d.tz_before_gmt { -1 } else { 1 };
    let tz = FixedOffset::east_opt(offset)?;
    let date = NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)?;
    let time = NaiveTime::from_hms_opt(d.hour as u32, d.minute as u32, d.second as u32)?;
    tz.from_local_datetime(&date.and_time(time)).single()
}

/// Parses an IMAP INTERNALDATE such as `17-Jul-1996 02:44:25 -0700` (RFC 3501
/// date-time; the day may be space-padded, the surrounding quotes may be present).
pub fn parse_internal_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim().trim_matches('"').trim();
    if s.len() > 64 {
        return None;
    }
    DateTime::parse_from_str(s, "%d-%b-%Y %H:%M:%S %z").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn plain_message() {
        let h = b"From: Alice Example <alice@example.org>\r\nSubject: Lunch?\r\n\
                  Date: Tue, 1 Jul 2025 12:30:00 +0200\r\nMessage-ID: <abc@example.org>\r\n\r\n";
        let s = summarize(h, b"Shall we meet at noon?\r\n\r\n-- \r\nAlice\r\n", None);
        assert_eq!(s.subject, "Lunch?");
        assert_eq!(s.from_name.as_deref(), Some("Alice Example"));
        assert_eq!(s.from_addr.as_deref(), Some("alice@example.org"));
        assert_eq!(s.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(s.date, Some(dt("2025-07-01T12:30:00+02:00")));
        assert_eq!(s.preview, "Shall we meet at noon? -- Alice");
        assert_eq!(s.from_display(), "Alice Example <alice@example.org>");
        assert_eq!(s.list_id, None);
    }

    #[test]
    fn list_id_is_the_id_inside_the_brackets() {
        let s = summarize(b"From: a@b.c\r\nList-Id: \"Dev <talk>\" list\r\n <Dev.Lists.Example.org>\r\n\r\n", b"hi", None);
        assert_eq!(s.list_id.as_deref(), Some("dev.lists.example.org"));
        let bare = summarize(b"From: a@b.c\r\nList-Id: news.example.org\r\n\r\n", b"hi", None);
        assert_eq!(bare.list_id.as_deref(), Some("news.example.org"));
        let empty = summarize(b"From: a@b.c\r\nList-Id: <>\r\n\r\n", b"hi", None);
        assert_eq!(empty.list_id, None);
    }

    #[test]
    fn from_display_forms() {
        let mut s = Summary::default();
        assert_eq!(s.from_display(), "");
        s.from_addr = Some("a@b.c".into());
        assert_eq!(s.from_display(), "a@b.c");
        s.from_name = Some("A".into());
        assert_eq!(s.from_display(), "A <a@b.c>");
        s.from_name = Some("A@B.C".into());
        assert_eq!(s.from_display(), "a@b.c");
        s.from_addr = None;
        s.from_name = Some("Only Name".into());
        assert_eq!(s.from_display(), "Only Name");
    }

    #[test]
    fn encoded_subject_and_name() {
        let h = b"Subject: =?utf-8?q?Caf=C3=A9?=\r\n =?ISO-8859-1?B?5Q==?= x\r\n\
                  From: =?utf-8?b?SsO2cmc=?= <j@x.de>\r\n\r\n";
        let s = summarize(h, b"", None);
        assert_eq!(s.subject, "Caféå x");
        assert_eq!(s.from_name.as_deref(), Some("Jörg"));
    }

    #[test]
    fn split_utf8_across_encoded_words() {
        let h = b"Subject: =?utf-8?b?w6k=?= =?utf-8?b?w6nD?= =?utf-8?b?qQ==?=\r\n\
                  From: =?UTF-8?Q?Ren=C3?= =?UTF-8?Q?=A9?= <r@x>\r\n\r\n";
        let s = summarize(h, b"", None);
        assert_eq!(s.subject, "ééé");
        assert_eq!(s.from_name.as_deref(), Some("René"));
    }

    #[test]
    fn latin1_raw_header() {
        let h = b"Subject: Caf\xe9 cr\xe8me\r\nFrom: Jos\xe9 <jose@x.es>\r\n\r\n";
        let s = summarize(h, b"x", None);
        assert_eq!(s.subject, "Café crème");
        assert_eq!(s.from_name.as_deref(), Some("José"));
    }

    #[test]
    fn date_fallbacks() {
        let internal = parse_internal_date("17-Jul-1996 02:44:25 -0700");
        assert_eq!(internal, Some(dt("1996-07-17T02:44:25-07:00")));
        for bad in [
            "Date: Thu, 30 Feb 2020 10:00:00 +0100",
            "Date: Thu, 1 Jan 99999 10:00:00 +0000",
            "Date: yesterday",
            "Date: Thu, 32 Jan 2020 25:61:00 +9999",
            "Date: Mon, 1 Jan 1900 00:00:00 +0000",
            "Date: Mon, 1 Jan 2999 00:00:00 +0000",
            "Date: ",
        ] {
            let h = format!("{bad}\r\nSubject: x\r\n\r\n");
            assert_eq!(summarize(h.as_bytes(), b"", internal).date, internal, "{bad}");
            assert_eq!(summarize(h.as_bytes(), b"", None).date, None, "{bad}");
        }
        let h = b"Date: Wed, 2 Apr 2025 08:00:00 -0500\r\n\r\n";
        assert_eq!(summarize(h, b"", internal).date, Some(dt("2025-04-02T08:00:00-05:00")));
    }

    #[test]
    fn internal_date_forms() {
        assert_eq!(parse_internal_date(" 7-Jul-1996 02:44:25 +0000"), Some(dt("1996-07-07T02:44:25Z")));
        assert_eq!(parse_internal_date("\"07-jul-1996 02:44:25 +0130\""), Some(dt("1996-07-07T02:44:25+01:30")));
        assert_eq!(parse_internal_date("31-Feb-2020 00:00:00 +0000"), None);
        assert_eq!(parse_internal_date("garbage"), None);
        assert_eq!(parse_internal_date(""), None);
    }

    #[test]
    fn empty_and_header_only() {
        let internal = parse_internal_date("01-Jan-2024 00:00:00 +0000");
        let s = summarize(b"", b"", internal);
        assert_eq!(s, Summary { date: internal, ..Summary::default() });
        let s = summarize(b"Subject: only a header\r\n\r\n", b"", None);
        assert_eq!(s.subject, "only a header");
        assert_eq!(s.preview, "");
        let s = summarize(b"", b"just a body", None);
        assert_eq!(s.subject, "");
        assert_eq!(s.preview, "just a body");
    }

    #[test]
    fn header_separator_variants() {
        // With and without the blank line the IMAP response ends with, LF-only too.
        for h in [&b"Subject: s\r\n\r\n"[..], b"Subject: s\r\n", b"Subject: s\n\n", b"Subject: s\n"] {
            let s = summarize(h, b"Body: not a header\r\n\r\ntext", None);
            assert_eq!(s.subject, "s");
            assert_eq!(s.preview, "Body: not a header text");
        }
        // Cut mid-line: the partial From is dropped, not half-parsed.
        let s = summarize(b"Subject: s\r\nFrom: Someone <someone@exa", b"b", None);
        assert_eq!((s.from_name, s.from_addr), (None, None));
    }

    #[test]
    fn hostile_display_text_stays_literal_but_clean() {
        let h = "Subject: <img src=x onerror=alert(1)> \u{202E}gpj.exe\u{202C}\r\n\
                 From: \"<script>alert(1)</script>\u{2066}\" <evil@x>\r\n\r\n";
        let s = summarize(h.as_bytes(), b"", None);
        assert_eq!(s.subject, "<img src=x onerror=alert(1)> gpj.exe");
        assert_eq!(s.from_name.as_deref(), Some("<script>alert(1)</script>"));
    }

    #[test]
    fn preview_prefers_plain_then_html() {
        let h = b"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n";
        let t = b"--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b\r\n\
                  Content-Type: text/plain\r\n\r\nplain\r\n--b--\r\n";
        assert_eq!(summarize(h, t, None).preview, "plain");
        let t = b"--b\r\nContent-Type: text/html\r\n\r\n<p>Hello</p><p>World</p>\r\n--b--\r\n";
        assert_eq!(summarize(h, t, None).preview, "Hello World");
    }

    #[test]
    fn preview_of_cut_parts() {
        let h = b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n";
        let t = b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\
                  Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQgdGhpcyBpcyBh\r\nIHRlc3";
        assert_eq!(summarize(h, t, None).preview, "Hello world this is a tes");
        let t = b"--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
                  Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 =\r\ncr=E8me =E";
        assert_eq!(summarize(h, t, None).preview, "Café crème");
        // Attachments are not previews.
        let t = b"--XX\r\nContent-Type: text/plain; name=a.txt\r\n\r\nfile\r\n--XX\r\n\
                  Content-Type: text/plain\r\n\r\nreal text\r\n--XX--";
        assert_eq!(summarize(h, t, None).preview, "real text");
    }

    #[test]
    fn preview_is_bounded() {
        let t = "word ".repeat(10_000);
        let s = summarize(b"Subject: x\r\n\r\n", t.as_bytes(), None);
        assert_eq!(s.preview.chars().count(), PREVIEW_CHARS - 1); // no trailing space
        let t = "é".repeat(10_000);
        let s = summarize(b"", t.as_bytes(), None);
        assert_eq!(s.preview.chars().count(), PREVIEW_CHARS);
    }

    #[test]
    fn message_id_cleanup() {
        let s = summarize(b"Message-ID:   <abc@def>  \r\n\r\n", b"", None);
        assert_eq!(s.message_id.as_deref(), Some("abc@def"));
        let long = format!("Message-ID: <{}@x>\r\n\r\n", "a".repeat(5000));
        let s = summarize(long.as_bytes(), b"", None);
        assert_eq!(s.message_id.map(|m| m.chars().count()), Some(MESSAGE_ID_CHARS));
        let s = summarize(b"Message-ID: \r\n\r\n", b"", None);
        assert_eq!(s.message_id, None);
    }

    #[test]
    fn repeated_fields_first_wins() {
        let h = b"From: First <first@x>\r\nSubject: one\r\nDate: Wed, 2 Apr 2025 08:00:00 +0000\r\n\
                  Message-ID: <1@x>\r\nFrom: =?utf-8?q?Second?= <second@x>\r\nSubject: two\r\n\
                  Date: Thu, 3 Apr 2025 08:00:00 +0000\r\nMessage-ID: <2@x>\r\n\r\n";
        let s = summarize(h, b"", None);
        assert_eq!(s.subject, "one");
        assert_eq!(s.from_display(), "First <first@x>");
        assert_eq!(s.date, Some(dt("2025-04-02T08:00:00Z")));
        assert_eq!(s.message_id.as_deref(), Some("1@x"));
    }

    #[test]
    fn parser_debug_assertion_keeps_header_fields() {
        // Minimised from fuzzing: reaches mail-parser 0.11's
        // `debug_assert!(false, "Invalid part ID, could not find multipart.")`, a panic in
        // debug builds. The header fields survive it.
        let h = b"From: A <a@example.com>\r\nDate: Wed, 2 Apr 2025 08:00:00 +0000\r\n\
                  Subject: s\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n";
        let t = b"--outerContent-Type:message/rfc822\n\nr\nContent-Type:message/rfc822\n\n\n--outer--";
        let s = summarize(h, t, None);
        assert_eq!(s.subject, "s");
        assert_eq!(s.from_display(), "A <a@example.com>");
        assert_eq!(s.date, Some(dt("2025-04-02T08:00:00Z")));
    }

    #[test]
    fn summary_serialises() {
        let s = summarize(b"Subject: x\r\nDate: Wed, 2 Apr 2025 08:00:00 -0500\r\n\r\n", b"y", None);
        let json = serde_json::to_string(&s).unwrap();
        let back: Summary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
