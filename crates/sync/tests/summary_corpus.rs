//! Data-driven tests of `summary::summarize`.
//!
//! `tests/corpus/NAME.eml` is a raw message; `NAME.expect` next to it holds `key: value`
//! lines (`#` starts a comment). Each message goes through what the engine does: split at
//! the first blank line, keep the header fields the engine asks for (as the server's
//! `HEADER.FIELDS` does) in its two sections, the Subject cut at 8192 bytes and the others
//! at 16384, join them as the engine does, and cut the body to 4096 bytes. Keys:
//!
//! | key | meaning |
//! |---|---|
//! | `internal_date` | input: the INTERNALDATE passed (IMAP form, e.g. `17-Jul-1996 02:44:25 -0700`) |
//! | `subject`, `preview`, `from_display` | exact value |
//! | `from_name`, `from_addr`, `message_id` | exact value, `<none>` for None |
//! | `date` | RFC 3339, or `none` |
//! | `subject_starts`, `preview_starts` | prefix |
//! | `subject_contains`, `preview_contains`, `*_not_contains` | substring (repeatable) |
//!
//! Values may use `\u{XXXX}` and `\\`. `SUMMARY_CORPUS_DUMP=1` prints every summary. Every case also checks the general invariants (no
//! control or bidi characters, folded whitespace, length bounds) and a 2 s time bound.
//!
//! The hostile inputs too big to store are generated below, with two deterministic fuzz
//! loops (`SUMMARY_FUZZ_ITERS`, `SUMMARY_FUZZ_SEED` scale them up for a longer local run).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use mailbell_sync::summary::{parse_internal_date, summarize, Summary, MESSAGE_ID_CHARS, NAME_CHARS, PREVIEW_CHARS, SUBJECT_CHARS};

const SUBJECT_FIELDS: [&str; 1] = ["subject"];
const HEADER_FIELDS: [&str; 6] = ["from", "date", "message-id", "content-type", "content-transfer-encoding", "mime-version"];
const SUBJECT_LIMIT: usize = 8192;
const HEADER_LIMIT: usize = 16384;
const TEXT_LIMIT: usize = 4096;
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// Splits a raw message at the first blank line: (header including the blank line, body).
fn split_message(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 0;
    while pos < raw.len() {
        let line_end = raw[pos..].iter().position(|&b| b == b'\n').map(|p| pos + p + 1);
        let Some(end) = line_end else { break };
        let line = &raw[pos..end];
        if line == b"\n" || line == b"\r\n" {
            return (&raw[..end], &raw[end..]);
        }
        pos = end;
    }
    (raw, &[])
}

/// What `BODY.PEEK[HEADER.FIELDS (...)]` returns: the matching fields (with their
/// continuation lines) in message order, then a blank line.
fn header_fields(header: &[u8], fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            break;
        }
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            if keep {
                out.extend_from_slice(line);
            }
            continue;
        }
        keep = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let name = String::from_utf8_lossy(&line[..colon]).trim().to_ascii_lowercase();
                fields.contains(&name.as_str())
            }
            None => false,
        };
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The engine's two bounded fetches for a raw message.
fn engine_fetch(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (header, text) = split_message(raw);
    let header = if raw.is_empty() {
        Vec::new()
    } else {
        let mut subject = header_fields(header, &SUBJECT_FIELDS);
        subject.truncate(SUBJECT_LIMIT);
        let mut other = header_fields(header, &HEADER_FIELDS);
        other.truncate(HEADER_LIMIT);
        mailbell_sync::join_headers(&subject, &other)
    };
    let text = text[..text.len().min(TEXT_LIMIT)].to_vec();
    (header, text)
}

/// Runs `summarize` under the time bound and checks the invariants every summary keeps.
fn run(header: &[u8], text: &[u8], internal: Option<DateTime<FixedOffset>>) -> Summary {
    let start = Instant::now();
    let s = summarize(header, text, internal);
    let elapsed = start.elapsed();
    assert!(elapsed < TIME_LIMIT, "summarize took {elapsed:?}");
    if let Err(e) = check_invariants(&s) {
        panic!("invariant broken: {e}\n{s:#?}");
    }
    s
}

