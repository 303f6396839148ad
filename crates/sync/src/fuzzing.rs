//! Entry points for the fuzz targets in `fuzz/` and for replaying their corpus in the tests.
//! Not API: hidden from the docs, free to change. Each entry point panics when the engine
//! breaks one of its promises on the input (a panic, a hang past the timeouts, a summary that
//! is not clean), which is what a fuzzer reports.
//!
//! The protocol entry points run the engine's real client code (pre-login dialogue, LOGIN,
//! the sync pass with LIST / STATUS / EXAMINE / FETCH and a real in-memory store, the live
//! connection test, autoconfig discovery over HTTP) against a scripted server on a loopback
//! socket: the fuzz input is what the server says. Script format:
//!
//! - byte 0 selects the client: see [`Client`];
//! - the rest is split at [`SEPARATOR`] into chunks: the first is the greeting, sent at once;
//!   each next chunk answers the next line the client sends (or, when the client sends nothing
//!   because it waits for more, is sent anyway after [`IDLE_WAIT`]);
//! - `$T` in a chunk is replaced by the tag of the client's last command.
//!
//! When the chunks run out the server closes the connection. Run the dialogue on a runtime
//! whose clock is paused (`start_paused`), so that waiting costs no real time and the
//! interleaving does not depend on the machine's speed.

// A fuzz harness reports a broken promise by panicking: expect() is its way of saying so.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::events::Event;
use crate::imap::{self, ServerConfig, Timeouts};
use crate::model::{NewAccount, Security};
use crate::store::Store;
use crate::summary::{self, Summary};
use crate::sync::{run_pass, SyncOptions};

/// Separates the server's chunks in a script.
pub const SEPARATOR: &[u8] = b"<<>>";
/// How long the scripted server waits for the client's next line before it speaks anyway.
pub const IDLE_WAIT: Duration = Duration::from_millis(20);
/// The client's timeouts in a dialogue.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// Inputs are cut here: a longer script only slows the fuzzer down.
pub const MAX_SCRIPT: usize = 256 * 1024;

/// Which engine code talks to the scripted server (byte 0 of a script, modulo 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The pre-login dialogue on a plain connection (greeting, CAPABILITY).
    OpenPlain,
    /// The pre-login dialogue with STARTTLS: after an OK the client starts TLS, which the
    /// script cannot finish, so this covers everything up to the handshake.
    OpenStarttls,
    /// LOGIN, then two sync passes with an in-memory store (baseline, then changes).
    SyncPass,
    /// The live connection test of the setup wizard (plain).
    LiveTest,
    /// Discovery from an autoconfig document: the script is the HTTP server's answer (status
    /// line, headers, the XML).
    Autoconfig,
}

impl Client {
    pub fn from_byte(b: u8) -> Client {
        match b % 5 {
            0 => Client::OpenPlain,
            1 => Client::OpenStarttls,
            2 => Client::SyncPass,
            3 => Client::LiveTest,
            _ => Client::Autoconfig,
        }
    }
}

/// Splits a script into (client, chunks).
pub fn parse_script(data: &[u8]) -> (Client, Vec<Vec<u8>>) {
    let data = &data[..data.len().min(MAX_SCRIPT)];
    let Some((&first, rest)) = data.split_first() else {
        return (Client::OpenPlain, Vec::new());
    };
    let mut chunks = Vec::new();
    let mut rest = rest;
    while let Some(pos) = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        chunks.push(rest[..pos].to_vec());
        rest = &rest[pos + SEPARATOR.len()..];
    }
    chunks.push(rest.to_vec());
    (Client::from_byte(first), chunks)
}

/// What a dialogue's client got done, for replay tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// New-message events of the sync passes.
    pub announced: usize,
    /// Whether the client got as far as it meant to (logged in, or through the pre-login
    /// dialogue, or a live test that passed).
    pub reached_the_end: bool,
}

