//! Header bytes: repair before parsing (partial last line, raw 8-bit bytes, stray blank
//! lines), a small field scanner, and an RFC 2047 decoder that is more forgiving than
//! mail-parser 0.11's (characters split across encoded words, bogus charsets).

use mail_parser::decoders::charsets::map::charset_decoder;

use super::clean::decode_cp1252;

/// The header, repaired: every line valid UTF-8 (raw 8-bit lines are taken as
/// windows-1252), nothing after the first blank line, a partial last line dropped (except
/// for a Subject, which is kept as far as it goes), and terminated by one CRLF unless empty.
pub(crate) struct PreparedHeader {
    pub text: String,
    /// The last field (a Subject) was cut by the byte range.
    pub subject_truncated: bool,
}

pub(crate) fn prepare_header(header: &[u8]) -> PreparedHeader {
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut partial: Option<&[u8]> = None;
    let mut rest = header;
    while !rest.is_empty() {
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => {
                let line = &rest[..nl];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                rest = &rest[nl + 1..];
                if line.is_empty() {
                    // The blank line that ends the header. A leading one is skipped.
                    if lines.is_empty() {
                        continue;
                    }
                    break;
                }
                if lines.is_empty() && line.iter().all(|&b| b == b' ' || b == b'\t') {
                    continue;
                }
                lines.push(line);
            }
            None => {
                partial = Some(rest);
                break;
            }
        }
    }

    let mut subject_truncated = false;
    if let Some(p) = partial {
        // Which field does the partial line belong to?
        let field_start = if p.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            lines.iter().rev().find(|l| !l.first().is_some_and(|&b| b == b' ' || b == b'\t'))
        } else {
            Some(&p)
        };
        if field_start.is_some_and(|l| field_name_is(l, b"subject")) {
            let p = super::clean::trim_incomplete_utf8_tail(p);
            let p = p.strip_suffix(b"\r").unwrap_or(p);
            if !p.is_empty() {
                lines.push(p);
                subject_truncated = true;
            }
        }
    }

    let mut text = String::with_capacity(header.len() + lines.len() * 2);
    for line in lines {
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(_) => text.push_str(&decode_cp1252(line)),
        }
        text.push_str("\r\n");
    }
    PreparedHeader { text, subject_truncated }
}

fn field_name_is(line: &[u8], name: &[u8]) -> bool {
    match line.iter().position(|&b| b == b':') {
        Some(colon) => line[..colon].trim_ascii().eq_ignore_ascii_case(name),
        None => false,
    }
}

/// The unfolded raw value of the first field called `name` (case-insensitive), or None.
pub(crate) fn raw_field(header: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in header.split("\r\n") {
        let is_continuation = line.starts_with([' ', '\t']);
        match (&mut value, is_continuation) {
            (Some(v), true) => v.push_str(line),
            (Some(_), false) => break,
            (None, false) => {
                if let Some((n, v)) = line.split_once(':') {
                    if n.trim().eq_ignore_ascii_case(name) {
                        value = Some(v.to_owned());
                    }
                }
            }
            (None, true) => {}
        }
    }
    value
}

const MAX_CHARSET_LEN: usize = 75;

/// One decoded encoded word: charset label and payload bytes; `raw` is its source text.
struct EncodedWord<'a> {
    charset: &'a str,
    bytes: Vec<u8>,
    raw: &'a str,
}

