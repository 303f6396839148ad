//! Picking and decoding the text for the preview from mail-parser's part tree.
//!
//! mail-parser classifies bodies well for complete messages, but the body here is cut at a
//! byte limit: a part cut before its closing boundary is flagged `is_encoding_problem`, left
//! undecoded (raw base64 / quoted-printable) and left out of `text_body`. So the parts are
//! walked here in document order, the content type is read from the part's own headers, and
//! cut parts are decoded leniently from their raw bytes.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::clean::{clean_text, decode_utf8_or_cp1252, Mode};
use super::header::{decode_base64_lenient, is_utf8_label};
use super::html::html_to_text;
use mail_parser::decoders::charsets::map::charset_decoder;

/// How many times a broken multipart is re-parsed with a guessed boundary, and how deep
/// attached messages are searched.
const MAX_DEPTH: usize = 3;
/// Parts looked at, at most (a 16 KiB body holds a few hundred empty ones at most).
const MAX_PARTS: usize = 1000;

#[derive(Default)]
struct Found {
    plain: Option<String>,
    html: Option<String>,
}

/// The preview text (cleaned, at most `max_chars`) of the first text/plain part with
/// visible text, else of the first text/html part, else "".
pub(crate) fn preview(message: &Message<'_>, max_chars: usize) -> String {
    let mut found = Found::default();
    collect(message, message.raw_message(), MAX_DEPTH, max_chars, &mut found);
    found.plain.or(found.html).unwrap_or_default()
}

fn collect(message: &Message<'_>, raw: &[u8], depth: usize, max_chars: usize, found: &mut Found) {
    for part in message.parts.iter().take(MAX_PARTS) {
        if found.plain.is_some() {
            return;
        }
        let (ctype, subtype) = match part.content_type() {
            Some(ct) => (ct.ctype().to_ascii_lowercase(), ct.subtype().map(|s| s.to_ascii_lowercase()).unwrap_or_default()),
            None => ("text".to_owned(), "plain".to_owned()),
        };
        match &part.body {
            PartType::Message(inner) => {
                if depth > 0 {
                    collect(inner, inner.raw_message(), depth - 1, max_chars, found);
                }
                continue;
            }
            PartType::Multipart(_) => continue,
            _ => {}
        }
        if ctype == "multipart" {
            // A multipart whose boundary was never found (wrong or missing boundary
            // parameter): mail-parser keeps its whole body as one blob.
            if depth > 0 {
                if let Some(body) = part_bytes(part, raw) {
                    recover_multipart(body, depth - 1, max_chars, found);
                }
            }
            continue;
        }
        if ctype != "text" || is_attachment(part) {
            continue;
        }
        let is_html = subtype == "html";
        if !is_html && subtype != "plain" && !subtype.is_empty() {
            continue;
        }
        if is_html && found.html.is_some() {
            continue;
        }
        let text = part_text(part, raw);
        let text = if is_html { html_to_text(&text) } else { text };
        let cleaned = clean_text(&text, max_chars, Mode::Preview);
        if cleaned.is_empty() {
            continue;
        }
        if is_html {
            found.html = Some(cleaned);
        } else {
            found.plain = Some(cleaned);
        }
    }
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition().is_some_and(|d| d.is_attachment()) || part.attachment_name().is_some()
}

/// The raw (still transfer-encoded) bytes of a part's body, if its offsets make sense.
fn part_bytes<'r>(part: &MessagePart<'_>, raw: &'r [u8]) -> Option<&'r [u8]> {
    let start = part.offset_body as usize;
    let end = (part.offset_end as usize).min(raw.len());
    raw.get(start..end)
}

/// The decoded text of a text part. mail-parser's own decoding is used when it is sound;
/// parts it could not decode (cut by the byte range), parts without a usable charset and
/// parts labelled US-ASCII are decoded here from the raw bytes.
fn part_text(part: &MessagePart<'_>, raw: &[u8]) -> String {
    let charset = part.content_type().and_then(|ct| ct.attribute("charset")).map(|c| c.trim().to_owned());
    let known = charset.as_deref().is_some_and(|c| {
        let ascii = c.eq_ignore_ascii_case("us-ascii") || c.eq_ignore_ascii_case("ascii");
        !ascii && (is_utf8_label(c) || charset_decoder(c.as_bytes()).is_some())
    });
    let parsed_text = match &part.body {
        PartType::Text(t) | PartType::Html(t) => Some(t.as_ref()),
        _ => None,
    };
    if !part.is_encoding_problem && known {
        if let Some(t) = parsed_text {
            return strip_trailing_replacement(t).to_owned();
        }
    }
    let Some(bytes) = part_bytes(part, raw) else {
        return parsed_text.map(|t| strip_trailing_replacement(t).to_owned()).unwrap_or_default();
    };
    let cte = part.content_transfer_encoding().map(|c| c.trim().to_ascii_lowercase());
    let decoded: Vec<u8> = match cte.as_deref() {
        Some("base64") => decode_base64_lenient(bytes),
        Some("quoted-printable") => decode_quoted_printable(bytes),
        _ => bytes.to_vec(),
    };
    let text = match charset.as_deref() {
        Some(c) if known && is_utf8_label(c) => String::from_utf8_lossy(super::clean::trim_incomplete_utf8_tail(&decoded)).into_owned(),
        Some(c) if known => match charset_decoder(c.as_bytes()) {
            Some(d) => d(&decoded),
            None => decode_utf8_or_cp1252(&decoded),
        },
        _ => decode_utf8_or_cp1252(&decoded),
    };
    strip_trailing_replacement(&text).to_owned()
}

