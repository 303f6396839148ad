//! Hostile mail through the whole pipeline: delivered to a real Dovecot, fetched by the real
//! CLI, announced as events and listed by `messages --json`. The engine's own corpus
//! (crates/sync/tests/corpus/*.eml) plus cases generated here: script and markup in subjects and
//! names, RFC 2047 abuse, broken MIME boundaries, multiparts nested 100 and 1,000 deep, 1 MB
//! header lines, NUL bytes, invalid UTF-8, bogus charsets, missing and absurd dates, terminal
//! escapes, and hostile folder names.
//!
//! Each message must yield exactly one event and one row with a clean summary (bounded, no
//! control or bidi-override characters, a valid date), the folder must stay ok, and mail after
//! them must flow as usual. Markup stays literal text: rendering it safely is the app's job.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_e2e::cli::run_cli;
use mailbell_e2e::MessageBuilder;
use serde_json::Value;

const SUBJECT_CHARS: usize = 500;
const PREVIEW_CHARS: usize = 200;
const FROM_CHARS: usize = 256 + 320 + 3;

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/sync/tests/corpus")
}

fn raw_header_msg(headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn nested_multipart(depth: usize) -> Vec<u8> {
    let mut out = b"From: Deep <deep@example.org>\r\nSubject: nested multipart\r\nMIME-Version: 1.0\r\n".to_vec();
    for d in 0..depth {
        out.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n--b{d}\r\n").as_bytes());
    }
    out.extend_from_slice(b"Content-Type: text/plain\r\n\r\nthe innermost text\r\n");
    for d in (0..depth).rev() {
        out.extend_from_slice(format!("--b{d}--\r\n").as_bytes());
    }
    out
}

/// The generated hostile cases: (name, raw message, what the summary must show).
fn generated() -> Vec<(String, Vec<u8>, Expect)> {
    let mut v: Vec<(String, Vec<u8>, Expect)> = Vec::new();
    let mut add = |name: &str, raw: Vec<u8>, expect: Expect| v.push((name.to_string(), raw, expect));

    add(
        "markup in subject, name and body",
        MessageBuilder::new()
            .from("\"<script>alert('from')</script>\" <evil@example.org>")
            .subject("<img src=x onerror=alert(1)><script>alert(document.cookie)</script>")
            .text("<b>bold</b> <a href=\"javascript:alert(1)\">click</a>")
            .build(),
        Expect::subject("<img src=x onerror=alert(1)><script>alert(document.cookie)</script>").preview_starts("<b>bold</b>"),
    );
    add(
        "html-only body with script and event handlers",
        raw_header_msg(
            &[("From", b"a@example.org"), ("Subject", b"html only"), ("Content-Type", b"text/html; charset=utf-8")],
            b"<html><head><script>alert(1)</script><style>p{}</style></head><body onload=alert(2)><p>Hello <img src=x onerror=alert(3)>world</p></body></html>\r\n",
        ),
        Expect::subject("html only").preview_not_contains("alert"),
    );
    add(
        "utf-7 charset smuggling markup",
        raw_header_msg(
            &[
                ("From", b"a@example.org"),
                ("Subject", b"=?utf-7?Q?+ADw-script+AD4-alert(1)+ADw-/script+AD4-?="),
                ("Content-Type", b"text/plain; charset=utf-7"),
            ],
            b"+ADw-script+AD4-alert(1)+ADw-/script+AD4-\r\n",
        ),
        Expect::any(),
    );
    add(
        "encoded CRLF and NUL inside an encoded word",
        raw_header_msg(
            &[("From", b"=?utf-8?Q?Eve=0D=0ABcc:_all@example.org?= <eve@example.org>"), ("Subject", b"=?utf-8?Q?line1=0D=0Aline2=00end?=")],
            b"x\r\n",
        ),
        Expect::subject_contains("line1"),
    );
    add(
        "encoded terminal escapes and bidi overrides",
        raw_header_msg(
            &[
                ("From", b"=?utf-8?B?G1szMW1SZWQbWzBt?= <esc@example.org>"),
                ("Subject", b"=?utf-8?Q?=1B]0;pwned=07=1B[2J_cleared_=E2=80=AEgnp.exe?="),
            ],
            b"\x1b[31mred\x1b[0m body\r\n",
        ),
        Expect::subject_contains("cleared"),
    );
    add(
        "raw terminal escapes in the subject",
        raw_header_msg(&[("From", b"raw@example.org"), ("Subject", b"\x1b[2J\x1b[Hfake prompt $ \x07\x08\x7f")], b"x\r\n"),
        Expect::subject_contains("fake prompt"),
    );
    add(
        "invalid base64 and unknown charsets in encoded words",
        raw_header_msg(
            &[
                ("From", b"=?x-unknown?Q?N=E4me?= <n@example.org>"),
                ("Subject", b"=?utf-8?B?!!!not base64***?= =?bogus-charset-\"quoted\"?Q?abc?= =?utf-8?X?bad-encoding?="),
            ],
            b"x\r\n",
        ),
        Expect::any(),
    );
    let many_words: Vec<u8> = (0..5000)
        .flat_map(|i| format!("=?utf-8?B?{}?= ", mailbell_e2e::mailgen::base64(format!("w{i}").as_bytes())).into_bytes())
        .collect();
    add(
        "5000 encoded words",
        raw_header_msg(&[("From", b"w@example.org"), ("Subject", &many_words)], b"x\r\n"),
        Expect::subject_starts("w0"),
    );
    add(
        "nested encoded words",
        raw_header_msg(&[("From", b"n@example.org"), ("Subject", b"=?utf-8?Q?=3D=3Futf-8=3FB=3FPHNjcmlwdD4=3D=3F=3D?=")], b"x\r\n"),
        Expect::any(),
    );
    add(
        "boundary never closed and never opened",
        raw_header_msg(
            &[("From", b"b@example.org"), ("Subject", b"broken boundaries"), ("MIME-Version", b"1.0"), ("Content-Type", b"multipart/alternative; boundary=\"declared\"")],
            b"--other\r\nContent-Type: text/plain\r\n\r\ntext under the wrong boundary\r\n--other\r\nContent-Type: text/html\r\n\r\n<p>never closed",
        ),
        Expect::subject("broken boundaries"),
    );
    let long_boundary = "b".repeat(10_000);
    add(
        "a 10 kB boundary",
        raw_header_msg(
            &[
                ("From", b"b@example.org"),
                ("Subject", b"long boundary"),
                ("Content-Type", format!("multipart/mixed; boundary=\"{long_boundary}\"").as_bytes()),
            ],
            format!("--{long_boundary}\r\nContent-Type: text/plain\r\n\r\nfound it\r\n--{long_boundary}--\r\n").as_bytes(),
        ),
        Expect::subject("long boundary"),
    );
    add("multipart nested 100 deep", nested_multipart(100), Expect::subject("nested multipart"));
    add("multipart nested 1000 deep", nested_multipart(1000), Expect::subject("nested multipart"));
    let mut mb_subject = b"S".to_vec();
    mb_subject.extend(std::iter::repeat_n(b'x', 1 << 20));
    add(
        "a 1 MB subject line",
        raw_header_msg(&[("From", b"l@example.org"), ("Subject", &mb_subject)], b"x\r\n"),
        Expect::subject_starts("Sxxx"),
    );
    let mut mb_from = b"\"".to_vec();
    mb_from.extend(std::iter::repeat_n(b'N', 1 << 20));
    mb_from.extend_from_slice(b"\" <long@example.org>");
    // Header fields come in message order: the Subject has its own section, so a huge From
    // before it cannot crowd it out of the 16 KiB budget.
    add("a 1 MB From line", raw_header_msg(&[("From", &mb_from), ("Subject", b"long from")], b"x\r\n"), Expect::subject("long from"));
    let mut mb_junk = Vec::new();
    mb_junk.extend(std::iter::repeat_n(b'j', 1 << 20));
    add(
        "a 1 MB unrelated header before the Subject",
        raw_header_msg(&[("X-Junk", &mb_junk), ("From", b"j@example.org"), ("Subject", b"after the junk")], b"x\r\n"),
        Expect::subject("after the junk"),
    );
    let many_addrs: Vec<u8> = (0..10_000).map(|i| format!("u{i}@example.org")).collect::<Vec<_>>().join(", ").into_bytes();
    add(
        "10,000 senders",
        raw_header_msg(&[("From", &many_addrs), ("Subject", b"many senders")], b"x\r\n"),
        Expect::subject("many senders"),
    );
    add(
        "10,000 senders after the Subject",
        raw_header_msg(&[("Subject", b"many senders, subject first"), ("From", &many_addrs)], b"x\r\n"),
        Expect::subject("many senders, subject first"),
    );
    add(
        "NUL bytes in headers and body",
        raw_header_msg(&[("From", b"nul\x00@example.org"), ("Subject", b"nul\x00in\x00subject")], b"body\x00with\x00nuls\r\n"),
        Expect::subject_contains("nul"),
    );
    add(
        "invalid UTF-8 everywhere",
        raw_header_msg(
            &[
                ("From", b"\xff\xfe Bad <bad@example.org>"),
                ("Subject", b"bad \xc3\x28 \xa0\xa1 \xe2\x82 utf8 \xf0\x28\x8c\xbc"),
                ("Content-Type", b"text/plain; charset=utf-8"),
            ],
            b"body \xc0\xaf \xed\xa0\x80 overlong and surrogate\r\n",
        ),
        Expect::subject_contains("utf8"),
    );
    add(
        "bogus charset parameter",
        raw_header_msg(
            &[("From", b"c@example.org"), ("Subject", b"bogus charset"), ("Content-Type", b"text/plain; charset=\"x-evil\\\"; rm -rf /\"")],
            b"caf\xe9\r\n",
        ),
        Expect::subject("bogus charset"),
    );
    add(
        "base64 body that is not base64",
        raw_header_msg(
            &[("From", b"c@example.org"), ("Subject", b"garbage base64"), ("Content-Transfer-Encoding", b"base64")],
            b"!!!! ==== ****\r\n\x00\x01\x02\r\n",
        ),
        Expect::subject("garbage base64"),
    );
    add("no Date at all", MessageBuilder::new().subject("no date").no_date().build(), Expect::subject("no date"));
    for (name, date) in [
        ("year 99999", "Mon, 01 Jan 99999 00:00:00 +0000"),
        ("year 0", "Mon, 01 Jan 0000 00:00:00 +0000"),
        ("zone +9999", "Thu, 01 Jan 2026 00:00:00 +9999"),
        ("30 February", "Mon, 30 Feb 2026 10:00:00 +0000"),
        ("words", "yesterday, around lunch"),
        ("1 MB of date", &"9".repeat(1 << 20)),
        ("epoch minus one", "Wed, 31 Dec 1969 23:59:59 +0000"),
    ] {
        add(
            &format!("absurd date: {name}"),
            MessageBuilder::new().subject(&format!("date {name}")).date(date).build(),
            Expect::subject(&format!("date {name}")),
        );
    }
    add(
        "a 100 kB Message-ID with spaces and NUL",
        MessageBuilder::new().subject("long message id").message_id(&format!("<{} \x00>", "i".repeat(100_000))).build(),
        Expect::subject("long message id"),
    );
    add("no header at all", b"\r\njust a body\r\n".to_vec(), Expect::any());
    add("no blank line, no body", b"Subject: header only".to_vec(), Expect::any());
    add("a single byte", b"x".to_vec(), Expect::any());
    v
}

/// What a case must show beyond the general invariants.
#[derive(Debug, Clone, Default)]
struct Expect {
    subject: Option<String>,
    subject_starts: Option<String>,
    subject_contains: Option<String>,
    preview_starts: Option<String>,
    preview_not_contains: Option<String>,
}

impl Expect {
    fn any() -> Expect {
        Expect::default()
    }
    fn subject(s: &str) -> Expect {
        Expect { subject: Some(s.into()), ..Expect::default() }
    }
    fn subject_starts(s: &str) -> Expect {
        Expect { subject_starts: Some(s.into()), ..Expect::default() }
    }
    fn subject_contains(s: &str) -> Expect {
        Expect { subject_contains: Some(s.into()), ..Expect::default() }
    }
    fn preview_starts(mut self, s: &str) -> Expect {
        self.preview_starts = Some(s.into());
        self
    }
    fn preview_not_contains(mut self, s: &str) -> Expect {
        self.preview_not_contains = Some(s.into());
        self
    }

    fn check(&self, e: &Value) -> Result<(), String> {
        let subject = e["subject"].as_str().unwrap_or("");
        let preview = e["preview"].as_str().unwrap_or("");
        if let Some(s) = &self.subject {
            if subject != s {
                return Err(format!("subject {subject:?}, expected {s:?}"));
            }
        }
        if let Some(s) = &self.subject_starts {
            if !subject.starts_with(s.as_str()) {
                return Err(format!("subject {:?} does not start with {s:?}", truncate(subject)));
            }
        }
        if let Some(s) = &self.subject_contains {
            if !subject.contains(s.as_str()) {
                return Err(format!("subject {:?} does not contain {s:?}", truncate(subject)));
            }
        }
        if let Some(s) = &self.preview_starts {
            if !preview.starts_with(s.as_str()) {
                return Err(format!("preview {preview:?} does not start with {s:?}"));
            }
        }
        if let Some(s) = &self.preview_not_contains {
            if preview.contains(s.as_str()) {
                return Err(format!("preview {preview:?} contains {s:?}"));
            }
        }
        Ok(())
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

fn bad_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The invariants every announced summary keeps, whatever the input.
fn check_invariants(e: &Value) -> Result<(), String> {
    for (field, max) in [("subject", SUBJECT_CHARS), ("preview", PREVIEW_CHARS), ("from", FROM_CHARS)] {
        let Some(s) = e[field].as_str() else {
            return Err(format!("{field} is not a string"));
        };
        if s.chars().count() > max {
            return Err(format!("{field} is {} chars, more than {max}", s.chars().count()));
        }
        if let Some(c) = s.chars().find(|&c| bad_char(c)) {
            return Err(format!("{field} contains {c:?}: {:?}", truncate(s)));
        }
    }
    let date = e["date"].as_str().unwrap_or("");
    let parsed = chrono::DateTime::parse_from_rfc3339(date).map_err(|err| format!("date {date:?}: {err}"))?;
    use chrono::Datelike;
    if !(1970..=2100).contains(&parsed.year()) {
        return Err(format!("absurd date {date}"));
    }
    Ok(())
}

#[test]
fn hostile_mail_gets_a_clean_summary_and_never_sticks_the_pipeline() {
    let env = Env::start();
    let json_account = env.add_alice();
    // Dovecot creates alice's INBOX (its uidlist and indexes) at the first session that opens
    // it. Two sessions doing that at once on a fresh Maildir can each make their own
    // UIDVALIDITY, and one of them is then disconnected or left with the other's: a race of
    // the test server's first use, not of the mail. One account's sync creates it first.
    env.sync().assert_ok();
    // A second account on the same mailbox, synced with the human-readable output.
    let text_account = env.add_alice();
    env.sync().assert_ok();

    let mut cases: Vec<(String, Vec<u8>, Expect)> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir()).expect("corpus").flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files.iter().filter(|p| p.extension().is_some_and(|x| x == "eml")) {
        let raw = std::fs::read(path).expect("read corpus file");
        cases.push((format!("corpus {}", path.file_name().unwrap_or_default().to_string_lossy()), raw, Expect::any()));
    }
    let corpus_cases = cases.len();
    cases.extend(generated());

    let mut by_uid: BTreeMap<u64, usize> = BTreeMap::new();
    let mut refused = Vec::new();
    for (i, (name, raw, _)) in cases.iter().enumerate() {
        match env.dovecot.append(ALICE, "INBOX", raw, &[]) {
            Ok(uid) => {
                by_uid.insert(u64::from(uid), i);
            }
            Err(err) => refused.push(format!("{name}: {err:#}")),
        }
    }
    assert!(refused.is_empty(), "Dovecot refused some test mail (a harness problem): {refused:#?}");
    env.append("INBOX", "a normal one after them");

    let t = Instant::now();
    let run =
        run_cli(env.data_dir(), &["sync", "--once", "--json", "--account", &json_account], &[], Duration::from_secs(120)).expect("sync");
    let took = t.elapsed();
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert!(run.partial.is_none());
    let events = run.new_messages();
    let mut problems = Vec::new();
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for e in &events {
        let uid = e["uid"].as_u64().unwrap_or(0);
        *seen.entry(uid).or_default() += 1;
        if let Err(err) = check_invariants(e) {
            problems.push(format!("uid {uid}: {err}"));
        }
        if let Some(&i) = by_uid.get(&uid) {
            let (name, _, expect) = &cases[i];
            if let Err(err) = expect.check(e) {
                problems.push(format!("{name}: {err}"));
            }
        }
    }
    for (uid, i) in &by_uid {
        match seen.get(uid) {
            Some(1) => {}
            n => problems.push(format!("{}: announced {n:?} times, expected once", cases[*i].0)),
        }
    }
    assert!(events.iter().any(|e| e["subject"] == "a normal one after them"), "mail after the hostile ones flows");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    let inbox = env.status().into_iter().find(|f| f["folder"] == "INBOX" && f["account"] == json_account.as_str()).expect("INBOX row");
    assert_eq!(inbox["state"], "ok", "{inbox}");

    // The list has them too, with the same fields.
    let listed: Vec<Value> = env.messages().into_iter().filter(|m| m["account"] == json_account.as_str()).collect();
    assert_eq!(listed.len(), by_uid.len() + 1, "one row each");
    for m in &listed {
        check_invariants(m).unwrap_or_else(|err| panic!("listed row {}: {err}", m["uid"]));
    }

    // The human-readable output of the same mail: one line per message, no terminal control.
    let text = run_cli(env.data_dir(), &["sync", "--once", "--account", &text_account], &[], Duration::from_secs(120)).expect("sync");
    assert_eq!(text.status.code(), Some(0), "{}", text.stderr);
    let lines: Vec<&String> = text.lines.iter().filter(|l| l.starts_with("new ")).collect();
    assert_eq!(lines.len(), by_uid.len() + 1, "one line per message:\n{}", text.lines.join("\n"));
    for l in &text.lines {
        assert!(!l.chars().any(bad_char), "control character in the printed line {:?}", truncate(l));
    }
    eprintln!(
        "{} hostile messages ({corpus_cases} from the engine's corpus, {} generated) announced once each with clean summaries; \
         the pass took {took:?}, peak RSS {} KiB",
        by_uid.len(),
        by_uid.len() - corpus_cases,
        run.max_rss_kib
    );
}

/// Creates the folders, baselines, delivers one message to each and checks that one pass
/// announces each, under its exact decoded name, with no folder in error.
fn folders_round_trip(names: &[&str]) {
    let env = Env::start();
    for n in names {
        env.dovecot.create_folder(ALICE, n).unwrap_or_else(|e| panic!("Dovecot refused {n:?}: {e:#}"));
    }
    env.add_alice();
    let first = env.sync();
    let mut expected = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let s = format!("mail in hostile folder {i}");
        env.append(n, &s);
        expected.push((n.to_string(), s));
    }
    let out = env.sync();
    let mut got: Vec<(String, String)> = out
        .new_messages()
        .iter()
        .map(|e| (e["folder"].as_str().unwrap_or("").to_string(), e["subject"].as_str().unwrap_or("").to_string()))
        .collect();
    got.sort();
    expected.sort();
    let errors: Vec<String> =
        env.status().iter().filter(|f| f["state"] == "error").map(|f| format!("{}: {}", f["folder"], f["last_error"])).collect();
    assert!(errors.is_empty(), "folders in error: {errors:#?}");
    first.assert_ok();
    out.assert_ok();
    assert_eq!(got, expected, "every folder synced, its name decoded exactly");
}

#[test]
fn hostile_folder_names_are_synced_and_reported_decoded() {
    folders_round_trip(&[
        "Tom & Jerry",
        "&-not-utf7",
        "&AGEAYgBj-",
        "日本語/メール",
        "<script>alert(1)</script>",
        "Ünïcödé  two  spaces",
        "emoji 📬",
        "trailing dot.",
        " leading space",
        "percent % and star *",
        "{5}literal-looking",
    ]);
}

/// IMAP quoted strings escape `"` and `\` with a backslash; LIST answers such names quoted.
/// The name must be unescaped once when read and escaped once when sent back (EXAMINE).
#[test]
fn folder_names_with_quotes_and_backslashes_are_synced() {
    folders_round_trip(&["Work \"quoted\"", "back\\slash"]);
}