fn bad_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn check_text(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("{what} longer than {max} chars"));
    }
    if let Some(c) = s.chars().find(|&c| bad_char(c)) {
        return Err(format!("{what} contains {c:?}"));
    }
    if s.trim() != s || s.contains("  ") {
        return Err(format!("{what} whitespace not folded: {s:?}"));
    }
    Ok(())
}

fn check_invariants(s: &Summary) -> Result<(), String> {
    check_text("subject", &s.subject, SUBJECT_CHARS)?;
    check_text("preview", &s.preview, PREVIEW_CHARS)?;
    if let Some(n) = &s.from_name {
        check_text("from_name", n, NAME_CHARS)?;
        if n.is_empty() {
            return Err("from_name is Some(\"\")".into());
        }
    }
    if let Some(a) = &s.from_addr {
        check_text("from_addr", a, 320)?;
        if a.is_empty() {
            return Err("from_addr is Some(\"\")".into());
        }
    }
    if let Some(id) = &s.message_id {
        if id.is_empty() || id.chars().count() > MESSAGE_ID_CHARS {
            return Err(format!("bad message_id length {}", id.len()));
        }
        if id.chars().any(|c| c.is_whitespace() || bad_char(c)) || id.starts_with('<') {
            return Err(format!("bad message_id {id:?}"));
        }
    }
    if let Some(d) = s.date {
        use chrono::Datelike;
        // No internal date is passed by the generated cases, so any date is a header date.
        if !(1970..=2100).contains(&d.year()) {
            return Err(format!("absurd date {d}"));
        }
    }
    check_text("from_display", &s.from_display(), NAME_CHARS + 320 + 3)?;
    Ok(())
}

fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(p) = rest.find('\\') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        if let Some(hex) = after.strip_prefix("u{").and_then(|h| h.split_once('}')) {
            let c = u32::from_str_radix(hex.0, 16).ok().and_then(char::from_u32);
            out.push(c.unwrap_or_else(|| panic!("bad escape in {v:?}")));
            rest = hex.1;
        } else if let Some(r) = after.strip_prefix('\\') {
            out.push('\\');
            rest = r;
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn opt(v: &str) -> Option<String> {
    (v != "<none>").then(|| v.to_owned())
}

/// Checks one corpus case; returns the list of mismatches.
fn check_case(eml: &Path) -> Vec<String> {
    let raw = std::fs::read(eml).unwrap();
    let expect_path = eml.with_extension("expect");
    let expect = std::fs::read_to_string(&expect_path).unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut internal = None;
    for (n, line) in expect.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(':').unwrap_or_else(|| panic!("{}:{}: no ':'", expect_path.display(), n + 1));
        let value = unescape(value.strip_prefix(' ').unwrap_or(value));
        if key == "internal_date" {
            internal = Some(parse_internal_date(&value).unwrap_or_else(|| panic!("{}: bad internal_date", expect_path.display())));
        } else {
            entries.push((key.to_owned(), value));
        }
    }
    assert!(!entries.is_empty(), "{}: no expectations", expect_path.display());

    let (header, text) = engine_fetch(&raw);
    let s = run(&header, &text, internal);
    if std::env::var_os("SUMMARY_CORPUS_DUMP").is_some() {
        eprintln!("{}: {s:#?}", eml.display());
    }
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(what);
    for (key, want) in &entries {
        let ok = match key.as_str() {
            "subject" => s.subject == *want,
            "subject_starts" => s.subject.starts_with(want.as_str()),
            "subject_contains" => s.subject.contains(want.as_str()),
            "subject_not_contains" => !s.subject.contains(want.as_str()),
            "preview" => s.preview == *want,
            "preview_starts" => s.preview.starts_with(want.as_str()),
            "preview_contains" => s.preview.contains(want.as_str()),
            "preview_not_contains" => !s.preview.contains(want.as_str()),
            "from_name" => s.from_name == opt(want),
            "from_addr" => s.from_addr == opt(want),
            "from_display" => s.from_display() == *want,
            "message_id" => s.message_id == opt(want),
            "date" => match want.as_str() {
                "none" => s.date.is_none(),
                d => {
                    s.date
                        == Some(
                            DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("{}: bad date {d:?}: {e}", expect_path.display())),
                        )
                }
            },
            other => panic!("{}: unknown key {other:?}", expect_path.display()),
        };
        if !ok {
            fail(format!("{key}: expected {want:?}\n      got {s:?}"));
        }
    }
    failures
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