/// Tries to read `=?charset?e?text?=` at the start of `s`; returns the word and its length.
/// Scans only to the third `?` after the start, so repeated attempts stay linear.
fn parse_encoded_word(s: &str) -> Option<(EncodedWord<'_>, usize)> {
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset_full = &body[..q1];
    if charset_full.is_empty() || charset_full.len() > MAX_CHARSET_LEN || charset_full.contains(|c: char| c.is_whitespace() || c == '=') {
        return None;
    }
    let after_charset = &body[q1 + 1..];
    let (enc, sep) = match after_charset.as_bytes() {
        [e @ (b'b' | b'B' | b'q' | b'Q'), s, ..] => (*e, *s),
        _ => return None,
    };
    if sep != b'?' {
        return None;
    }
    let data_and_rest = &after_charset[2..];
    let q3 = data_and_rest.find('?')?;
    if !data_and_rest[q3 + 1..].starts_with('=') {
        return None;
    }
    let data = &data_and_rest[..q3];
    if data.contains(['\r', '\n']) {
        return None;
    }
    let bytes = match enc {
        b'b' | b'B' => decode_base64_lenient(data.as_bytes()),
        _ => decode_q(data.as_bytes()),
    };
    // RFC 2231 language suffix: "utf-8*en".
    let charset = charset_full.split('*').next().unwrap_or(charset_full);
    let len = 2 + q1 + 1 + 2 + q3 + 2;
    Some((EncodedWord { charset, bytes, raw: &s[..len] }, len))
}

/// RFC 2047 "Q" encoding: `_` is a space, `=XX` a byte; anything malformed stays literal.
fn decode_q(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = data.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'='),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Base64 that never fails: characters outside the alphabet are skipped, `=` ends a group
/// (so concatenated blobs work), and a cut-off final group yields the bytes it holds.
pub(crate) fn decode_base64_lenient(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                acc = 0;
                bits = 0;
                continue;
            }
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub(crate) fn is_utf8_label(charset: &str) -> bool {
    let norm: String = charset.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    matches!(norm.as_str(), "utf8" | "unicode11utf8" | "unicode20utf8" | "xunicode20utf8")
}

/// Decodes `bytes` in `charset`; None when the charset is unknown (mail-parser's table,
/// which covers encoding_rs's labels plus aliases, and the UTF-8 labels).
fn decode_known_charset(charset: &str, bytes: &[u8]) -> Option<String> {
    if is_utf8_label(charset) {
        return Some(String::from_utf8_lossy(bytes).into_owned());
    }
    charset_decoder(charset.as_bytes()).map(|d| d(bytes))
}

fn flush_group(out: &mut String, group: &mut Vec<EncodedWord<'_>>) {
    if group.is_empty() {
        return;
    }
    let charset = group[0].charset;
    let bytes: Vec<u8> = group.iter().flat_map(|w| w.bytes.iter().copied()).collect();
    match decode_known_charset(charset, &bytes) {
        Some(s) => out.push_str(&s),
        None => match String::from_utf8(bytes) {
            // Unknown label, but the payload is UTF-8 (or ASCII): use it.
            Ok(s) => out.push_str(&s),
            // Bogus charset and undecodable bytes: keep the encoded words as written.
            Err(_) => {
                for (i, w) in group.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(w.raw);
                }
            }
        },
    }
    group.clear();
}

