//! Modified UTF-7 (RFC 3501 §5.1.3) for IMAP mailbox names.
//!
//! Printable US-ASCII (0x20..=0x7E) stands for itself, except `&`, written `&-`. Any other
//! run of characters is written `&` + modified BASE64 (RFC 2045 alphabet with `,` for `/`,
//! no padding) of its UTF-16BE code units + `-`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn is_direct(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// Encodes a mailbox name in modified UTF-7. Mailbell names folders by what the server
/// lists; this is for a name the user typed that the store does not know yet
/// (`mailbell-cli message ... --folder`), and for the round-trip tests and the fuzzer.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut units: Vec<u16> = Vec::new();
    for c in s.chars() {
        if is_direct(c) {
            flush(&mut out, &mut units);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut units);
    out
}

fn flush(out: &mut String, units: &mut Vec<u16>) {
    if units.is_empty() {
        return;
    }
    out.push('&');
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        // 1 byte -> 2 chars, 2 bytes -> 3 chars, 3 bytes -> 4 chars.
        for &s in &sextets[..chunk.len() + 1] {
            out.push(ALPHABET[s as usize] as char);
        }
    }
    out.push('-');
    units.clear();
}

fn sextet(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Decodes `&...-` shifts strictly; None if the shift is not valid modified UTF-7.
fn decode_shift(b64: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(b64.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in b64 {
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros, less than a byte, and whole UTF-16 units.
    if bits >= 6 || acc != 0 || bytes.len() % 2 != 0 || bytes.is_empty() {
        return None;
    }
    let units: Vec<u16> = bytes.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
    let s = String::from_utf16(&units).ok()?;
    // A shift must not encode what could have been written directly.
    if s.chars().any(is_direct) {
        return None;
    }
    Some(s)
}

/// Decodes a modified UTF-7 mailbox name. Best effort: an invalid or unterminated `&`
/// shift is kept literally, and non-ASCII input (servers with UTF8=ACCEPT) passes through.
pub fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // The base64 run ends at the first byte outside the alphabet.
        let run = after.bytes().take_while(|&c| sextet(c).is_some()).count();
        if after[run..].starts_with('-') {
            if run == 0 {
                out.push('&');
                rest = &after[1..];
                continue;
            }
            if let Some(decoded) = decode_shift(&after.as_bytes()[..run]) {
                out.push_str(&decoded);
                rest = &after[run + 1..];
                continue;
            }
        }
        // Invalid: keep the '&' literally and go on after it.
        out.push('&');
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_passes_through() {
        assert_eq!(encode("INBOX"), "INBOX");
        assert_eq!(decode("INBOX"), "INBOX");
        assert_eq!(encode("Sent Items/2024"), "Sent Items/2024");
        assert_eq!(decode("Sent Items/2024"), "Sent Items/2024");
        assert_eq!(encode(""), "");
        assert_eq!(decode(""), "");
    }

    #[test]
    fn ampersand() {
        assert_eq!(encode("&"), "&-");
        assert_eq!(decode("&-"), "&");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Tom &- Jerry"), "Tom & Jerry");
    }

    #[test]
    fn rfc_examples() {
        assert_eq!(decode("Entw&APw-rfe"), "Entwürfe");
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(decode("&ZeVnLIqe-"), "日本語");
        assert_eq!(encode("日本語"), "&ZeVnLIqe-");
        // RFC 3501's example: "~peter/mail/台北/日本語".
        assert_eq!(decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語");
        assert_eq!(encode("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    }

    #[test]
    fn spaces_and_mixed() {
        assert_eq!(encode("Gesendete Objekte"), "Gesendete Objekte");
        assert_eq!(encode("Éléments envoyés"), "&AMk-l&AOk-ments envoy&AOk-s");
        assert_eq!(decode("&AMk-l&AOk-ments envoy&AOk-s"), "Éléments envoyés");
        // A non-ASCII run containing a space is split around the space.
        assert_eq!(encode("ü ü"), "&APw- &APw-");
    }

    #[test]
    fn astral_and_controls() {
        let s = "Mail 📬 box";
        assert_eq!(decode(&encode(s)), s);
        assert!(encode(s).is_ascii());
        // Control characters are not printable ASCII: they are encoded too.
        let s = "a\tb";
        assert_eq!(encode(s), "a&AAk-b");
        assert_eq!(decode("a&AAk-b"), s);
    }

    #[test]
    fn round_trips() {
        for s in [
            "INBOX",
            "Entwürfe",
            "日本語",
            "&",
            "&&",
            "a&b",
            "Привет мир",
            "Ñoño & Co.",
            "x/y.z",
            "😀😀😀",
            "ééé",
            "mixed 日本 and & ascii",
            "-&-",
            "Archiv/2024/März",
        ] {
            let e = encode(s);
            assert!(e.is_ascii(), "{e}");
            assert_eq!(decode(&e), s, "via {e}");
            assert_eq!(encode(&decode(&e)), e);
        }
    }

    #[test]
    fn invalid_is_kept_and_never_panics() {
        assert_eq!(decode("&"), "&");
        assert_eq!(decode("a&b"), "a&b");
        assert_eq!(decode("&ZeVnLIqe"), "&ZeVnLIqe"); // unterminated
        assert_eq!(decode("&!!-"), "&!!-");
        assert_eq!(decode("&A-"), "&A-"); // too short for a UTF-16 unit
        assert_eq!(decode("&2D0-"), "&2D0-"); // lone surrogate
        assert_eq!(decode("&AGE-"), "&AGE-"); // "a" must not be encoded
        assert_eq!(decode("&APx-"), "&APx-"); // non-zero padding bits
        assert_eq!(decode("déjà &-"), "déjà &"); // UTF8=ACCEPT names pass through
        for s in ["&&&&--", "&-&", "&ZeVn&LIqe-", "&,,,,-", "&Ж-", "&&-&-"] {
            let _ = decode(s);
        }
        let long = "&AAAA".repeat(50_000);
        let t = std::time::Instant::now();
        let _ = decode(&long);
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }
}