#[test]
fn corpus() {
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(corpus_dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "eml")).collect();
    cases.sort();
    assert!(cases.len() >= 20, "corpus has only {} cases", cases.len());
    let mut report = String::new();
    for eml in &cases {
        let failures = check_case(eml);
        let name = eml.file_stem().unwrap().to_string_lossy();
        if !failures.is_empty() {
            report.push_str(&format!("{name}:\n"));
            for f in failures {
                report.push_str(&format!("  {f}\n"));
            }
        }
    }
    // Every .expect has its .eml.
    for e in std::fs::read_dir(corpus_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "expect") {
            assert!(p.with_extension("eml").exists(), "{} has no .eml", p.display());
        }
    }
    assert!(report.is_empty(), "corpus failures:\n{report}");
}

// ---- Generated hostile inputs -----------------------------------------------------------

/// Runs a raw message through the engine's bounds, and also unbounded (summarize has its
/// own caps), both under the time limit and the invariants.
fn both_ways(raw: &[u8]) -> (Summary, Summary) {
    let (header, text) = engine_fetch(raw);
    let bounded = run(&header, &text, None);
    let (h, t) = split_message(raw);
    let unbounded = run(h, t, None);
    (bounded, unbounded)
}

#[test]
fn hostile_1mb_subject_line() {
    let mut raw = b"From: a@example.com\r\nSubject: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend_from_slice(b"\r\nDate: Mon, 6 Jan 2025 12:00:00 +0000\r\n\r\nbody\r\n");
    let (bounded, unbounded) = both_ways(&raw);
    // The Subject is cut by its 8 KiB section; what arrived is kept, bounded.
    assert_eq!(bounded.subject, "a".repeat(SUBJECT_CHARS));
    assert_eq!(bounded.from_addr.as_deref(), Some("a@example.com"));
    // The Date after it comes in the other section, untouched by the huge Subject.
    assert!(bounded.date.is_some());
    assert_eq!(bounded.preview, "body");
    assert_eq!(unbounded.subject, "a".repeat(SUBJECT_CHARS));
}

#[test]
fn hostile_1mb_from_line_and_encoded_words() {
    let mut raw = b"Subject: ok\r\nFrom: ".to_vec();
    raw.extend(std::iter::repeat_n(b"=?utf-8?q?x?= ".as_slice(), 80_000).flatten());
    raw.extend_from_slice(b"<a@example.com>\r\n\r\nbody\r\n");
    let (bounded, unbounded) = both_ways(&raw);
    assert_eq!(bounded.subject, "ok");
    // The From line was cut: dropped rather than half-parsed.
    assert_eq!((bounded.from_name, bounded.from_addr), (None, None));
    assert_eq!(unbounded.subject, "ok");

    // Hundreds of thousands of encoded words in a Subject.
    let mut raw = b"Subject: ".to_vec();
    raw.extend(std::iter::repeat_n(b"=?utf-8?b?w6k=?=\r\n ".as_slice(), 100_000).flatten());
    raw.extend_from_slice(b"end\r\n\r\n");
    let (bounded, unbounded) = both_ways(&raw);
    assert!(bounded.subject.starts_with("éééé"), "{}", bounded.subject);
    // One character per encoded word: its 8 KiB section holds ~400 of them.
    assert!((300..=SUBJECT_CHARS).contains(&bounded.subject.chars().count()), "{}", bounded.subject.chars().count());
    assert!(unbounded.subject.starts_with("éééé"));

    // Encoded-word lookalikes everywhere.
    let mut raw = b"Subject: ".to_vec();
    raw.extend(std::iter::repeat_n(b"=?=?a?q?=?".as_slice(), 100_000).flatten());
    raw.extend_from_slice(b"\r\n\r\n");
    both_ways(&raw);
}