/// Runs one scripted dialogue: the server on `listener`, the chosen engine client against it.
/// Panics only when the engine panics or does not finish within its own timeouts.
pub async fn dialogue(listener: &TcpListener, data: &[u8]) -> Outcome {
    dialogue_with(listener, data, IDLE_WAIT).await
}

/// [`dialogue`] with another idle wait: on a real clock a busy machine needs a longer one to
/// keep the server's chunks aligned with the client's lines.
pub async fn dialogue_with(listener: &TcpListener, data: &[u8], idle_wait: Duration) -> Outcome {
    let (client, chunks) = parse_script(data);
    let Ok(addr) = listener.local_addr() else { return Outcome::default() };
    let server = async {
        if let Ok((stream, _)) = listener.accept().await {
            serve(stream, chunks, idle_wait).await;
        }
    };
    let client_side = run_client(client, addr.port(), async {});
    // The whole dialogue is bounded by the client's own timeouts: every wait in it has one.
    let bound = CLIENT_TIMEOUT * 64;
    let done = tokio::time::timeout(bound, async { tokio::join!(server, client_side) }).await;
    match done {
        Ok(((), outcome)) => outcome,
        Err(_) => panic!("the client did not finish within {bound:?} ({client:?})"),
    }
}

/// The client side of a dialogue, against any server on loopback `port` (also a real one,
/// to record seed scripts). `between_passes` runs between the two sync passes of
/// [`Client::SyncPass`] (a recorder delivers mail there).
pub async fn run_client(client: Client, port: u16, between_passes: impl std::future::Future<Output = ()>) -> Outcome {
    let cfg = ServerConfig {
        host: "127.0.0.1".to_string(),
        port,
        security: if client == Client::OpenStarttls { Security::Starttls } else { Security::Plain },
        ca_file: None,
        pinned_sha256: None,
        timeouts: Timeouts { connect: CLIENT_TIMEOUT, response: CLIENT_TIMEOUT },
    };
    match client {
        Client::OpenPlain | Client::OpenStarttls => Outcome { announced: 0, reached_the_end: imap::open(&cfg).await.is_ok() },
        Client::SyncPass => sync_passes(&cfg, between_passes).await,
        Client::LiveTest => {
            let report = crate::account::live_test(&cfg, USER, PASSWORD).await;
            let text = serde_json::to_string(&report).unwrap_or_default();
            assert!(!text.contains(PASSWORD), "the live test report holds the password: {text}");
            Outcome { announced: 0, reached_the_end: report.ok }
        }
        Client::Autoconfig => autoconfig(port).await,
    }
}

async fn autoconfig(port: u16) -> Outcome {
    use crate::discover::{discover, DiscoveryOptions};
    let opts = DiscoveryOptions {
        builtin: false,
        autoconfig_urls: vec![format!("http://127.0.0.1:{port}/mail/config-v1.1.xml?emailaddress={{email}}")],
        ispdb_url: None,
        srv: false,
        guess_ports: Vec::new(),
        http_timeout: CLIENT_TIMEOUT,
        total_timeout: CLIENT_TIMEOUT * 4,
        ..DiscoveryOptions::default()
    };
    match discover("fuzz@example.org", &opts).await {
        Ok(candidates) => {
            for c in &candidates {
                assert!(
                    !c.host.is_empty() && !c.host.chars().any(|ch| ch.is_whitespace() || ch.is_control()),
                    "candidate host {:?}",
                    c.host
                );
                assert!(c.port != 0, "candidate port 0");
            }
            Outcome { announced: candidates.len(), reached_the_end: !candidates.is_empty() }
        }
        Err(_) => Outcome::default(),
    }
}

/// The credentials the client logs in with.
pub const USER: &str = "alice";
pub const PASSWORD: &str = "alice-secret-pw";