/// Decodes the RFC 2047 encoded words in an unstructured value (already unfolded).
///
/// Lenient like mainstream clients: words glued to text are decoded too, the whitespace
/// between adjacent encoded words is dropped, and consecutive words in the same charset are
/// joined *before* charset decoding, so a UTF-8 character split across two words survives.
/// When `drop_cut_word` is set (the value was cut by the byte range), a final `=?...`
/// that never closes is dropped instead of shown raw.
pub(crate) fn decode_rfc2047(value: &str, drop_cut_word: bool) -> String {
    let mut out = String::with_capacity(value.len());
    let mut group: Vec<EncodedWord<'_>> = Vec::new();
    // Whitespace seen after the last encoded word; emitted only if text follows.
    let mut pending_ws: &str = "";
    // Where the last possible end of an encoded word is (to spot a cut one in O(1)).
    let last_close = value.rfind("?=");
    let mut rest = value;
    while !rest.is_empty() {
        if rest.starts_with("=?") {
            if let Some((word, len)) = parse_encoded_word(rest) {
                let same_charset = group.last().is_some_and(|w| w.charset.eq_ignore_ascii_case(word.charset));
                if !same_charset {
                    flush_group(&mut out, &mut group);
                }
                pending_ws = "";
                group.push(word);
                rest = &rest[len..];
                continue;
            }
            let offset = value.len() - rest.len();
            if drop_cut_word && last_close.is_none_or(|p| p < offset + 2) {
                break;
            }
        }
        let ws_len = rest.len() - rest.trim_start().len();
        if ws_len > 0 {
            if group.is_empty() {
                out.push_str(&rest[..ws_len]);
            } else {
                pending_ws = &rest[..ws_len];
            }
            rest = &rest[ws_len..];
            continue;
        }
        // A run of ordinary text up to the next whitespace or "=?".
        flush_group(&mut out, &mut group);
        out.push_str(pending_ws);
        pending_ws = "";
        let mut end = rest.len();
        for (i, c) in rest.char_indices().skip(1) {
            if c.is_whitespace() || rest[i..].starts_with("=?") {
                end = i;
                break;
            }
        }
        out.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    flush_group(&mut out, &mut group);
    out
}

/// The display name of a From value written as `phrase <addr>`: the phrase with quotes and
/// escapes removed and encoded words decoded. None when there is no `<` at top level.
pub(crate) fn display_name(value: &str) -> Option<String> {
    let mut phrase = String::new();
    let mut in_quotes = false;
    let mut comment_depth = 0usize;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        phrase.push(n);
                    }
                }
                '"' => in_quotes = false,
                _ => phrase.push(c),
            }
        } else if comment_depth > 0 {
            match c {
                '\\' => {
                    chars.next();
                }
                '(' => comment_depth += 1,
                ')' => comment_depth -= 1,
                _ => {}
            }
        } else {
            match c {
                '"' => in_quotes = true,
                '(' => comment_depth = 1,
                '<' => return Some(decode_rfc2047(phrase.trim(), false)),
                // A list: only the first mailbox counts.
                ',' | ';' => return None,
                // "Group: member" syntax; the group name is not the sender's name.
                ':' => return None,
                _ => phrase.push(c),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_drops_partial_line_and_blank_tail() {
        let h = prepare_header(b"From: a@b.c\r\nSubject: hi\r\n\r\nBody: no\r\n");
        assert_eq!(h.text, "From: a@b.c\r\nSubject: hi\r\n");
        let h = prepare_header(b"Subject: hi\r\nFrom: Someone <a@b");
        assert_eq!(h.text, "Subject: hi\r\n");
        assert!(!h.subject_truncated);
        let h = prepare_header(b"From: a@b\r\nSubject: a very long subj");
        assert_eq!(h.text, "From: a@b\r\nSubject: a very long subj\r\n");
        assert!(h.subject_truncated);
        let h = prepare_header(b"Subject: first\r\n second and thi");
        assert_eq!(h.text, "Subject: first\r\n second and thi\r\n");
        let h = prepare_header(b"From: x\r\n cont\r\n partial");
        assert_eq!(h.text, "From: x\r\n cont\r\n");
        assert_eq!(prepare_header(b"").text, "");
        assert_eq!(prepare_header(b"\r\n").text, "");
        // LF-only line ends are normalised.
        assert_eq!(prepare_header(b"Subject: x\nFrom: y\n\n").text, "Subject: x\r\nFrom: y\r\n");
    }

    #[test]
    fn prepare_transcodes_latin1_lines() {
        let h = prepare_header(b"Subject: caf\xe9\r\nFrom: J\xf6rg <j@x>\r\n\r\n");
        assert_eq!(h.text, "Subject: café\r\nFrom: Jörg <j@x>\r\n");
        let h = prepare_header("Subject: déjà\r\n".as_bytes());
        assert_eq!(h.text, "Subject: déjà\r\n");
    }

    #[test]
    fn raw_field_unfolds() {
        let h = "From: a\r\nsubject: one\r\n two\r\nX: y\r\nSubject: second\r\n";
        assert_eq!(raw_field(h, "Subject").as_deref(), Some(" one two"));
        assert_eq!(raw_field(h, "Date"), None);
    }

    #[test]
    fn rfc2047_basics() {
        assert_eq!(decode_rfc2047("=?utf-8?q?Caf=C3=A9?=", false), "Café");
        assert_eq!(decode_rfc2047("=?ISO-8859-1?B?SWYgeW91?=", false), "If you");
        assert_eq!(decode_rfc2047("=?iso-8859-1?q?a?= =?iso-8859-1?q?b?=", false), "ab");
        assert_eq!(decode_rfc2047("x =?utf-8?q?a_b?= y", false), "x a b y");
        assert_eq!(decode_rfc2047("=?utf-8*en?q?hi?=", false), "hi");
        assert_eq!(decode_rfc2047("plain text", false), "plain text");
        assert_eq!(decode_rfc2047("a = b ?= c =? d", false), "a = b ?= c =? d");
        assert_eq!(decode_rfc2047("=?ISO-2022-JP?B?GyRCJE8kbSE8GyhC?=", false), "はろー");
    }

    #[test]
    fn rfc2047_split_utf8_char() {
        // "é" split across two words (mail-parser 0.11 garbles this).
        assert_eq!(decode_rfc2047("=?utf-8?b?w6k=?= =?utf-8?b?w6nD?= =?utf-8?b?qQ==?=", false), "ééé");
        assert_eq!(decode_rfc2047("=?UTF-8?Q?=C3?= =?utf-8?Q?=A9t=C3=A9?=", false), "été");
    }

    #[test]
    fn rfc2047_bogus_charset() {
        // ASCII / UTF-8 payload in an unknown charset: decoded.
        assert_eq!(decode_rfc2047("=?x-bogus?q?hello_there?= tail", false), "hello there tail");
        // Undecodable payload in an unknown charset: kept as written.
        assert_eq!(decode_rfc2047("=?x-bogus?q?caf=E9?= tail", false), "=?x-bogus?q?caf=E9?= tail");
    }

    #[test]
    fn rfc2047_cut_word() {
        assert_eq!(decode_rfc2047("Hello =?utf-8?B?SGVsb", true), "Hello ");
        assert_eq!(decode_rfc2047("Hello =?utf-8?B?SGVsb", false), "Hello =?utf-8?B?SGVsb");
    }

    #[test]
    fn rfc2047_many_words_is_linear() {
        let s = "=?utf-8?q?a?= ".repeat(50_000);
        // No timed assertion (flaky under load): a quadratic decoder takes hours on these,
        // which the test run's timeout turns into a failure.
        assert_eq!(decode_rfc2047(&s, false).len(), 50_000);
        let s = "=?".repeat(200_000);
        assert_eq!(decode_rfc2047(&s, false), s);
        let s = "=?a?q?".repeat(100_000);
        assert_eq!(decode_rfc2047(&s, false), s);
    }

    #[test]
    fn base64_lenient() {
        assert_eq!(decode_base64_lenient(b"SGVsbG8="), b"Hello");
        assert_eq!(decode_base64_lenient(b"SGVs\r\nbG8"), b"Hello");
        assert_eq!(decode_base64_lenient(b"SGVsbG"), b"Hell");
        assert_eq!(decode_base64_lenient(b"SGk=SGk="), b"HiHi");
        assert_eq!(decode_base64_lenient(b"!!!"), b"");
    }

    #[test]
    fn display_names() {
        assert_eq!(display_name(" \"Doe, John\" <j@x>").as_deref(), Some("Doe, John"));
        assert_eq!(display_name(" =?utf-8?b?SsO2cmc=?= <j@x>").as_deref(), Some("Jörg"));
        assert_eq!(display_name(" \"a \\\"q\\\" b\" (c) <j@x>").as_deref(), Some("a \"q\" b"));
        assert_eq!(display_name(" j@x (Name)"), None);
        assert_eq!(display_name(" a@b, C <c@d>"), None);
        assert_eq!(display_name(" <j@x>").as_deref(), Some(""));
    }
}
