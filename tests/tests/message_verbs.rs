//! The message verbs (issue 15) against a real Dovecot: `mailbell-cli message
//! show|read|archive|delete` change exactly the one message asked for (or nothing, for
//! show), refuse clearly where they must, and the engine's undo puts things back.

mod common;

use std::time::Duration;

use common::{Env, Out, ALICE, ALICE_PW};
use mailbell_e2e::{DovecotOptions, MessageBuilder, RawImap};
use mailbell_sync::{EngineOptions, Event, MessageAction, MessageRef, SyncError, Timeouts};
use serde_json::Value;

/// The server's flags of every message in a folder, `\Recent` left out.
fn flags(env: &Env, folder: &str) -> Vec<(u32, Vec<String>)> {
    env.dovecot.flags_of(ALICE, folder).expect("flags")
}

fn uidvalidity(env: &Env, folder: &str) -> u32 {
    env.dovecot.status(ALICE, folder).expect("status").uidvalidity
}

/// `mailbell-cli message VERB --account ID --folder F --uid U [extra...] --json`.
fn message(env: &Env, verb: &str, account: &str, folder: &str, uid: u32, extra: &[&str]) -> Out {
    let uid = uid.to_string();
    let mut args = vec!["message", verb, "--account", account, "--folder", folder, "--uid", &uid];
    args.extend_from_slice(extra);
    env.cli(&args)
}

/// An account whose two new messages (after the first sync's baseline) are stored, as a
/// `new_message` event would name them: (account, first uid, second uid).
fn two_new(env: &Env) -> (String, u32, u32) {
    let id = env.add_alice();
    env.sync().assert_ok();
    let a = env.append("INBOX", "first one");
    let b = env.append("INBOX", "second one");
    assert_eq!(env.sync().subjects(), vec!["first one", "second one"]);
    (id, a, b)
}

fn stored<'a>(messages: &'a [Value], subject: &str) -> &'a Value {
    messages.iter().find(|m| m["subject"] == subject).unwrap_or_else(|| panic!("no stored message {subject}"))
}

/// The subject of the newest message in a folder, read back through `message show`.
fn newest_subject(env: &Env, account: &str, folder: &str) -> String {
    let uid = env.dovecot.status(ALICE, folder).expect("status").uidnext - 1;
    let out = message(env, "show", account, folder, uid, &["--json"]);
    out.assert_ok();
    out.json()["subject"].as_str().unwrap_or_default().to_string()
}

#[test]
fn show_prints_the_message_and_changes_no_flag() {
    let env = Env::start();
    let id = env.add_alice();
    let raw = MessageBuilder::new()
        .from("Bob Sender <bob@example.org>")
        .to("alice@localhost")
        .subject("Lunch on Friday?")
        .text("Shall we meet at noon?\nBob\n")
        .html(
            "<p onclick=\"steal()\">Shall we meet at <b>noon</b>?</p><img src=\"https://tracker.example/p.gif\"><script>alert(1)</script>",
        )
        .attachment("menu.pdf", "application/pdf", b"%PDF-1.4 tiny".to_vec())
        .build();
    let uid = env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    let sibling = env.append("INBOX", "a sibling");
    let before = flags(&env, "INBOX");
    let v = uidvalidity(&env, "INBOX").to_string();

    let out = message(&env, "show", &id, "INBOX", uid, &["--uidvalidity", &v, "--json"]);
    out.assert_ok();
    let view = out.json();
    assert_eq!(view["subject"], "Lunch on Friday?");
    assert_eq!(view["from"][0]["name"], "Bob Sender");
    assert_eq!(view["from"][0]["address"], "bob@example.org");
    assert_eq!(view["to"][0]["address"], "alice@localhost");
    assert_eq!(view["uid"], uid);
    assert_eq!(view["uidvalidity"].as_u64(), Some(v.parse().expect("number")));
    assert_eq!(view["seen"], false);
    assert_eq!(view["truncated"], false);
    assert!(view["text"].as_str().expect("text").contains("Shall we meet at noon?"), "{view}");
    let html = view["html"].as_str().expect("sanitised HTML");
    assert!(html.contains("<b>noon</b>") && !html.contains("onclick") && !html.contains("script"), "{html}");
    assert_eq!(view["remote_images"], 1);
    assert_eq!(view["attachments"][0]["name"], "menu.pdf");
    assert_eq!(view["attachments"][0]["mime"], "application/pdf");
    assert!(view["message_id"].as_str().is_some_and(|m| !m.contains('<')), "{view}");

    // For a person: the headers, the attachment, the text.
    let text = message(&env, "show", &id, "INBOX", uid, &[]);
    text.assert_ok();
    assert!(text.stdout.contains("From: Bob Sender <bob@example.org>\n"), "{}", text.stdout);
    assert!(text.stdout.contains("Subject: Lunch on Friday?\n"), "{}", text.stdout);
    assert!(text.stdout.contains("Attachment: menu.pdf (application/pdf,"), "{}", text.stdout);
    assert!(text.stdout.contains("Shall we meet at noon?"), "{}", text.stdout);

    // Reading changed nothing on the server: no \Seen, on that message or its sibling.
    assert_eq!(flags(&env, "INBOX"), before);
    assert!(before.iter().all(|(_, f)| f.is_empty()), "{before:?}");
    assert!(before.iter().any(|(u, _)| *u == sibling));
}

