//! `mailbell-cli sync --once` against a real Dovecot: the incremental fetch, its watermarks
//! and its guarantees (nothing lost, nothing duplicated, no flag changed).

mod common;

use std::time::Duration;

use common::{Env, ALICE};
use mailbell_e2e::{DovecotOptions, RawImap};

fn history(i: usize) -> Vec<u8> {
    mailbell_e2e::simple("Old <old@example.org>", "alice@localhost", &format!("history {i}"), "old mail")
}

#[test]
fn first_sync_baselines_then_new_mail_arrives_exactly_once() {
    let env = Env::start();
    let d = &env.dovecot;
    d.create_folder(ALICE, "Work").expect("create");
    d.create_folder(ALICE, "Projekte/Übersicht").expect("create");
    d.fill_folder(ALICE, "INBOX", 20, history).expect("fill");
    let id = env.add_alice();

    // First sight: existing mail is history, not news.
    let first = env.sync();
    first.assert_ok();
    assert!(first.new_messages().is_empty(), "baseline must not flood: {}", first.stdout);
    let inbox = env.folder_status("INBOX");
    assert_eq!(inbox["last_uid"], 20);
    assert_eq!(inbox["watched"], true);
    assert!(inbox["last_sync_at"].is_string());
    assert_eq!(env.folder_status("Junk")["watched"], false, "special-use folders are not watched by default");
    let statuses: Vec<_> = first.events().into_iter().filter(|e| e["event"] == "folder_status").collect();
    assert!(statuses.iter().any(|e| e["folder"] == "Projekte/Übersicht" && e["state"] == "ok"), "{statuses:?}");
    assert!(statuses.iter().all(|e| e["folder"] != "Junk"));

    env.append("INBOX", "in 1");
    env.append("INBOX", "in 2");
    env.append("INBOX", "in 3");
    env.append("Work", "work 1");
    env.append("Work", "work 2");
    env.append("Projekte/Übersicht", "umlaut folder");
    env.append("Junk", "spam");

    let second = env.sync();
    second.assert_ok();
    assert_eq!(second.subjects(), vec!["in 1", "in 2", "in 3", "umlaut folder", "work 1", "work 2"]);
    for e in second.new_messages() {
        assert_eq!(e["account"], id.as_str());
        assert_eq!(e["from"], "Bob Sender <bob@example.org>");
        assert!(e["uidvalidity"].as_u64().unwrap_or(0) > 0);
        assert!(e["uid"].as_u64().unwrap_or(0) > 0);
        assert!(chrono::DateTime::parse_from_rfc3339(e["date"].as_str().unwrap_or("")).is_ok(), "date {e}");
        assert_eq!(e["preview"], "Hello there, this is the body.");
    }
    assert!(second.new_messages().iter().any(|e| e["folder"] == "Projekte/Übersicht"), "folder names are decoded UTF-8");

    // Nothing new: nothing reported.
    let third = env.sync();
    third.assert_ok();
    assert!(third.new_messages().is_empty(), "{}", third.stdout);

    let stored = env.messages();
    assert_eq!(stored.len(), 6);
    let arrival: Vec<&str> = stored.iter().map(|m| m["internal_date"].as_str().unwrap_or("")).collect();
    assert!(arrival.windows(2).all(|w| w[0] >= w[1]), "newest first by arrival: {arrival:?}");
    assert_eq!(env.folder_status("INBOX")["last_uid"], 23);

    // Mailbell never changes a flag: nothing became \Seen.
    for folder in ["INBOX", "Work", "Projekte/Übersicht"] {
        for (uid, flags) in d.flags_of(ALICE, folder).expect("flags") {
            assert!(!flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")), "{folder} uid {uid} got {flags:?}");
        }
    }
}

#[test]
fn newest_message_quirk_and_expunged_gaps_report_nothing() {
    let env = Env::start();
    env.dovecot.fill_folder(ALICE, "INBOX", 5, history).expect("fill");
    env.add_alice();
    env.sync().assert_ok();

    // UIDs 6 and 7 arrive and are expunged before the next pass: `UID FETCH 6:*` then returns
    // UID 5, the newest existing message, which must not count as new.
    let a = env.append("INBOX", "gone 1");
    let b = env.append("INBOX", "gone 2");
    env.dovecot.expunge(ALICE, "INBOX", &[a, b]).expect("expunge");
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty(), "{}", out.stdout);
    assert_eq!(env.folder_status("INBOX")["last_uid"], u64::from(b), "the watermark moves past expunged UIDs");

    env.append("INBOX", "after the gap");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["after the gap"]);
}

