//! The stand-in's reading of client bytes: command lines with their literals, the arguments
//! of a command, sequence sets, dates, and folder names in modified UTF-7. Every function here
//! meets untrusted input and answers with an error, never a panic.

use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use base64::Engine as _;
use chrono::NaiveDate;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The longest command line accepted (the CLI's longest, a UID set of recovered mail, is far
/// shorter). Past it the connection ends: there is no way to find the next command.
pub(super) const MAX_LINE: usize = 64 * 1024;
/// The largest literal accepted (a password or a folder name; APPEND is not offered).
const MAX_LITERAL: usize = 64 * 1024;

/// Why no command could be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The client closed the connection or the socket failed.
    Closed,
    /// A line or literal beyond the limits: the connection cannot be resynchronised.
    TooLong,
}

/// Reads one line (without its CRLF) into `buf`, appending; keeps partial data in `buf` when
/// the future is dropped (IDLE races a read against state changes).
pub(super) async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> Result<Vec<u8>, ReadError> {
    loop {
        let n = (&mut *r).take((MAX_LINE + 2) as u64).read_until(b'\n', buf).await.map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        if buf.ends_with(b"\n") {
            let mut line = std::mem::take(buf);
            line.pop();
            if line.ends_with(b"\r") {
                line.pop();
            }
            return Ok(line);
        }
        if buf.len() > MAX_LINE {
            return Err(ReadError::TooLong);
        }
    }
}

/// Reads one whole command: a line, and for every `{n}` / `{n+}` at its end the literal and the
/// rest of the command. A synchronising literal is invited with `+`. Literals are spliced back
/// in as quoted strings so that one parser serves both spellings; a literal that cannot be a
/// quoted string (CR, LF, NUL) comes back as a reason for the caller to answer with BAD.
pub(super) async fn read_command<R, W>(r: &mut R, w: &mut W) -> Result<(String, Option<String>), ReadError>
where
    R: AsyncBufReadExt + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut command = Vec::new();
    let mut bad = None;
    loop {
        let line = read_line(r, &mut Vec::new()).await?;
        let literal = literal_size(&line);
        let Some((at, size, sync)) = literal else {
            command.extend_from_slice(&line);
            break;
        };
        command.extend_from_slice(&line[..at]);
        if size > MAX_LITERAL || command.len() + size > MAX_LINE {
            return Err(ReadError::TooLong);
        }
        if sync {
            w.write_all(b"+ Ready for additional command text.\r\n").await.map_err(|_| ReadError::Closed)?;
            w.flush().await.map_err(|_| ReadError::Closed)?;
        }
        let mut data = vec![0u8; size];
        r.read_exact(&mut data).await.map_err(|_| ReadError::Closed)?;
        if data.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            bad.get_or_insert_with(|| "literals with CR, LF or NUL are not supported by this stand-in".to_string());
        }
        command.push(b'"');
        for b in data {
            if b == b'"' || b == b'\\' {
                command.push(b'\\');
            }
            command.push(b);
        }
        command.push(b'"');
    }
    Ok((String::from_utf8_lossy(&command).into_owned(), bad))
}

/// `{n}` or `{n+}` at the end of a line: (where it starts, n, synchronising).
fn literal_size(line: &[u8]) -> Option<(usize, usize, bool)> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let inner = &body[open + 1..];
    let (digits, sync) = match inner.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (inner, true),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((open, n, sync))
}

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// An atom, including FETCH items with their `[section]<partial>` (spaces inside the
    /// brackets belong to the atom).
    Atom(String),
    /// A quoted string (or a literal), unescaped.
    Str(String),
    List(Vec<Tok>),
}

impl Tok {
    /// An astring (atom or string), as mailbox names and credentials are sent.
    pub(super) fn astring(&self) -> Option<&str> {
        match self {
            Tok::Atom(a) | Tok::Str(a) => Some(a),
            Tok::List(_) => None,
        }
    }

    pub(super) fn atom_upper(&self) -> Option<String> {
        match self {
            Tok::Atom(a) => Some(a.to_ascii_uppercase()),
            _ => None,
        }
    }
}