async fn sync_passes(cfg: &ServerConfig, between_passes: impl std::future::Future<Output = ()>) -> Outcome {
    let Ok(mut session) = imap::login(cfg, USER, PASSWORD).await else { return Outcome::default() };
    let store = Store::open(std::path::Path::new(":memory:")).expect("an in-memory store");
    let new = NewAccount {
        display_name: String::new(),
        email: "fuzz@example.org".into(),
        host: cfg.host.clone(),
        port: cfg.port,
        security: cfg.security,
        username: USER.into(),
        ca_file: None,
        folders: None,
        interval_secs: 300,
    };
    let account = store.add_account(&new).expect("an account in the store");
    let events: Arc<std::sync::Mutex<Vec<Event>>> = Arc::default();
    let sink_events = Arc::clone(&events);
    let sink: Arc<dyn crate::events::EventSink> = Arc::new(move |e: Event| {
        if let Ok(mut v) = sink_events.lock() {
            v.push(e);
        }
    });
    let opts = SyncOptions { batch_size: 3, ..SyncOptions::default() };
    let first = run_pass(&mut session, &store, &account, &opts, Arc::clone(&sink)).await;
    between_passes.await;
    let mut reached_the_end = false;
    if first.is_ok() && !session.is_broken() {
        reached_the_end = run_pass(&mut session, &store, &account, &opts, Arc::clone(&sink)).await.is_ok();
    }
    if !session.is_broken() {
        session.logout().await;
    }
    let events = events.lock().map(|v| v.clone()).unwrap_or_default();
    for e in &events {
        if let Event::NewMessage(m) = e {
            check_line("subject", &m.subject, summary::SUBJECT_CHARS);
            check_line("preview", &m.preview, summary::PREVIEW_CHARS);
            assert!(DateTime::parse_from_rfc3339(&m.date).is_ok(), "event date {:?}", m.date);
        }
    }
    // Each stored message was announced exactly once.
    let stored = store.messages(None, 100_000).map(|v| v.len()).unwrap_or(0);
    let announced = events.iter().filter(|e| matches!(e, Event::NewMessage(_))).count();
    assert_eq!(stored, announced, "stored rows and new_message events differ");
    Outcome { announced, reached_the_end }
}

/// The scripted server: greeting, then one chunk per client line (or per idle wait).
async fn serve(stream: TcpStream, mut chunks: Vec<Vec<u8>>, idle_wait: Duration) {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    chunks.reverse();
    let mut tag = b"*".to_vec();
    if let Some(greeting) = chunks.pop() {
        if write.write_all(&greeting).await.is_err() {
            return;
        }
    }
    let mut line = Vec::new();
    while let Some(chunk) = chunks.pop() {
        line.clear();
        match tokio::time::timeout(idle_wait, read.read_until(b'\n', &mut line)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => {
                if let Some(t) = line.split(|&b| b == b' ').next().filter(|t| !t.is_empty() && t.len() < 64) {
                    tag = t.to_vec();
                }
            }
            // The client waits for more: speak anyway.
            Err(_) => {}
        }
        let reply = substitute(&chunk, &tag);
        if write.write_all(&reply).await.is_err() {
            return;
        }
    }
    // Let the client read the last chunk before the close.
    let _ = tokio::time::timeout(idle_wait, read.read_until(b'\n', &mut line)).await;
}

fn substitute(chunk: &[u8], tag: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len());
    let mut i = 0;
    while i < chunk.len() {
        if chunk[i..].starts_with(b"$T") {
            out.extend_from_slice(tag);
            i += 2;
        } else {
            out.push(chunk[i]);
            i += 1;
        }
    }
    out
}

fn bad_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn check_line(what: &str, s: &str, max: usize) {
    assert!(s.chars().count() <= max, "{what} longer than {max} characters");
    assert!(!s.chars().any(bad_char), "{what} holds a control or bidi character: {s:?}");
    assert!(s.trim() == s && !s.contains("  "), "{what} whitespace not folded: {s:?}");
}

