//! Text clean-up shared by subjects, names and previews: whitespace folding, removal of
//! control and bidi-override characters, bounded length, and the windows-1252 fallback.

/// How a piece of text is cleaned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// Subjects and names: keep every visible character.
    Line,
    /// Previews: also drop invisible "filler" characters that HTML newsletters use to pad
    /// their preheader (zero-width space, combining grapheme joiner, ...).
    Preview,
}

/// Characters that can reorder or hide the text around them: the explicit bidi embeddings,
/// overrides and isolates, and the implicit marks.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Invisible characters dropped everywhere (BOM / zero-width no-break space, soft hyphen).
fn is_always_dropped(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '\u{FEFF}' | '\u{00AD}')
}

/// Invisible characters dropped from previews only.
fn is_preview_filler(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{034F}' | '\u{2060}' | '\u{180E}' | '\u{2061}'..='\u{2064}')
}

/// Folds every whitespace run (CR, LF, tabs, NBSP, ...) to one space, removes control
/// characters (C0, DEL, C1), bidi controls and invisible padding, trims, and keeps at most
/// `max_chars` characters. Linear in the input.
pub(crate) fn clean_text(s: &str, max_chars: usize, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)));
    let mut count = 0usize;
    let mut pending_space = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if count >= max_chars {
            break;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if is_always_dropped(c) {
            continue;
        }
        if mode == Mode::Preview {
            if is_preview_filler(c) {
                continue;
            }
            // ZWNJ is meaningful inside words (Persian), but "&zwnj;&nbsp;" runs are padding.
            if c == '\u{200C}' {
                let next_is_gap = chars.peek().is_none_or(|&n| n.is_whitespace() || n == '\u{200C}' || is_preview_filler(n));
                if pending_space || out.is_empty() || next_is_gap {
                    continue;
                }
            }
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
            count += 1;
            if count >= max_chars {
                break;
            }
        }
        pending_space = false;
        out.push(c);
        count += 1;
    }
    // A cut right after a folded space would leave it at the end.
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Windows-1252 as WHATWG defines it (what browsers and mail clients do): the five bytes
/// the code page leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become the C1 control of the
/// same value, which the cleaning removes later. Every byte maps to a character.
pub(crate) fn decode_cp1252(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()
}

/// Bytes of unknown charset: UTF-8 when they look like UTF-8, else windows-1252. A UTF-8
/// sequence cut short at the very end (as a byte-range fetch leaves it) is dropped when the
/// rest is UTF-8 with non-ASCII text; with no other evidence the bytes are windows-1252.
pub(crate) fn decode_utf8_or_cp1252(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let trimmed = trim_incomplete_utf8_tail(bytes);
    if trimmed.len() != bytes.len() {
        if let Ok(s) = std::str::from_utf8(trimmed) {
            if !s.is_ascii() {
                return s.to_owned();
            }
        }
    }
    let mut multibyte = 0usize;
    let mut invalid = 0usize;
    for chunk in trimmed.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    if multibyte > invalid {
        String::from_utf8_lossy(trimmed).into_owned()
    } else {
        decode_cp1252(bytes)
    }
}

