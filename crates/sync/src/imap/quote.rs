//! Quoting of command arguments. Mailbox names come from the server's own LIST (already
//! modified UTF-7, so ASCII), but a hostile server could still list one with quotes or
//! backslashes in it, and CR/LF must never reach the wire inside a quoted string.

/// A quoted string, or `None` when the value cannot be sent quoted (CR, LF, NUL, 8-bit).
pub fn quoted(s: &str) -> Option<String> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(quoted("INBOX").as_deref(), Some("\"INBOX\""));
        assert_eq!(quoted("My \"x\\y\"").as_deref(), Some("\"My \\\"x\\\\y\\\"\""));
        assert_eq!(quoted("a\r\nb"), None);
        assert_eq!(quoted("Entwürfe"), None);
    }
}