/// Summary of arbitrary bytes. Layout: byte 0 and 1 (little endian) give the header length
/// (capped at what there is), the header follows, the rest is the body; the first 26 bytes
/// after byte 1, when they are printable ASCII, are also tried as an INTERNALDATE.
pub fn summary(data: &[u8]) {
    let (header, text, internal) = split_summary_input(data);
    let s = summary::summarize(header, text, internal);
    check_summary(&s, internal.is_some());
}

fn split_summary_input(data: &[u8]) -> (&[u8], &[u8], Option<DateTime<chrono::FixedOffset>>) {
    if data.len() < 2 {
        return (data, &[], None);
    }
    let len = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let rest = &data[2..];
    let cut = len.min(rest.len());
    let internal = rest.get(..26).and_then(|b| std::str::from_utf8(b).ok()).and_then(summary::parse_internal_date);
    (&rest[..cut], &rest[cut..], internal)
}

/// The promises of [`summary::summarize`] on any input.
pub fn check_summary(s: &Summary, had_internal_date: bool) {
    check_line("subject", &s.subject, summary::SUBJECT_CHARS);
    check_line("preview", &s.preview, summary::PREVIEW_CHARS);
    if let Some(n) = &s.from_name {
        check_line("from_name", n, summary::NAME_CHARS);
        assert!(!n.is_empty(), "from_name is Some(\"\")");
    }
    if let Some(a) = &s.from_addr {
        check_line("from_addr", a, summary::ADDR_CHARS);
        assert!(!a.is_empty(), "from_addr is Some(\"\")");
    }
    if let Some(id) = &s.message_id {
        assert!(!id.is_empty() && id.chars().count() <= summary::MESSAGE_ID_CHARS, "message_id length");
        assert!(!id.chars().any(|c| c.is_whitespace() || bad_char(c)), "message_id {id:?}");
    }
    if let (Some(d), false) = (s.date, had_internal_date) {
        assert!((1970..=2100).contains(&d.year()), "absurd date {d}");
    }
}

/// Modified UTF-7: decoding anything never panics, encoding is ASCII, and both directions
/// round-trip.
pub fn mutf7(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let decoded = crate::mutf7::decode(&s);
    let encoded = crate::mutf7::encode(&s);
    assert!(encoded.is_ascii(), "encode gave non-ASCII {encoded:?}");
    assert_eq!(crate::mutf7::decode(&encoded), s, "decode(encode(s)) != s for {s:?}");
    assert_eq!(crate::mutf7::decode(&crate::mutf7::encode(&decoded)), decoded, "round trip of a decoded name");
}

/// Untrusted answers parsed without a network: byte 0 picks the parser, the rest is the input.
/// 0: an autoconfig document (for `jane@example.org`); 1: a token endpoint's answer (byte 1
/// picks the HTTP status class); 2: a request head reaching the sign-in listener; 3: a FETCH
/// response's PREVIEW item (imap/preview.rs). Each must return (an error is fine), never panic.
pub fn answers(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 4 {
        0 => {
            let Ok(address) = crate::discover::names::parse_email("jane@example.org") else { return };
            let _ = crate::discover::autoconfig::parse(rest, &address);
        }
        1 => {
            let Some((&status, body)) = rest.split_first() else { return };
            let status = [200, 400, 401, 500][usize::from(status % 4)];
            for refreshing in [false, true] {
                if let Ok(t) = crate::oauth::token::read_answer(status, body, refreshing) {
                    assert!(!t.access_token.is_empty(), "an empty access token was accepted");
                }
            }
        }
        3 => {
            if let crate::imap::Preview::Text(t) = crate::imap::fetch_preview(rest) {
                assert!(t.len() <= rest.len() * 3, "a preview longer than the response");
            }
        }
        _ => {
            let head = String::from_utf8_lossy(rest);
            if let Some((path, params)) = crate::oauth::flow::request_target(&head) {
                assert!(!path.contains(' '), "a path with a space: {path:?}");
                let _ = params;
            }
        }
    }
}
