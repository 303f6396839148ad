//! The two byte savers of a pass against a real Dovecot (ARCHITECTURE.md § Sync algorithm):
//! PREVIEW (RFC 8970) instead of the first 4 KiB of each body, and COMPRESS=DEFLATE (RFC 4978)
//! on the session. Each is tested offered and hidden: the result (events, previews, the
//! store, the server's flags) is the same on every path, only the bytes differ.

mod common;

use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::{DovecotOptions, Proxy, ProxyMode, COMPRESS_DEFLATE};

const NEW: usize = 12;
const PREVIEW_TEXT: &str = "Shall we meet at noon on Thursday?";

/// A body of about 4 KiB: a first sentence (the preview) and then hex digits, which deflate
/// halves but no more, so that each saver shows in the byte count on its own.
fn body(i: usize) -> String {
    let mut b = format!("{PREVIEW_TEXT}\n\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ i as u64;
    while b.len() < 4200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.push_str(&format!("{x:016x}"));
        if b.len() % 80 < 16 {
            b.push('\n');
        }
    }
    b
}

struct Outcome {
    /// Bytes the client received in the pass that fetched the new mail.
    received: u64,
    previews: Vec<String>,
}

/// One server with these capabilities hidden; a baseline pass, then `NEW` messages plus one
/// with an empty body (whose preview the server leaves empty: the fallback path) fetched.
fn run(hidden: &[&str]) -> Outcome {
    let mut opts = DovecotOptions::default();
    for h in hidden {
        opts = opts.hide_capability(*h);
    }
    let env = Env::with(opts);
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    env.add_user_at(ALICE, ALICE_PW, proxy.port(), &[]);
    env.dovecot
        .fill_folder(ALICE, "INBOX", 5, |i| mailbell_e2e::simple("Old <old@example.org>", "alice@localhost", &format!("old {i}"), "old"))
        .expect("history");
    env.sync().assert_ok();

    for i in 0..NEW {
        let raw = mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", &format!("new {i:02}"), &body(i));
        env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    }
    let empty = mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", "nothing to say", "");
    env.dovecot.append(ALICE, "INBOX", &empty, &[]).expect("append");

    let before = proxy.bytes_to_client();
    let out = env.sync();
    out.assert_ok();
    // The CLI has exited: its connection is closed and every byte counted.
    let received = proxy.bytes_to_client() - before;

    let mut subjects = out.subjects();
    subjects.sort();
    let mut want: Vec<String> = (0..NEW).map(|i| format!("new {i:02}")).collect();
    want.push("nothing to say".into());
    assert_eq!(subjects, want, "hidden {hidden:?}: every new message exactly once");
    let mut news = out.new_messages();
    news.sort_by_key(|e| e["subject"].as_str().unwrap_or("").to_string());
    let previews = news.iter().map(|e| e["preview"].as_str().unwrap_or("?").to_string()).collect();

    // Nothing left behind: the watermark covers all, the next pass finds nothing.
    assert_eq!(env.folder_status("INBOX")["last_uid"], (5 + NEW + 1) as u64);
    let again = env.sync();
    again.assert_ok();
    assert!(again.new_messages().is_empty(), "hidden {hidden:?}: {}", again.stdout);
    // PREVIEW and the compressed session are still read-only: nothing became \Seen.
    for (uid, flags) in env.dovecot.flags_of(ALICE, "INBOX").expect("flags") {
        assert!(!flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")), "hidden {hidden:?}: uid {uid} got {flags:?}");
    }
    Outcome { received, previews }
}

#[test]
fn preview_and_compress_save_bytes_and_change_nothing_else() {
    let both = run(&[]);
    let compress_only = run(&["PREVIEW"]);
    let preview_only = run(&[COMPRESS_DEFLATE]);
    let neither = run(&["PREVIEW", COMPRESS_DEFLATE]);

    // The same previews on every path: the server's where offered, ours otherwise, and
    // empty for the message without a body (fetched the old way after the server's was empty).
    // (Sorted by subject: "new 00".."new 11", then "nothing to say".)
    for (name, o) in [("both", &both), ("compress only", &compress_only), ("preview only", &preview_only), ("neither", &neither)] {
        assert_eq!(o.previews.len(), NEW + 1, "{name}");
        for p in &o.previews[..NEW] {
            assert!(p.starts_with(PREVIEW_TEXT), "{name}: preview {p:?}");
        }
        assert_eq!(o.previews[NEW], "", "{name}: the empty message");
    }

    // Each saver cuts the bytes on its own, and both together most.
    let r = |o: &Outcome| o.received;
    assert!(r(&preview_only) < r(&neither), "PREVIEW: {} vs {} bytes", r(&preview_only), r(&neither));
    assert!(r(&compress_only) < r(&neither), "COMPRESS: {} vs {} bytes", r(&compress_only), r(&neither));
    assert!(r(&both) < r(&preview_only) && r(&both) < r(&compress_only), "both: {} bytes", r(&both));
    // PREVIEW replaces ~4 KiB of body per message: at least half of the bytes go.
    assert!(r(&preview_only) * 2 < r(&neither), "PREVIEW saved too little: {} vs {}", r(&preview_only), r(&neither));
}

/// A user's quirks switch both off for a server whose extensions misbehave: the old path
/// against a server that offers both.
#[test]
fn quirks_switch_the_savers_off() {
    let env = Env::start();
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    let plain_env = Env::with(DovecotOptions::default().hide_capability("PREVIEW").hide_capability(COMPRESS_DEFLATE));
    let plain_proxy = Proxy::start(plain_env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    env.add_user_at(ALICE, ALICE_PW, proxy.port(), &["--quirks", "no-compress,no-preview"]);
    plain_env.add_user_at(ALICE, ALICE_PW, plain_proxy.port(), &[]);
    for e in [&env, &plain_env] {
        e.sync().assert_ok();
        for i in 0..NEW {
            let raw = mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", &format!("new {i:02}"), &body(i));
            e.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
        }
    }
    let (a, b) = (proxy.bytes_to_client(), plain_proxy.bytes_to_client());
    let quirked = env.sync();
    let hidden = plain_env.sync();
    quirked.assert_ok();
    hidden.assert_ok();
    assert_eq!(quirked.subjects().len(), NEW);
    assert_eq!(hidden.subjects().len(), NEW);
    let (qa, hb) = (proxy.bytes_to_client() - a, plain_proxy.bytes_to_client() - b);
    // The same commands and answers (only the capability lists differ): within 10 %.
    assert!(qa * 10 > hb * 9 && qa * 10 < hb * 11, "quirked {qa} bytes, hidden {hb} bytes");
}