/// A multi-byte character cut by the byte range decodes to U+FFFD at the very end.
fn strip_trailing_replacement(s: &str) -> &str {
    s.trim_end_matches(|c: char| c == '\u{FFFD}' || c.is_whitespace())
}

/// Quoted-printable that never fails: soft line breaks removed, `=XX` decoded, a malformed
/// `=` kept, and a sequence cut at the very end dropped.
fn decode_quoted_printable(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        if c != b'=' {
            out.push(c);
            i += 1;
            continue;
        }
        let rest = &data[i + 1..];
        if rest.is_empty() || (rest.len() == 1 && rest[0].is_ascii_hexdigit()) {
            break; // cut in the middle of "=XX"
        }
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(b) = rest.get(1).and_then(|&second| hex_pair(rest[0], second)) {
            out.push(b);
            i += 3;
        } else {
            // "=" followed by spaces then a line break is also a soft break.
            let ws = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            if ws > 0 && rest[ws..].starts_with(b"\r\n") {
                i += 1 + ws + 2;
            } else if ws > 0 && rest[ws..].starts_with(b"\n") {
                i += 1 + ws + 1;
            } else {
                out.push(b'=');
                i += 1;
            }
        }
    }
    out
}

fn hex_pair(a: u8, b: u8) -> Option<u8> {
    let h = |c: u8| (c as char).to_digit(16);
    Some((h(a)? * 16 + h(b)?) as u8)
}

/// Re-parses the body of a multipart whose boundary did not match, using the first
/// `--delimiter` line found in it as the boundary.
fn recover_multipart(body: &[u8], depth: usize, max_chars: usize, found: &mut Found) {
    let Some(boundary) = guess_boundary(body) else {
        return;
    };
    let mut synthetic = format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n").into_bytes();
    synthetic.extend_from_slice(body);
    let parsed = super::parse_guarded(&synthetic);
    if let Some(message) = parsed {
        if message.parts.first().is_some_and(|p| matches!(p.body, PartType::Multipart(_))) {
            collect(&message, message.raw_message(), depth, max_chars, found);
        }
    }
}

fn guess_boundary(body: &[u8]) -> Option<String> {
    for line in body.split(|&b| b == b'\n').take(200) {
        let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii_end();
        if let Some(b) = line.strip_prefix(b"--") {
            let b = b.strip_suffix(b"--").unwrap_or(b);
            let valid = !b.is_empty()
                && b.len() <= 200
                && b.iter().all(|&c| c.is_ascii_graphic() || c == b' ')
                && !b.contains(&b'"')
                && !b.contains(&b'\\');
            return if valid { std::str::from_utf8(b).ok().map(str::to_owned) } else { None };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qp_lenient() {
        assert_eq!(decode_quoted_printable(b"Caf=E9 =\r\ncr=E8me"), b"Caf\xe9 cr\xe8me");
        assert_eq!(decode_quoted_printable(b"a=\nb"), b"ab");
        assert_eq!(decode_quoted_printable(b"a = b =zz"), b"a = b =zz");
        assert_eq!(decode_quoted_printable(b"cut =E"), b"cut ");
        assert_eq!(decode_quoted_printable(b"cut ="), b"cut ");
        assert_eq!(decode_quoted_printable(b"odd =x"), b"odd =x");
        assert_eq!(decode_quoted_printable(b"soft=  \r\nbreak"), b"softbreak");
    }

    #[test]
    fn boundary_guess() {
        assert_eq!(guess_boundary(b"\r\n--b2\r\nContent-Type: text/plain\r\n").as_deref(), Some("b2"));
        assert_eq!(guess_boundary(b"preamble\n--abc--\n").as_deref(), Some("abc"));
        assert_eq!(guess_boundary(b"--\"evil\r\n"), None);
        assert_eq!(guess_boundary(b"no delimiter at all"), None);
    }
}