#[test]
fn a_big_message_is_cut_at_the_bound_and_a_folder_named_in_utf8_is_found() {
    let env = Env::start();
    let id = env.add_alice();
    // Not synced yet: the store does not know the folder, the CLI names it as typed.
    env.dovecot.create_folder(ALICE, "Büro/Rechnungen").expect("create");
    let raw = MessageBuilder::new().subject("Big one").text("The start of a big one.\n").with_attachment_bytes(3 * 1024 * 1024).build();
    let uid = env.dovecot.append(ALICE, "Büro/Rechnungen", &raw, &[]).expect("append");

    let out = message(&env, "show", &id, "Büro/Rechnungen", uid, &["--json"]);
    out.assert_ok();
    let view = out.json();
    assert_eq!(view["folder"], "Büro/Rechnungen");
    assert_eq!(view["truncated"], true);
    assert_eq!(view["size"].as_u64(), Some(raw.len() as u64));
    assert_eq!(view["subject"], "Big one");
    assert!(view["text"].as_str().expect("text").contains("The start of a big one."), "{view}");
    let text = message(&env, "show", &id, "Büro/Rechnungen", uid, &[]);
    text.assert_ok();
    assert!(text.stdout.contains("[Only the first 1.0 MB of this message was fetched"), "{}", text.stdout);
    assert_eq!(flags(&env, "Büro/Rechnungen"), vec![(uid, vec![])]);
}

#[test]
fn read_marks_that_message_read_and_no_other() {
    let env = Env::start();
    let (id, a, b) = two_new(&env);
    let v = uidvalidity(&env, "INBOX").to_string();
    let out = message(&env, "read", &id, "INBOX", a, &["--uidvalidity", &v, "--json"]);
    out.assert_ok();
    let done = out.json();
    assert_eq!(done["action"], "read");
    assert_eq!(done["message"]["uid"], a);
    assert_eq!(done["message"]["folder"], "INBOX");
    assert!(done["moved_to"].is_null() && done["undo"].is_null(), "{done}");

    let server = flags(&env, "INBOX");
    assert_eq!(server, vec![(a, vec!["\\Seen".to_string()]), (b, vec![])]);
    // The store knows at once, without a pass.
    let messages = env.messages();
    assert_eq!(stored(&messages, "first one")["seen"], true);
    assert_eq!(stored(&messages, "second one")["seen"], false);

    // For a person, one line saying what was done.
    let again = message(&env, "read", &id, "INBOX", b, &[]);
    again.assert_ok();
    assert_eq!(again.stdout, format!("Marked as read: INBOX UID {b}\n"));
}