#[test]
fn uidvalidity_change_rebaselines_without_flood_and_keeps_mail_that_arrived() {
    let env = Env::start();
    env.dovecot.fill_folder(ALICE, "INBOX", 10, history).expect("fill");
    // INTERNALDATE has whole seconds and the recovery window opens at the baseline's second
    // (a duplicate is better than a loss): keep the history in an earlier second.
    std::thread::sleep(Duration::from_millis(1100));
    env.add_alice();
    env.sync().assert_ok();
    env.append("INBOX", "before reset");
    let out = env.sync();
    assert_eq!(out.subjects(), vec!["before reset"]);
    let old_validity = env.folder_status("INBOX")["uidvalidity"].as_u64().expect("validity");

    env.dovecot.set_uidvalidity(ALICE, "INBOX", 777).expect("uidvalidity");
    env.append("INBOX", "around the reset");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["around the reset"], "no flood of history, no duplicate, no loss");
    let inbox = env.folder_status("INBOX");
    assert_eq!(inbox["uidvalidity"], 777);
    let notice = inbox["notice"].as_str().unwrap_or("");
    assert!(notice.contains("UIDVALIDITY changed from") && notice.contains(&old_validity.to_string()), "{notice}");

    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty());
    env.append("INBOX", "after reset");
    assert_eq!(env.sync().subjects(), vec!["after reset"]);
}

#[test]
fn folders_created_and_deleted_between_passes() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.add_alice();
    env.sync().assert_ok();

    env.dovecot.create_folder(ALICE, "Fresh").expect("create");
    env.append("Fresh", "there before first sight");
    env.dovecot.delete_folder(ALICE, "Work").expect("delete");
    let out = env.sync();
    out.assert_ok();
    // Mail that arrived in a new folder after the last pass is news (new folders are news too).
    assert_eq!(out.subjects(), vec!["there before first sight"], "{}", out.stdout);
    let names: Vec<String> = env.status().iter().map(|f| f["folder"].as_str().unwrap_or("").to_string()).collect();
    assert!(names.contains(&"Fresh".to_string()) && !names.contains(&"Work".to_string()), "{names:?}");

    env.append("Fresh", "new in fresh");
    assert_eq!(env.sync().subjects(), vec!["new in fresh"]);

    // Recreated under the same name: a new folder, baselined afresh after its news.
    env.dovecot.create_folder(ALICE, "Work").expect("recreate");
    env.append("Work", "in recreated work");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["in recreated work"], "{}", out.stdout);
    env.append("Work", "news in work");
    assert_eq!(env.sync().subjects(), vec!["news in work"]);
}

fn create_folders(env: &Env, names: impl Iterator<Item = String>) {
    // One IMAP session for all of them: doveadm per folder would take seconds.
    let mut imap = RawImap::connect(env.dovecot.plain_addr()).expect("connect");
    imap.login(ALICE, common::ALICE_PW).expect("login");
    for name in names {
        imap.command_ok(&format!("CREATE {}", mailbell_e2e::imap_raw::quote(&name))).expect("create");
    }
}