/// Splits a command's arguments into tokens.
pub(super) fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut p = Parser { s: s.as_bytes(), i: 0 };
    p.tokens(0)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn tokens(&mut self, depth: usize) -> Result<Vec<Tok>, String> {
        if depth > 16 {
            return Err("lists nested too deep".into());
        }
        let mut out = Vec::new();
        loop {
            while self.s.get(self.i) == Some(&b' ') {
                self.i += 1;
            }
            match self.s.get(self.i) {
                None if depth == 0 => return Ok(out),
                None => return Err("unclosed parenthesis".into()),
                Some(b'(') => {
                    self.i += 1;
                    out.push(Tok::List(self.tokens(depth + 1)?));
                }
                Some(b')') if depth > 0 => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b')') => return Err("unexpected ')'".into()),
                Some(b'"') => out.push(Tok::Str(self.quoted()?)),
                Some(_) => out.push(Tok::Atom(self.atom()?)),
            }
        }
    }

    fn quoted(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => return Err("unterminated quoted string".into()),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    let next = *self.s.get(self.i + 1).ok_or("unterminated quoted string")?;
                    out.push(next);
                    self.i += 2;
                }
                Some(&b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    fn atom(&mut self) -> Result<String, String> {
        let start = self.i;
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b' ' | b'(' | b')' => break,
                b'[' => {
                    let close = self.s[self.i..].iter().position(|&c| c == b']').ok_or("unclosed '['")?;
                    self.i += close + 1;
                }
                _ => self.i += 1,
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
}

/// One element of a sequence set; `None` stands for `*`.
type Bound = Option<u32>;

/// A sequence set (`1:3,7,9:*`), of message numbers or UIDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SeqSet(Vec<(Bound, Bound)>);

impl SeqSet {
    pub(super) fn parse(s: &str) -> Option<SeqSet> {
        let mut ranges = Vec::new();
        for part in s.split(',') {
            let bound = |b: &str| -> Option<Bound> {
                if b == "*" {
                    Some(None)
                } else {
                    b.parse::<u32>().ok().filter(|n| *n > 0 && b.bytes().all(|c| c.is_ascii_digit())).map(Some)
                }
            };
            let range = match part.split_once(':') {
                Some((a, b)) => (bound(a)?, bound(b)?),
                None => {
                    let n = bound(part)?;
                    (n, n)
                }
            };
            ranges.push(range);
        }
        Some(SeqSet(ranges))
    }

    /// Whether `n` is in the set when `*` stands for `largest`. A range's ends may come in
    /// either order, which is what makes `UID FETCH 9:*` answer with the newest message when
    /// its UID is below 9 (RFC 3501 §6.4.8).
    pub(super) fn contains(&self, n: u32, largest: u32) -> bool {
        self.0.iter().any(|&(a, b)| {
            let (a, b) = (a.unwrap_or(largest), b.unwrap_or(largest));
            a.min(b) <= n && n <= a.max(b)
        })
    }
}

/// A date of SEARCH (`1-Jan-2024`, `01-Jan-2024`, quoted or not).
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%d-%b-%Y").ok()
}

/// A folder name as it goes on the wire: IMAP's modified UTF-7 (RFC 3501 §5.1.3).
pub(super) fn mutf7_encode(name: &str) -> String {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::IMAP_MUTF7, NO_PAD);
    fn flush(out: &mut String, pending: &mut Vec<u16>) {
        if !pending.is_empty() {
            let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
            out.push('&');
            out.push_str(&ENGINE.encode(bytes));
            out.push('-');
            pending.clear();
        }
    }
    let mut out = String::new();
    let mut pending = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            pending.extend_from_slice(c.encode_utf16(&mut [0; 2]));
        }
    }
    flush(&mut out, &mut pending);
    out
}

/// A mailbox name as it goes into a response: always quoted, which every name allows.
pub(super) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// LIST's wildcards: `*` matches anything, `%` anything but the hierarchy delimiter.
pub(super) fn wildcard_match(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| wildcard_match(rest, &name[i..])),
        Some((b'%', rest)) => (0..=name.len()).take_while(|&i| i == 0 || name[i - 1] != b'/').any(|i| wildcard_match(rest, &name[i..])),
        Some((&p, rest)) => name.first().is_some_and(|&n| n == p) && wildcard_match(rest, &name[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_sections_whole() {
        let t = tokenize(r#"(UID BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.8192>) "a \"b\"" x"#).unwrap();
        assert_eq!(
            t,
            vec![
                Tok::List(vec![Tok::Atom("UID".into()), Tok::Atom("BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.8192>".into())]),
                Tok::Str("a \"b\"".into()),
                Tok::Atom("x".into()),
            ]
        );
        assert!(tokenize("(a").is_err());
        assert!(tokenize("a)").is_err());
        assert!(tokenize("BODY[").is_err());
        assert!(tokenize("\"abc").is_err());
        assert!(tokenize(&"(".repeat(100)).is_err());
    }

    #[test]
    fn sequence_sets_follow_rfc_3501() {
        let s = SeqSet::parse("9:*").unwrap();
        assert!(s.contains(5, 5), "n:* includes the largest even below n");
        assert!(!s.contains(4, 5));
        let s = SeqSet::parse("1:3,7").unwrap();
        assert!(s.contains(2, 100) && s.contains(7, 100) && !s.contains(5, 100));
        assert!(SeqSet::parse("3:1").unwrap().contains(2, 0));
        for bad in ["", "0", "a", "1:", "1,,2", "-1", "+1"] {
            assert_eq!(SeqSet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn literal_markers_and_dates_and_names() {
        assert_eq!(literal_size(b"a LOGIN {5}"), Some((8, 5, true)));
        assert_eq!(literal_size(b"a LOGIN {5+}"), Some((8, 5, false)));
        assert_eq!(literal_size(b"a LOGIN {x}"), None);
        assert_eq!(literal_size(b"a LOGIN {99999999999}"), None);
        assert_eq!(parse_date("1-Feb-2024"), NaiveDate::from_ymd_opt(2024, 2, 1));
        assert_eq!(parse_date("01-Feb-2024"), NaiveDate::from_ymd_opt(2024, 2, 1));
        assert_eq!(parse_date("2024-02-01"), None);
        assert_eq!(mutf7_encode("Projekte/Übersicht"), "Projekte/&ANw-bersicht");
        assert_eq!(mutf7_encode("A&B"), "A&-B");
        assert_eq!(mutf7_encode("日本語"), "&ZeVnLIqe-");
        assert!(wildcard_match(b"*", b"[Gmail]/All Mail"));
        assert!(wildcard_match(b"%", b"INBOX") && !wildcard_match(b"%", b"[Gmail]/Spam"));
        assert!(wildcard_match(b"[Gmail]/%", b"[Gmail]/Spam"));
    }
}
