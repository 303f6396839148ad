//! Replays the fuzz seeds and the saved regressions (fuzz/seeds, fuzz/regressions) through the
//! same entry points the fuzz targets use (`mailbell_sync::fuzzing`), on every test run and
//! without cargo-fuzz: a crash found once stays fixed, and the recorded IMAP scripts still
//! drive the engine through a whole dialogue (so the seeds keep meaning something as the
//! engine changes; re-record them with `scripts/fuzz.sh --record-seeds` when they stop).

use std::path::{Path, PathBuf};
use std::time::Duration;

use mailbell_sync::fuzzing;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["seeds", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) {
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

#[test]
fn summary_seeds_and_regressions() {
    let files = inputs("summary");
    assert!(files.len() >= 20, "the summary seeds are there: {files:?}");
    for f in &files {
        fuzzing::summary(&std::fs::read(f).expect("read"));
    }
}

#[test]
fn answers_seeds_and_regressions() {
    let files = inputs("answers");
    assert!(files.len() >= 9, "the answers seeds are there: {files:?}");
    for f in &files {
        fuzzing::answers(&std::fs::read(f).expect("read"));
    }
}

#[test]
fn mutf7_seeds_and_regressions() {
    let files = inputs("mutf7");
    assert!(files.len() >= 5);
    for f in &files {
        fuzzing::mutf7(&std::fs::read(f).expect("read"));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn imap_dialogue_seeds_and_regressions() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let files = inputs("imap_dialogue");
    assert!(files.len() >= 6, "the recorded scripts are there: {files:?}");
    for f in &files {
        let data = std::fs::read(f).expect("read");
        // A generous idle wait: on a real clock, a busy machine must not shift the replies.
        let outcome = fuzzing::dialogue_with(&listener, &data, Duration::from_millis(500)).await;
        let name = f.file_name().unwrap_or_default().to_string_lossy().to_string();
        eprintln!("{name}: {outcome:?}");
        match name.as_str() {
            // Recorded against Dovecot: 4 new in INBOX, 1 in Entwürfe, 1 in Work.
            "sync_pass_list_status.script" | "sync_pass_pipelined_status.script" => {
                assert_eq!(outcome, fuzzing::Outcome { announced: 6, reached_the_end: true }, "{name} replays in full")
            }
            // imap.example.org:993 and mail.example.org:143; the POP3 server is not a candidate.
            "autoconfig.script" | "autoconfig_chunked.script" => {
                assert_eq!(outcome, fuzzing::Outcome { announced: 2, reached_the_end: true }, "{name} replays in full")
            }
            "sync_pass_uidvalidity_reset.script" | "open_plain.script" | "live_test.script" => {
                assert!(outcome.reached_the_end, "{name} replays in full: {outcome:?}")
            }
            _ => {}
        }
    }
}
