//! HTML to plain text for previews: one linear pass, no DOM. Tags become spaces (except
//! inline ones, so `<b>Hel</b>lo` stays one word), the content of script, style, title and
//! template elements and comments is dropped, and character references are decoded. A tag
//! cut off by the byte range ends the text.

/// Elements whose start and end tags do not separate words.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd", "mark", "q", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "o:p",
];

/// Elements whose content is not text for the reader.
const SKIP_CONTENT: &[&str] = &["script", "style", "title", "template", "head"];

pub(crate) fn html_to_text(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len() / 2);
    let mut i = 0;
    // Name of the element whose content is being skipped.
    let mut skipping: Option<String> = None;
    // Set once no "</head" follows: later <head> tags are then ignored (keeps this linear).
    let mut no_head_end = false;
    while i < b.len() {
        if let Some(name) = &skipping {
            // Jump to the next candidate end tag; everything before it is dropped.
            let needle = format!("</{name}");
            let Some(p) = find_ci(b, i, needle.as_bytes()) else {
                break;
            };
            match parse_tag(b, p) {
                Some(Tag { end: Some(end), name: n, .. }) if n.eq_ignore_ascii_case(name) => {
                    skipping = None;
                    out.push(' ');
                    i = end + 1;
                }
                Some(Tag { end: None, .. }) => break,
                _ => i = p + 2,
            }
            continue;
        }
        match b[i] {
            b'<' => {
                if b[i..].starts_with(b"<!--") {
                    match find(b, i + 4, b"-->") {
                        Some(end) => {
                            i = end + 3;
                            continue;
                        }
                        None => break,
                    }
                }
                let Some(tag) = parse_tag(b, i) else {
                    out.push('<');
                    i += 1;
                    continue;
                };
                let Some(end) = tag.end else { break };
                i = end + 1;
                let name = tag.name.to_ascii_lowercase();
                if !tag.closing && !tag.self_closing && SKIP_CONTENT.contains(&name.as_str()) {
                    // A <head> that never closes would hide the whole body: only skip it
                    // when its end tag is present.
                    if name == "head" && (no_head_end || find_ci(b, i, b"</head").is_none()) {
                        no_head_end = true;
                        continue;
                    }
                    skipping = Some(name);
                    continue;
                }
                if !INLINE.contains(&name.as_str()) {
                    out.push(' ');
                }
            }
            b'&' => {
                let (decoded, len) = decode_entity(&html[i..]);
                match decoded {
                    Some(s) => out.push_str(s.as_str()),
                    None => out.push('&'),
                }
                i += len;
            }
            _ => {
                // Copy a run of plain text up to the next '<' or '&'.
                let end = b[i..].iter().position(|&c| c == b'<' || c == b'&').map_or(b.len(), |p| i + p);
                out.push_str(&html[i..end]);
                i = end;
            }
        }
    }
    out
}

struct Tag<'a> {
    name: &'a str,
    closing: bool,
    self_closing: bool,
    /// Index of the closing '>', None if the input ends inside the tag.
    end: Option<usize>,
}

/// Reads a tag at `b[start] == '<'`. None when this '<' does not open a tag ("a < b").
fn parse_tag(b: &[u8], start: usize) -> Option<Tag<'_>> {
    let mut j = start + 1;
    let closing = b.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    let first = *b.get(j)?;
    if !(first.is_ascii_alphabetic() || (!closing && (first == b'!' || first == b'?'))) {
        return None;
    }
    let name_start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b':' | b'-' | b'!' | b'?')) {
        j += 1;
    }
    // The name is ASCII, so this slice is on char boundaries.
    let name = std::str::from_utf8(&b[name_start..j]).unwrap_or("");
    // Find the '>' that ends the tag, skipping quoted attribute values.
    let mut quote: Option<u8> = None;
    let mut end = None;
    let mut k = j;
    while k < b.len() {
        let c = b[k];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => {
                end = Some(k);
                break;
            }
            None => {}
        }
        k += 1;
    }
    let self_closing = end.is_some_and(|e| e > 0 && b[e - 1] == b'/');
    Some(Tag { name, closing, self_closing, end })
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle)).map(|p| from + p)
}

