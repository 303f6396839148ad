//! The PREVIEW item of a FETCH response (RFC 8970), read from the response's raw bytes.
//!
//! imap-proto parses `PREVIEW <nstring>` as an unknown attribute and drops its value, so the
//! value is found here by walking the raw response: quoted strings and literals are skipped
//! whole (a message's bytes can never look like an item name), parentheses and brackets are
//! counted, and only an item name at the top level of the attribute list counts. Linear in
//! the response and never panics: the bytes are the server's, and hostile.

/// What the response says about the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// No PREVIEW item in the response.
    Absent,
    /// `PREVIEW NIL`: the server has none (at hand).
    Nil,
    /// The server's preview text (possibly empty), lossily decoded from UTF-8.
    Text(String),
}

/// Finds the PREVIEW item of a raw `* n FETCH (...)` response.
pub fn fetch_preview(raw: &[u8]) -> Preview {
    let Some(open) = find_ci(raw, b" FETCH (") else {
        return Preview::Absent;
    };
    let start = open + b" FETCH (".len();
    let mut i = start;
    let mut depth = 0usize;
    while i < raw.len() {
        match raw[i] {
            b'"' => i = skip_quoted(raw, i),
            b'{' => i = skip_literal(raw, i).unwrap_or(raw.len()),
            b'(' | b'[' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' => {
                if depth == 0 {
                    return Preview::Absent;
                }
                depth -= 1;
                i += 1;
            }
            _ if depth == 0 && (i == start || raw[i - 1] == b' ') && starts_with_ci(&raw[i..], b"PREVIEW ") => {
                return nstring(raw, i + b"PREVIEW ".len());
            }
            _ => i += 1,
        }
    }
    Preview::Absent
}

/// The nstring at `i`: NIL, a quoted string or a literal.
fn nstring(raw: &[u8], i: usize) -> Preview {
    let rest = &raw[i.min(raw.len())..];
    if starts_with_ci(rest, b"NIL") {
        return Preview::Nil;
    }
    match rest.first() {
        Some(b'"') => {
            let end = skip_quoted(raw, i);
            let body = &raw[i + 1..end.saturating_sub(1).max(i + 1)];
            let mut out = Vec::with_capacity(body.len());
            let mut escaped = false;
            for &b in body {
                if escaped || b != b'\\' {
                    out.push(b);
                    escaped = false;
                } else {
                    escaped = true;
                }
            }
            Preview::Text(String::from_utf8_lossy(&out).into_owned())
        }
        Some(b'{') => match literal_bounds(raw, i) {
            Some((from, to)) => Preview::Text(String::from_utf8_lossy(&raw[from..to]).into_owned()),
            None => Preview::Nil,
        },
        _ => Preview::Nil,
    }
}

/// The index after the quoted string that starts at `i` (or the end of the input).
fn skip_quoted(raw: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < raw.len() {
        match raw[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    raw.len()
}

/// The index after the literal `{n}\r\n<n bytes>` that starts at `i`.
fn skip_literal(raw: &[u8], i: usize) -> Option<usize> {
    literal_bounds(raw, i).map(|(_, to)| to)
}

/// Where the bytes of the literal that starts at `i` lie (`{n}` or `{n+}`, then CRLF).
fn literal_bounds(raw: &[u8], i: usize) -> Option<(usize, usize)> {
    let close = i + raw.get(i..)?.iter().position(|&b| b == b'}')?;
    let digits = raw.get(i + 1..close)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let mut from = close + 1;
    if raw.get(from..from + 2) == Some(b"\r\n") {
        from += 2;
    } else if raw.get(from) == Some(&b'\n') {
        from += 1;
    }
    let to = from.checked_add(n)?.min(raw.len());
    Some((from, to))
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_literal_previews_are_read() {
        let r = b"* 3 FETCH (UID 9 PREVIEW \"Shall we \\\"meet\\\" at noon?\" FLAGS ())\r\n";
        assert_eq!(fetch_preview(r), Preview::Text("Shall we \"meet\" at noon?".into()));
        let r = b"* 3 FETCH (UID 9 PREVIEW {12}\r\nCaf\xc3\xa9 cr\xc3\xa8me FLAGS ())\r\n";
        assert_eq!(fetch_preview(r), Preview::Text("Café crème".into()));
        assert_eq!(fetch_preview(b"* 1 FETCH (UID 1 PREVIEW NIL)\r\n"), Preview::Nil);
        assert_eq!(fetch_preview(b"* 1 FETCH (UID 1 PREVIEW \"\")\r\n"), Preview::Text(String::new()));
    }

    #[test]
    fn only_the_top_level_item_counts() {
        // In a literal (a header that mentions PREVIEW), in a quoted string, in a section.
        let r =
            b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (PREVIEW X)] {22}\r\nSubject: PREVIEW \"x\"\r\n INTERNALDATE \"PREVIEW \\\"y\\\"\")\r\n";
        assert_eq!(fetch_preview(r), Preview::Absent);
        let r = b"* 1 FETCH (BODY[TEXT]<0> {11}\r\n PREVIEW \"a PREVIEW \"real\")\r\n";
        assert_eq!(fetch_preview(r), Preview::Text("real".into()));
        assert_eq!(fetch_preview(b"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"), Preview::Absent);
    }

    #[test]
    fn hostile_bytes_end_the_scan_without_a_panic() {
        for r in [
            &b"* 1 FETCH (PREVIEW {99999999999}\r\nabc)"[..],
            b"* 1 FETCH (PREVIEW {5}\r\nab",
            b"* 1 FETCH (PREVIEW \"unterminated",
            b"* 1 FETCH (PREVIEW ",
            b"* 1 FETCH (PREVIEW",
            b"* 1 FETCH ({3",
            b"* 1 FETCH (\"\\",
            b"* 1 FETCH (PREVIEW {}\r\n)",
        ] {
            let _ = fetch_preview(r);
        }
        assert_eq!(fetch_preview(b"* 1 FETCH (PREVIEW {5}\r\nab"), Preview::Text("ab".into()));
    }
}