#[test]
fn hostile_nested_multipart_100_deep() {
    let mut raw = b"Subject: nest\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n".to_vec();
    for i in 1..=100 {
        raw.extend_from_slice(format!("--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n", i - 1).as_bytes());
    }
    raw.extend_from_slice(b"--b100\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n");
    for i in (0..=100).rev() {
        raw.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    let (bounded, unbounded) = both_ways(&raw);
    assert_eq!(bounded.subject, "nest");
    // The text part lies beyond the first 4 KiB: no preview, but no failure either.
    assert_eq!(bounded.preview, "");
    // Given the whole thing, the text 100 levels down is found.
    assert_eq!(unbounded.preview, "deep text");

    // Same boundary at every level, and 2000 levels.
    let mut raw = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n".to_vec();
    for _ in 0..2000 {
        raw.extend_from_slice(b"--b\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
    }
    raw.extend_from_slice(b"--b\r\n\r\ntext\r\n");
    both_ways(&raw);

    // message/rfc822 nested as deep as 16 KiB allows.
    let mut raw = Vec::new();
    for _ in 0..2000 {
        raw.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
    }
    raw.extend_from_slice(b"Subject: inner\r\n\r\ninner body");
    both_ways(&raw);
}

#[test]
fn hostile_20mb_body() {
    let mut raw = b"Subject: big\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b"0123456789 ".as_slice(), 20 * 1024 * 1024 / 11).flatten());
    let (bounded, unbounded) = both_ways(&raw);
    assert_eq!(bounded.subject, "big");
    assert!(bounded.preview.starts_with("0123456789 0123456789"));
    assert!(bounded.preview.chars().count() <= PREVIEW_CHARS);
    assert_eq!(unbounded.preview, bounded.preview);

    // 20 MB of a single base64 line, and of HTML markup.
    let mut raw = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b"QUJD".as_slice(), 5 * 1024 * 1024).flatten());
    let (bounded, _) = both_ways(&raw);
    assert!(bounded.preview.starts_with("ABCABC"));
    let mut raw = b"Content-Type: text/html\r\n\r\n".to_vec();
    raw.extend(std::iter::repeat_n(b"<<a <!-- &#".as_slice(), 2 * 1024 * 1024).flatten());
    both_ways(&raw);
}