#[test]
fn archive_and_delete_move_exactly_that_message() {
    let env = Env::start();
    let (id, a, b) = two_new(&env);
    let c = env.append("INBOX", "third one");
    let archive_before = flags(&env, "Archive").len();

    let out = message(&env, "archive", &id, "INBOX", a, &["--json"]);
    out.assert_ok();
    let done = out.json();
    assert_eq!(done["action"], "archive");
    assert_eq!(done["moved_to"], "Archive");
    assert_eq!(done["message"]["uidvalidity"].as_u64(), Some(uidvalidity(&env, "INBOX").into()));

    let out = message(&env, "delete", &id, "INBOX", b, &[]);
    out.assert_ok();
    assert_eq!(out.stdout, format!("Moved INBOX UID {b} to Trash\n"));

    let inbox: Vec<u32> = flags(&env, "INBOX").into_iter().map(|(u, _)| u).collect();
    assert_eq!(inbox, vec![c], "only the third message stays in INBOX");
    assert_eq!(flags(&env, "Archive").len(), archive_before + 1);
    assert_eq!(newest_subject(&env, &id, "Archive"), "first one");
    assert_eq!(flags(&env, "Trash").len(), 1);
    assert_eq!(newest_subject(&env, &id, "Trash"), "second one");
    // Moved, not read: the copies carry no \Seen.
    assert!(flags(&env, "Trash").iter().all(|(_, f)| f.is_empty()));

    let messages = env.messages();
    assert_eq!(stored(&messages, "first one")["expunged"], true);
    assert_eq!(stored(&messages, "second one")["expunged"], true);

    // Already in the Trash: Mailbell does not delete for good.
    let trash_uid = env.dovecot.status(ALICE, "Trash").expect("status").uidnext - 1;
    let out = message(&env, "delete", &id, "Trash", trash_uid, &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("already in Trash"), "{}", out.stderr);
    assert_eq!(flags(&env, "Trash").len(), 1);
}

#[test]
fn without_move_copy_and_uid_expunge_leave_other_deleted_mail_alone() {
    let env = Env::with(DovecotOptions::default().hide_capability("MOVE"));
    // The server offers UIDPLUS and not MOVE, so the COPY path is the one taken.
    let mut imap = RawImap::connect_tls(env.dovecot.tls_addr(), &env.ca(), "localhost").expect("connect");
    assert!(imap.login(ALICE, ALICE_PW).expect("login").is_ok());
    let caps = imap.capabilities().expect("capabilities");
    assert!(!caps.iter().any(|c| c == "MOVE") && caps.iter().any(|c| c == "UIDPLUS"), "{caps:?}");
    let (id, a, b) = two_new(&env);
    // Someone else marked the sibling \Deleted and has not expunged it yet.
    env.dovecot.add_flags(ALICE, "INBOX", b, &["\\Deleted"]).expect("flag");

    let out = message(&env, "archive", &id, "INBOX", a, &["--json"]);
    out.assert_ok();
    assert_eq!(out.json()["moved_to"], "Archive");

    assert_eq!(flags(&env, "INBOX"), vec![(b, vec!["\\Deleted".to_string()])], "the other \\Deleted message is still there");
    assert_eq!(newest_subject(&env, &id, "Archive"), "first one");
    // The copy does not carry the \Deleted the original got before its UID EXPUNGE.
    assert!(flags(&env, "Archive").iter().all(|(_, f)| !f.iter().any(|f| f == "\\Deleted")));
}