#[test]
fn a_thousand_folders_with_list_status() {
    let env = Env::start();
    create_folders(&env, (0..1000).map(|i| format!("box{i:04}")));
    env.add_alice();
    let out = env.sync();
    out.assert_ok();
    let watched = env.status().iter().filter(|f| f["watched"] == true).count();
    assert!(watched >= 1001, "INBOX + 1000 folders watched, got {watched}");
    env.append("box0999", "deep in the list");
    env.append("box0000", "first of the list");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["deep in the list", "first of the list"]);
}

#[test]
fn a_server_without_list_status_uses_pipelined_status() {
    let env = Env::with(DovecotOptions::default().list_status(false));
    create_folders(&env, (0..150).map(|i| format!("f{i}")));
    env.add_alice();
    env.sync().assert_ok();
    env.append("f149", "via status");
    env.append("INBOX", "inbox via status");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["inbox via status", "via status"]);
}

#[test]
fn a_large_message_is_summarised_from_bounded_bytes() {
    let env = Env::start();
    env.add_alice();
    env.sync().assert_ok();
    let proxy = mailbell_e2e::Proxy::start(env.dovecot.tls_addr(), mailbell_e2e::ProxyMode::Passthrough).expect("proxy");
    // Route the account through a counting proxy.
    let proxied = env.add_user_at(ALICE, common::ALICE_PW, proxy.port(), &["--folders", "INBOX"]);
    env.cli(&["sync", "--once", "--account", &proxied]).assert_ok();
    let raw = mailbell_e2e::MessageBuilder::new()
        .subject("twenty megabytes")
        .text("see the attachment")
        .with_attachment_bytes(20 * 1024 * 1024)
        .build();
    assert!(raw.len() > 20 * 1024 * 1024);
    env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    let before = proxy.bytes_to_client();
    let out = env.cli(&["sync", "--once", "--json", "--account", &proxied]);
    out.assert_ok();
    let fetched = proxy.bytes_to_client() - before;
    assert_eq!(out.subjects(), vec!["twenty megabytes"]);
    assert_eq!(out.new_messages()[0]["preview"], "see the attachment");
    assert!(fetched < 256 * 1024, "fetched {fetched} bytes for a 20 MB message");
    let stored = env.messages();
    assert!(stored[0]["size"].as_u64().unwrap_or(0) > 20 * 1024 * 1024, "RFC822.SIZE is recorded");
}

