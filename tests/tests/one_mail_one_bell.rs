//! One mail, one bell, on a real Dovecot: the same message in several folders (a rule's copy,
//! a post to two lists) is announced once, listed once with all its folders, and counted once;
//! its read state is the message's, not one copy's. Dovecot offers neither X-GM-EXT-1 nor
//! OBJECTID, so the Message-ID is the identity here (tests/tests/gmail_standin.rs covers the
//! server identities).

mod common;

use common::{Env, ALICE};
use mailbell_e2e::DovecotOptions;
use serde_json::{json, Value};

fn copy_of(subject: &str, message_id: &str) -> Vec<u8> {
    mailbell_e2e::MessageBuilder::new()
        .from("Lists <list@example.org>")
        .to("alice@localhost")
        .subject(subject)
        .message_id(message_id)
        .build()
}

fn message_updates(out: &common::Out) -> Vec<Value> {
    out.events().into_iter().filter(|e| e["event"] == "message_update").collect()
}

fn listed<'a>(messages: &'a [Value], subject: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["subject"] == subject).collect()
}

#[test]
fn a_message_in_three_folders_rings_once_in_one_pass_and_across_passes() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.dovecot.create_folder(ALICE, "Lists").expect("create");
    env.add_alice();
    env.sync().assert_ok();

    // One pass: INBOX and two folders hold the same message (same Message-ID).
    let raw = copy_of("filed twice", "<filed-twice@example.org>");
    for folder in ["INBOX", "Work", "Lists"] {
        env.dovecot.append(ALICE, folder, &raw, &[]).expect("append");
    }
    let out = env.sync();
    out.assert_ok();
    let rung = out.new_messages();
    assert_eq!(rung.len(), 1, "one bell for three copies: {}", out.stdout);
    assert_eq!(rung[0]["identity"], "mid:filed-twice@example.org");
    let copies = message_updates(&out);
    assert_eq!(copies.len(), 2, "the other two copies attach: {}", out.stdout);
    assert!(copies.iter().all(|c| c["new_copy"] == true && c["first_folder"] == rung[0]["folder"]));
    let mut folders: Vec<String> =
        copies.last().and_then(|c| c["folders"].as_array()).into_iter().flatten().filter_map(|f| f.as_str().map(str::to_string)).collect();
    folders.sort();
    assert_eq!(folders, ["INBOX", "Lists", "Work"]);
    let messages = env.messages();
    let one = listed(&messages, "filed twice");
    assert_eq!(one.len(), 1, "listed once: {messages:?}");
    assert_eq!(one[0]["folders"].as_array().map(Vec::len), Some(3));
    // The text output says where a copy went without a second "new" line.
    assert_eq!(out.stdout.matches("\"new_message\"").count(), 1);

    // Across passes: the copy a rule files an hour later rings no second time.
    let raw = copy_of("copied later", "<copied-later@example.org>");
    env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    let first = env.sync();
    assert_eq!(first.subjects(), ["copied later"]);
    env.dovecot.append(ALICE, "Work", &raw, &[]).expect("append");
    let later = env.sync();
    later.assert_ok();
    assert!(later.new_messages().is_empty(), "{}", later.stdout);
    let copies = message_updates(&later);
    assert_eq!(copies.len(), 1, "{}", later.stdout);
    assert_eq!((copies[0]["folder"].as_str(), copies[0]["first_folder"].as_str()), (Some("Work"), Some("INBOX")));
    assert_eq!(copies[0]["folders"], json!(["INBOX", "Work"]));
    let human = env.cli(&["sync", "--once"]);
    human.assert_ok();

    // Different messages stay apart, even with the same subject and sender.
    env.dovecot.append(ALICE, "INBOX", &copy_of("same subject", "<one@example.org>"), &[]).expect("append");
    env.dovecot.append(ALICE, "Work", &copy_of("same subject", "<two@example.org>"), &[]).expect("append");
    let apart = env.sync();
    assert_eq!(apart.new_messages().len(), 2, "{}", apart.stdout);
}

#[test]
fn a_message_leaves_new_when_every_copy_is_read_or_gone() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.add_alice();
    env.sync().assert_ok();
    let raw = copy_of("read in one place", "<read-once@example.org>");
    let inbox_uid = env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    let work_uid = env.dovecot.append(ALICE, "Work", &raw, &[]).expect("append");
    env.sync().assert_ok();
    let state = |env: &Env| {
        let messages = env.messages();
        let m = listed(&messages, "read in one place");
        assert_eq!(m.len(), 1);
        (m[0]["seen"].as_bool(), m[0]["expunged"].as_bool())
    };
    assert_eq!(state(&env), (Some(false), Some(false)));

    // Read in INBOX only: the Work copy is unread, so it is still news (Dovecot keeps flags
    // per copy).
    env.dovecot.add_flags(ALICE, "INBOX", inbox_uid, &["\\Seen"]).expect("flag");
    let out = env.sync();
    let u = message_updates(&out);
    assert!(u.iter().any(|u| u["folder"] == "INBOX" && u["seen"] == true && u["message_seen"] == false), "{}", out.stdout);
    assert_eq!(state(&env), (Some(false), Some(false)));

    // Deleted from Work, unread there: the INBOX copy is read, none is left unread: read.
    env.dovecot.expunge(ALICE, "Work", &[work_uid]).expect("expunge");
    let out = env.sync();
    assert!(message_updates(&out).iter().any(|u| u["expunged"] == true && u["message_seen"] == true), "{}", out.stdout);
    assert_eq!(state(&env), (Some(true), Some(false)));
}

#[test]
fn identity_is_per_account_so_a_forward_to_a_second_address_rings_in_both() {
    let env = Env::with(DovecotOptions::default().user("bob", "bob-pw-2"));
    let alice = env.add_alice();
    let bob = env.add_user("bob", "bob-pw-2", &[]);
    env.sync().assert_ok();
    let raw = copy_of("to both of us", "<both@example.org>");
    env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    env.dovecot.append("bob", "INBOX", &raw, &[]).expect("append");
    let out = env.sync();
    out.assert_ok();
    let mut accounts: Vec<String> = out.new_messages().iter().filter_map(|e| e["account"].as_str().map(str::to_string)).collect();
    accounts.sort();
    let mut want = vec![alice, bob];
    want.sort();
    assert_eq!(accounts, want, "{}", out.stdout);
    assert!(message_updates(&out).is_empty());
}