#[test]
fn hostile_many_parts_and_headers() {
    let mut raw = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n".to_vec();
    for _ in 0..100_000 {
        raw.extend_from_slice(b"--b\r\nContent-Type: text/plain\r\n\r\n\r\n");
    }
    both_ways(&raw);

    let mut raw = Vec::new();
    for i in 0..50_000 {
        raw.extend_from_slice(format!("Subject: s{i}\r\nFrom: f{i}@x\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\nbody");
    let (bounded, _) = both_ways(&raw);
    assert_eq!(bounded.subject, "s0");
    assert_eq!(bounded.from_addr.as_deref(), Some("f0@x"));
}

/// Deterministic pseudo-random bytes.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs `f` and fails if anything panicked on this thread meanwhile, even if caught.
/// summarize() catches panics, but the only ones expected are mail-parser's own
/// `debug_assert!`s (debug builds only), which it reaches on some malformed MIME; those are
/// counted and reported, not failed.
fn no_caught_panics(f: impl FnOnce()) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let this_thread = std::thread::current().id();
    let ours = Arc::new(AtomicUsize::new(0));
    let parser = Arc::new(AtomicUsize::new(0));
    let previous_hook = std::panic::take_hook();
    {
        let (ours, parser) = (ours.clone(), parser.clone());
        std::panic::set_hook(Box::new(move |info| {
            let in_parser = info.location().is_some_and(|l| l.file().contains("mail-parser"));
            if std::thread::current().id() == this_thread {
                if in_parser {
                    parser.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                ours.fetch_add(1, Ordering::SeqCst);
            }
            eprintln!("panic: {info}");
        }));
    }
    f();
    let _ = std::panic::take_hook();
    std::panic::set_hook(previous_hook);
    let parser = parser.load(Ordering::SeqCst);
    if parser > 0 {
        eprintln!("note: {parser} mail-parser debug assertion(s) caught by summarize()");
    }
    assert_eq!(ours.load(Ordering::SeqCst), 0, "panics were raised (and caught)");
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn hostile_random_mixtures_never_panic() {
    let fragments: &[&[u8]] = &[
        b"Subject: ",
        b"From: ",
        b"Date: ",
        b"Content-Type: multipart/mixed; boundary=\"q\"\r\n",
        b"Content-Type: text/html; charset=iso-2022-jp\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"\r\n",
        b"\n",
        b"\r\n\r\n",
        b"--q\r\n",
        b"--q--\r\n",
        b"=?utf-8?b?",
        b"=?x?q?=E9",
        b"?=",
        b"<a@b>",
        b"\"quoted",
        b"(comment",
        b"<p>",
        b"&amp",
        b"<!--",
        b"\x00",
        b"\xff\xfe",
        b"\xc3",
        b"\x1b$B",
        "\u{202E}".as_bytes(),
        b"=\r\n",
        b"=E",
        b" ",
        b"\t",
        b"Thu, 30 Feb 2020 25:00:00 +9999",
    ];
    let iterations = env_number("SUMMARY_FUZZ_ITERS", 3000) as usize;
    let mut rng = Lcg(env_number("SUMMARY_FUZZ_SEED", 0x5eed));
    let start = Instant::now();
    no_caught_panics(|| {
        for _ in 0..iterations {
            let mut raw = Vec::new();
            for _ in 0..rng.below(60) {
                if rng.below(4) == 0 {
                    raw.push(rng.next() as u8);
                } else {
                    raw.extend_from_slice(fragments[rng.below(fragments.len())]);
                }
            }
            let (h, t) = engine_fetch(&raw);
            run(&h, &t, None);
            // Also with arbitrary split points, as a cut fetch could produce.
            let cut = rng.below(raw.len() + 1);
            run(&raw[..cut], &raw[cut..], None);
        }
    });
    println!("{iterations} random fetches in {:?}", start.elapsed());
}

#[test]
fn hostile_mutated_corpus_never_panics() {
    let mut rng = Lcg(env_number("SUMMARY_FUZZ_SEED", 0x5eed) ^ 0xc0ffee);
    let rounds = env_number("SUMMARY_FUZZ_ITERS", 3000) as usize / 10;
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    files.sort();
    no_caught_panics(|| {
        for original in &files {
            for _ in 0..rounds {
                let mut m = original.clone();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(m.len() + 1);
                    match rng.below(5) {
                        0 if at < m.len() => m[at] = rng.next() as u8,
                        1 => m.insert(at, rng.next() as u8),
                        2 => {
                            let end = (at + rng.below(64)).min(m.len());
                            m.drain(at..end);
                        }
                        3 => {
                            // Duplicate a slice (repeated boundaries, headers, words).
                            let end = (at + rng.below(200)).min(m.len());
                            let dup = m[at..end].to_vec();
                            m.splice(at..at, dup);
                        }
                        _ => m.truncate(at),
                    }
                }
                let (h, t) = engine_fetch(&m);
                run(&h, &t, None);
            }
        }
    });
}