#[test]
fn two_accounts_are_kept_apart() {
    let env = Env::with(DovecotOptions::default().user("bob", "bob-pw-2"));
    let alice = env.add_alice();
    let bob = env.add_user("bob", "bob-pw-2", &[]);
    assert_ne!(alice, bob);
    env.sync().assert_ok();
    env.append("INBOX", "for alice");
    let raw = mailbell_e2e::simple("x@example.org", "bob@localhost", "for bob", "hi bob");
    env.dovecot.append("bob", "INBOX", &raw, &[]).expect("append");
    let out = env.sync();
    out.assert_ok();
    let by_account: Vec<(String, String)> = out
        .new_messages()
        .iter()
        .map(|e| (e["account"].as_str().unwrap_or("").to_string(), e["subject"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(by_account.len(), 2);
    assert!(by_account.contains(&(alice.clone(), "for alice".to_string())));
    assert!(by_account.contains(&(bob.clone(), "for bob".to_string())));
    // One account only.
    env.append("INBOX", "alice again");
    let out = env.cli(&["sync", "--once", "--json", "--account", &bob]);
    out.assert_ok();
    assert!(out.new_messages().is_empty());
}

#[test]
fn malformed_mail_gets_a_summary_and_never_sticks_the_folder() {
    let env = Env::start();
    env.add_alice();
    env.sync().assert_ok();
    let broken_mime = b"From: a@example.org\r\nSubject: broken mime\r\nContent-Type: multipart/mixed; boundary=\"nope\r\n\r\n--zzz\r\nno closing boundary\r\n".to_vec();
    let latin1 = b"From: \xc9milie <e@example.org>\r\nSubject: caf\xe9 cr\xe8me\r\n\r\nbody\r\n".to_vec();
    let no_date = mailbell_e2e::MessageBuilder::new().subject("no date at all").no_date().text("x").build();
    let mut huge = b"From: h@example.org\r\nSubject: huge header\r\nX-Junk: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    huge.extend_from_slice(b"\r\n\r\nbody\r\n");
    let nul = b"From: n@example.org\r\nSubject: nul\x00byte\r\n\r\nbo\x00dy\r\n".to_vec();
    for raw in [&broken_mime, &latin1, &no_date, &huge, &nul] {
        env.dovecot.append(ALICE, "INBOX", raw, &[]).expect("append");
    }
    env.append("INBOX", "a normal one after them");
    let out = env.sync();
    out.assert_ok();
    let subjects = out.subjects();
    assert_eq!(subjects.len(), 6, "{subjects:?}");
    assert!(subjects.contains(&"broken mime".to_string()));
    assert!(subjects.contains(&"café crème".to_string()), "8-bit Latin-1 decoded: {subjects:?}");
    assert!(subjects.contains(&"huge header".to_string()));
    assert!(subjects.contains(&"a normal one after them".to_string()));
    let no_date_event = out.new_messages().into_iter().find(|e| e["subject"] == "no date at all").expect("no-date event");
    assert!(chrono::DateTime::parse_from_rfc3339(no_date_event["date"].as_str().unwrap_or("")).is_ok(), "falls back to INTERNALDATE");
    assert_eq!(env.folder_status("INBOX")["state"], "ok");
}

#[test]
fn a_kill_between_batches_loses_and_duplicates_nothing_and_the_next_run_announces_what_it_left() {
    let env = Env::start();
    env.add_alice();
    env.sync().assert_ok();
    env.dovecot
        .fill_folder(ALICE, "INBOX", 1000, |i| mailbell_e2e::simple("b@example.org", "alice@localhost", &format!("burst {i:04}"), "x"))
        .expect("fill");
    // The hook aborts right after the 2nd batch commits, before its events are printed.
    let killed = env.cli_with(&["sync", "--once", "--json"], None, &[("MAILBELL_TEST_ABORT_AFTER_BATCHES", "2")]);
    assert_ne!(killed.code, Some(0), "the hook must have aborted the process");
    let first_events = killed.new_messages().len();
    assert_eq!(first_events, 200, "only the first batch's events went out");
    assert_eq!(env.messages().len(), 400, "both committed batches are durable");

    let rerun = env.sync();
    rerun.assert_ok();
    let mut all: Vec<String> = killed.subjects();
    all.extend(rerun.subjects());
    let unique: std::collections::BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(unique.len(), all.len(), "no event twice");
    assert_eq!(unique.len(), 1000, "every message announced once: {} + {}", killed.new_messages().len(), rerun.new_messages().len());
    let late: Vec<_> = rerun.new_messages().into_iter().filter(|e| e["late"] == true).collect();
    assert_eq!(late.len(), 200, "the rerun first announces, late, the batch the kill left unannounced");
    assert!(
        late.iter().all(|e| e["ring"] == "ring" && e["ring_reason"] == "late"),
        "late mail rings, saying it is late (no rules set): {:?}",
        late.first()
    );
    assert!(rerun.new_messages().iter().filter(|e| e["late"] == false).all(|e| e["ring"] == "ring" && e["ring_reason"].is_null()));
    let first_line = rerun.events().into_iter().find(|e| e["event"] == "new_message").expect("events");
    assert_eq!(first_line["late"], true, "owed mail goes out before the pass");
    let stored = env.messages();
    assert_eq!(stored.len(), 1000);
    let uids: std::collections::BTreeSet<u64> = stored.iter().map(|m| m["uid"].as_u64().unwrap_or(0)).collect();
    assert_eq!(uids.len(), 1000, "every message stored exactly once");
}