#[test]
fn a_server_with_neither_move_nor_uidplus_is_refused() {
    let env = Env::with(DovecotOptions::default().hide_capability("MOVE").hide_capability("UIDPLUS"));
    let (id, a, b) = two_new(&env);
    env.dovecot.add_flags(ALICE, "INBOX", b, &["\\Deleted"]).expect("flag");
    let before = flags(&env, "INBOX");
    let out = message(&env, "delete", &id, "INBOX", a, &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("neither MOVE nor UID EXPUNGE"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(flags(&env, "INBOX"), before);
    // Marking read needs neither, and still works.
    message(&env, "read", &id, "INBOX", a, &[]).assert_ok();
}

#[test]
fn an_account_without_an_archive_folder_gets_a_clear_error() {
    let env = Env::with(DovecotOptions::default().without_special_use("Archive"));
    let (id, a, _) = two_new(&env);
    let before = flags(&env, "INBOX");
    let out = message(&env, "archive", &id, "INBOX", a, &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("no Archive folder"), "{}", out.stderr);
    assert!(out.stderr.contains("mark a folder as Archive on the server"), "{}", out.stderr);
    assert_eq!(flags(&env, "INBOX"), before);
    // Delete still has its Trash.
    message(&env, "delete", &id, "INBOX", a, &[]).assert_ok();
}

#[test]
fn stale_references_gone_messages_and_bad_usage_are_told_apart() {
    let env = Env::start();
    let (id, a, _) = two_new(&env);
    let v = uidvalidity(&env, "INBOX");
    let before = flags(&env, "INBOX");

    // The folder was reset since the event: the reference is stale.
    let stale = (v + 1).to_string();
    for verb in ["show", "read", "archive", "delete"] {
        let out = message(&env, verb, &id, "INBOX", a, &["--uidvalidity", &stale]);
        assert_eq!(out.code, Some(1), "{verb}: {}", out.stderr);
        assert!(out.stderr.contains("was reset on the server") && out.stderr.contains("stale"), "{verb}: {}", out.stderr);
    }
    // A message deleted elsewhere is gone.
    for verb in ["show", "read", "archive"] {
        let out = message(&env, verb, &id, "INBOX", 9999, &[]);
        assert_eq!(out.code, Some(1), "{verb}: {}", out.stderr);
        assert!(out.stderr.contains("is no longer in INBOX"), "{verb}: {}", out.stderr);
    }
    // A folder that does not exist.
    let out = message(&env, "show", &id, "Nowhere", a, &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("no folder Nowhere"), "{}", out.stderr);
    assert_eq!(flags(&env, "INBOX"), before, "nothing changed");

    // Bad usage: exit 2.
    for args in [
        &["message", "read", "--account", id.as_str(), "--folder", "INBOX"][..],
        &["message", "read", "--account", id.as_str(), "--folder", "INBOX", "--uid", "seven"],
        &["message", "file", "--account", id.as_str(), "--folder", "INBOX", "--uid", "1"],
        &["message", "show", "--account", "no-such-account", "--folder", "INBOX", "--uid", "1"],
    ] {
        let out = env.cli(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.is_empty());
    }
    assert_eq!(flags(&env, "INBOX"), before, "nothing changed");
}

fn options() -> EngineOptions {
    EngineOptions {
        timeouts: Timeouts { connect: Duration::from_secs(10), response: Duration::from_secs(30) },
        push: false,
        ..EngineOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_undoes_read_and_archive() {
    let env = Env::start();
    let (id, a, b) = two_new(&env);
    let v = uidvalidity(&env, "INBOX");
    let engine = env.engine(options());
    let mut rx = engine.subscribe();
    let at = |uid| MessageRef { account: id.clone(), folder: "INBOX".into(), uidvalidity: Some(v), uid };

    // Read, then undo: unread again on the server and in the store.
    let done = engine.act_on_message(&at(a), MessageAction::Read).await.expect("read");
    assert_eq!(flags(&env, "INBOX"), vec![(a, vec!["\\Seen".to_string()]), (b, vec![])]);
    match rx.try_recv() {
        Ok(Event::MessageUpdate(u)) => assert!(u.uid == a && u.seen && !u.expunged, "{u:?}"),
        other => panic!("expected the message_update of the read: {other:?}"),
    }
    let token = done.undo.expect("an undo token");
    engine.undo_action(&token).await.expect("undo read");
    assert_eq!(flags(&env, "INBOX"), vec![(a, vec![]), (b, vec![])]);
    match rx.try_recv() {
        Ok(Event::MessageUpdate(u)) => assert!(u.uid == a && !u.seen && !u.expunged, "{u:?}"),
        other => panic!("expected the message_update of the undo: {other:?}"),
    }
    assert_eq!(stored(&env.messages(), "first one")["seen"], false);
    // A token works once.
    assert!(matches!(engine.undo_action(&token).await, Err(SyncError::UndoExpired { .. })));

    // Archive, then undo: back in INBOX (under a new UID), gone from Archive.
    let archive_before = flags(&env, "Archive").len();
    let done = engine.act_on_message(&at(a), MessageAction::Archive).await.expect("archive");
    assert_eq!(done.moved_to.as_deref(), Some("Archive"));
    assert_eq!(flags(&env, "INBOX").len(), 1);
    assert_eq!(flags(&env, "Archive").len(), archive_before + 1);
    assert_eq!(stored(&env.messages(), "first one")["expunged"], true);
    match rx.try_recv() {
        Ok(Event::MessageUpdate(u)) => assert!(u.uid == a && u.expunged && u.message_expunged, "{u:?}"),
        other => panic!("expected the message_update of the archive: {other:?}"),
    }
    engine.undo_action(&done.undo.expect("an undo token")).await.expect("undo archive");
    assert_eq!(flags(&env, "Archive").len(), archive_before);
    let inbox: Vec<u32> = flags(&env, "INBOX").into_iter().map(|(u, _)| u).collect();
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    let back = *inbox.iter().max().expect("a UID");
    assert!(back > b, "moved back under a new UID: {inbox:?}");
    assert_eq!(newest_subject(&env, &id, "INBOX"), "first one");
    match rx.try_recv() {
        Ok(Event::MessageUpdate(u)) => {
            assert!(u.uid == back && !u.expunged && !u.message_expunged && u.first_uid == a, "{u:?}")
        }
        other => panic!("expected the message_update of the restore: {other:?}"),
    }
    // The store lists it again, and the next pass takes the new UID as the same message.
    assert_eq!(stored(&env.messages(), "first one")["expunged"], false);
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty(), "the restored message rings no second time: {}", out.stdout);
    assert_eq!(stored(&env.messages(), "first one")["expunged"], false);
    // And the restored copy can be acted on again.
    let again = MessageRef { uid: back, ..at(a) };
    engine.act_on_message(&again, MessageAction::Read).await.expect("read the restored copy");
    assert!(flags(&env, "INBOX").iter().any(|(u, f)| *u == back && f == &vec!["\\Seen".to_string()]));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_without_move_copies_back_and_leaves_other_deleted_mail_alone() {
    let env = Env::with(DovecotOptions::default().hide_capability("MOVE"));
    let (id, a, b) = two_new(&env);
    env.dovecot.add_flags(ALICE, "INBOX", b, &["\\Deleted"]).expect("flag");
    // Someone else's \Deleted message waits in the Trash too.
    let trash_other = env.append("Trash", "deleted elsewhere");
    env.dovecot.add_flags(ALICE, "Trash", trash_other, &["\\Deleted"]).expect("flag");
    let engine = env.engine(options());
    let r = MessageRef { account: id.clone(), folder: "INBOX".into(), uidvalidity: Some(uidvalidity(&env, "INBOX")), uid: a };

    let done = engine.act_on_message(&r, MessageAction::Delete).await.expect("delete");
    assert_eq!(done.moved_to.as_deref(), Some("Trash"));
    assert_eq!(flags(&env, "INBOX"), vec![(b, vec!["\\Deleted".to_string()])]);
    engine.undo_action(&done.undo.expect("an undo token")).await.expect("undo");

    let inbox = flags(&env, "INBOX");
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    assert_eq!(inbox[0], (b, vec!["\\Deleted".to_string()]), "the other \\Deleted message is still there");
    assert!(inbox[1].0 > b && inbox[1].1.is_empty(), "back under a new UID, without \\Deleted: {inbox:?}");
    assert_eq!(newest_subject(&env, &id, "INBOX"), "first one");
    assert_eq!(flags(&env, "Trash"), vec![(trash_other, vec!["\\Deleted".to_string()])], "only the undone copy left the Trash");
    assert_eq!(stored(&env.messages(), "first one")["expunged"], false);
    engine.shutdown().await;
}