/// Decodes a character reference at the start of `s` (which starts with '&').
/// Returns the text and the number of bytes consumed (1 when it is a plain '&').
fn decode_entity(s: &str) -> (Option<String>, usize) {
    let b = s.as_bytes();
    let mut j = 1;
    while j < b.len() && j <= 32 && (b[j].is_ascii_alphanumeric() || b[j] == b'#') {
        j += 1;
    }
    let body = &s[1..j];
    let has_semicolon = b.get(j) == Some(&b';');
    let consumed = if has_semicolon { j + 1 } else { j };
    if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return match code {
            Some(0) => (Some('\u{FFFD}'.to_string()), consumed),
            Some(c) => {
                // Numeric references to 0x80..0x9F mean windows-1252 (HTML spec).
                let c = if (0x80..=0x9F).contains(&c) {
                    super::clean::decode_cp1252(&[c as u8]).chars().next().map(|c| c as u32).unwrap_or(c)
                } else {
                    c
                };
                (Some(char::from_u32(c).unwrap_or('\u{FFFD}').to_string()), consumed)
            }
            None => (None, 1),
        };
    }
    // Named references need their ';' except the few that browsers accept without.
    let named = named_entity(body);
    match named {
        Some(c) if has_semicolon || matches!(body, "amp" | "lt" | "gt" | "quot" | "nbsp") => (Some(c.to_string()), consumed),
        _ => (None, 1),
    }
}

/// Latin-1 named references, U+00A0 to U+00FF in order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
    "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34",
    "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave",
    "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute",
    "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave",
    "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml",
    "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
];

fn named_entity(name: &str) -> Option<char> {
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "ensp" | "emsp" | "thinsp" => ' ',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "bull" => '•',
        "hellip" => '…',
        "trade" => '™',
        "euro" => '€',
        "dagger" => '†',
        "Dagger" => '‡',
        "permil" => '‰',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "Scaron" => 'Š',
        "scaron" => 'š',
        "Yuml" => 'Ÿ',
        "fnof" => 'ƒ',
        "circ" => 'ˆ',
        "tilde" => '˜',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "hearts" => '♥',
        "check" => '✓',
        "star" => '☆',
        _ => {
            let pos = LATIN1.iter().position(|&n| n == name)?;
            char::from_u32(0xA0 + pos as u32)?
        }
    };
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::clean::{clean_text, Mode};

    fn text(html: &str) -> String {
        clean_text(&html_to_text(html), 1000, Mode::Preview)
    }

    #[test]
    fn blocks_do_not_glue_words() {
        assert_eq!(text("<p>Hello</p><p>World</p><div>a</div><div>b</div>x<br>y"), "Hello World a b x y");
        assert_eq!(text("<table><tr><td>one</td><td>two</td></tr></table>"), "one two");
        assert_eq!(text("<b>Hel</b>lo <a href='x'>link</a>!"), "Hello link!");
    }

    #[test]
    fn skips_head_script_style_comments() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                    <body><!-- hidden --><script>alert(1)</script><p>Visible</p></body></html>";
        assert_eq!(text(html), "Visible");
        // An unclosed <head> does not hide everything.
        assert_eq!(text("<head><meta charset=utf-8><p>Body text"), "Body text");
        // An unclosed comment ends the text.
        assert_eq!(text("before<!-- never closed"), "before");
        // "a<b" inside a script does not swallow the end tag.
        assert_eq!(text("<script>if (a<b) x();</script>after"), "after");
        assert_eq!(text("<style>a{}</STYLE >shown"), "shown");
    }

    #[test]
    fn entities() {
        assert_eq!(text("y&amp;z &lt;img&gt; caf&eacute; &#233;&#xE9; &euro;&nbsp;5"), "y&z <img> café éé € 5");
        assert_eq!(text("AT&T & co &bogus; &#99999999;"), "AT&T & co &bogus; \u{FFFD}");
        assert_eq!(text("&#150;"), "–");
    }

    #[test]
    fn tags_in_text_and_cut_tags() {
        assert_eq!(text("a < b and c > d"), "a < b and c > d");
        assert_eq!(text("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(text("text then <img src=\"cut"), "text then");
        assert_eq!(text("<p title='unterminated>never"), "");
    }

    /// Inputs that make a naive tag scanner quadratic (a scan to the end of the input for each
    /// of a million `<`). No timed assertion (a loaded machine makes any limit flaky, and the
    /// bench measures speed): a quadratic scanner takes hours here, which the test run's
    /// timeout turns into a failure; the outputs are checked for what they must be.
    #[test]
    fn linear_on_hostile_html() {
        let s = "<".repeat(1 << 20);
        assert_eq!(text(&s), "<".repeat(1000));
        let s = "<a ".repeat(300_000);
        let _ = text(&s);
        let s = "&".repeat(1 << 20);
        let _ = text(&s);
        let s = "<!--".repeat(300_000);
        let _ = text(&s);
        let s = "<script>".repeat(100_000);
        let _ = text(&s);
        let s = "<head>".repeat(100_000);
        let _ = text(&s);
        let s = format!("<style>{}</style>ok", "</styl".repeat(100_000));
        assert_eq!(text(&s), "ok");
    }
}
