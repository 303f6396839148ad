//! "New" means new: a message read elsewhere leaves the news, one marked unread again comes
//! back (and counts again, though Mailbell had shown it), one deleted is gone; on every flag
//! path (QRESYNC, CONDSTORE alone, plain FLAGS fetches), with no second announcement.

mod common;

use common::{Env, ALICE};
use mailbell_e2e::DovecotOptions;
use mailbell_sync::Store;
use serde_json::Value;

/// The `message_update` events of a run, as (uid, seen, expunged, message_seen, message_expunged).
fn updates(out: &common::Out) -> Vec<(u64, bool, bool, bool, bool)> {
    out.events()
        .iter()
        .filter(|e| e["event"] == "message_update")
        .map(|e| {
            let b = |k: &str| e[k] == Value::Bool(true);
            (e["uid"].as_u64().unwrap_or(0), b("seen"), b("expunged"), b("message_seen"), b("message_expunged"))
        })
        .collect()
}

fn news_subjects(store: &Store) -> Vec<String> {
    store.news(None, 100).expect("news").into_iter().map(|m| m.subject).collect()
}

fn read_unread_again_deleted(env: &Env) {
    env.add_alice();
    env.sync().assert_ok();
    let uid = env.append("INBOX", "comes back");
    env.append("INBOX", "stays new");
    assert_eq!(env.sync().subjects(), vec!["comes back", "stays new"]);
    let store = Store::open_dir(env.data_dir()).expect("store");
    // The user looked at both in Mailbell: nothing counts.
    store.mark_viewed(None).expect("mark viewed");
    assert_eq!(store.unviewed_count().expect("count"), 0);

    // Read in another client: it leaves the news.
    env.dovecot.add_flags(ALICE, "INBOX", uid, &["\\Seen"]).expect("read elsewhere");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(updates(&out), vec![(u64::from(uid), true, false, true, false)], "{}", out.stdout);
    assert_eq!(news_subjects(&store), vec!["stays new"]);

    // Marked unread again in the other client: news again, counted again, announced no second time.
    env.dovecot.remove_flags(ALICE, "INBOX", uid, &["\\Seen"]).expect("unread again");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(updates(&out), vec![(u64::from(uid), false, false, false, false)], "{}", out.stdout);
    assert!(out.new_messages().is_empty(), "no second new_message: {}", out.stdout);
    assert_eq!(news_subjects(&store), vec!["stays new", "comes back"]);
    assert_eq!(store.unviewed_count().expect("count"), 1, "counted as news again");
    let listed = env.messages();
    let back = listed.iter().find(|m| m["subject"] == "comes back").expect("listed");
    assert_eq!((back["seen"].clone(), back["expunged"].clone()), (Value::Bool(false), Value::Bool(false)));

    // Deleted elsewhere: gone from the news, kept as history.
    env.dovecot.expunge(ALICE, "INBOX", &[uid]).expect("expunge");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(updates(&out), vec![(u64::from(uid), false, true, false, true)], "{}", out.stdout);
    assert_eq!(news_subjects(&store), vec!["stays new"]);
    assert_eq!(store.unviewed_count().expect("count"), 0);
    assert!(env.messages().iter().any(|m| m["subject"] == "comes back" && m["expunged"] == true), "history is kept");

    // Mailbell changed no flag on the server: the other message is still unread there.
    let flags = env.dovecot.flags_of(ALICE, "INBOX").expect("flags");
    assert!(flags.iter().all(|(_, f)| !f.iter().any(|f| f == "\\Seen")), "{flags:?}");
}

#[test]
fn unread_again_is_news_again_with_qresync() {
    read_unread_again_deleted(&Env::start());
}

#[test]
fn unread_again_is_news_again_with_condstore_alone() {
    read_unread_again_deleted(&Env::with(DovecotOptions::default().hide_capability("QRESYNC")));
}

#[test]
fn unread_again_is_news_again_without_condstore() {
    read_unread_again_deleted(&Env::with(DovecotOptions::default().hide_capability("CONDSTORE").hide_capability("QRESYNC")));
}