/// Drops a UTF-8 sequence cut short at the end of `bytes` (at most 3 bytes).
pub(crate) fn trim_incomplete_utf8_tail(bytes: &[u8]) -> &[u8] {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes,
        Err(e) if e.error_len().is_none() => &bytes[..e.valid_up_to()],
        Err(_) => {
            // Invalid somewhere before: only look at the last few bytes.
            let start = bytes.len().saturating_sub(4);
            for cut in start..bytes.len() {
                let need = match bytes[cut] {
                    0xC2..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    0xF0..=0xF4 => 4,
                    _ => continue,
                };
                let rest = &bytes[cut + 1..];
                if rest.len() + 1 < need && rest.iter().all(|&b| (0x80..=0xBF).contains(&b)) {
                    return &bytes[..cut];
                }
            }
            bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_whitespace_and_trims() {
        assert_eq!(clean_text("  a\r\n\tb   c \n", 100, Mode::Line), "a b c");
        assert_eq!(clean_text("a\u{00A0}\u{2028}b", 100, Mode::Line), "a b");
        assert_eq!(clean_text("", 100, Mode::Line), "");
        assert_eq!(clean_text(" \r\n ", 100, Mode::Line), "");
    }

    #[test]
    fn strips_controls_and_bidi() {
        assert_eq!(clean_text("a\0b\u{7}c\u{86}d\u{9B}e\u{7F}", 100, Mode::Line), "abcde");
        // NEL (U+0085) is a line break, so whitespace.
        assert_eq!(clean_text("a\u{85}b", 100, Mode::Line), "a b");
        assert_eq!(clean_text("abc\u{202E}gpj.exe", 100, Mode::Line), "abcgpj.exe");
        assert_eq!(clean_text("\u{2066}Bank\u{2069}\u{200F}", 100, Mode::Line), "Bank");
        // ZWJ stays: it builds emoji sequences.
        assert_eq!(clean_text("👨\u{200D}👩", 100, Mode::Line), "👨\u{200D}👩");
    }

    #[test]
    fn preview_fillers() {
        let pad = "Hi \u{200C}\u{00A0}\u{200C}\u{00A0}\u{034F} \u{200B}there";
        assert_eq!(clean_text(pad, 100, Mode::Preview), "Hi there");
        // ZWNJ inside a word is kept.
        assert_eq!(clean_text("می\u{200C}خواهم", 100, Mode::Preview), "می\u{200C}خواهم");
    }

    #[test]
    fn bounded_on_char_boundary() {
        let s = "é".repeat(1000);
        let out = clean_text(&s, 200, Mode::Line);
        assert_eq!(out.chars().count(), 200);
        let out = clean_text("ab cd", 3, Mode::Line);
        assert_eq!(out, "ab");
    }

    #[test]
    fn cp1252() {
        assert_eq!(decode_cp1252(b"caf\xe9 \x80 \x93x\x94"), "café € “x”");
        assert_eq!(decode_utf8_or_cp1252("café".as_bytes()), "café");
        assert_eq!(decode_utf8_or_cp1252(b"caf\xe9"), "café");
        assert_eq!(decode_utf8_or_cp1252(b"caf\xe9 cr\xe8me"), "café crème");
        // Cut in the middle of the last "é" of UTF-8 text: the partial sequence is dropped.
        let mut cut = "déjà vu ".as_bytes().to_vec();
        cut.push(0xC3);
        assert_eq!(decode_utf8_or_cp1252(&cut), "déjà vu ");
        // Mostly UTF-8 with one stray byte stays UTF-8.
        let mut stray = "é é é ".as_bytes().to_vec();
        stray.push(0xFF);
        assert_eq!(decode_utf8_or_cp1252(&stray), "é é é \u{FFFD}");
        assert_eq!(trim_incomplete_utf8_tail(b"ab\xe6\x97"), b"ab");
    }

    /// Every byte against the code page (the table the engine had before `encoding_rs`): the
    /// undefined 0x81, 0x8D, 0x8F, 0x90 and 0x9D become the C1 controls of the same value.
    #[test]
    fn cp1252_maps_every_byte_as_before() {
        const HIGH: [char; 32] = [
            '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}', '\u{2030}',
            '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}',
            '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}',
            '\u{017E}', '\u{0178}',
        ];
        let all: Vec<u8> = (0..=255).collect();
        let expected: String =
            all.iter().map(|&b| if (0x80..=0x9F).contains(&b) { HIGH[usize::from(b - 0x80)] } else { char::from(b) }).collect();
        assert_eq!(decode_cp1252(&all), expected);
        assert_eq!(clean_text(&decode_cp1252(b"a\x81b\x8dc\x8fd\x90e\x9df"), 100, Mode::Line), "abcdef");
    }
}
