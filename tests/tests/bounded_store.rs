//! The bounded store through the engine (ARCHITECTURE.md § Data model, "What the store
//! keeps"): the pruning task lets go of messages in the background, and mail it let go of is
//! never announced again, by the running engine, by a restarted one or by a one-shot check.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_sync::{AccountState, EngineOptions, Event, Retention};
use tokio::sync::broadcast;

/// Waits for the next `new_message` events until `n` arrived and the pass that brought them
/// ended; returns their (uid, subject).
async fn pass_with_news(rx: &mut broadcast::Receiver<Event>, n: usize) -> Vec<(u32, String)> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(Event::NewMessage(m))) => got.push((m.uid, m.subject.clone())),
            Ok(Ok(Event::AccountStatus(a))) if a.state == AccountState::Ok && got.len() >= n => return got,
            Ok(Ok(Event::AccountStatus(a))) if a.state == AccountState::Error => panic!("the pass failed: {a:?}"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("timed out: {} of {n} new messages: {got:?}", got.len()),
        }
    }
}

fn held(env: &Env) -> usize {
    let store = mailbell_sync::Store::open_dir(env.data_dir()).expect("store");
    store.messages(None, 100_000).expect("messages").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_the_store_let_go_of_is_never_announced_again() {
    let env = Env::start();
    let account = env.add_alice();
    // At most 5 per folder: of 310 messages, once read elsewhere, only the folder's newest 300
    // (the tracked set, which prune never touches) stay. The 10 oldest go although below the
    // watermark of a folder still on the server: the case where announcing them again would
    // be easiest. (News is never let go of: they must be read first.)
    let opts = EngineOptions {
        push: false,
        prune_every: Duration::from_millis(200),
        retention: Retention { per_folder: 5, step: 16, ..Retention::default() },
        ..EngineOptions::default()
    };
    let engine = env.engine(opts.clone());
    let mut rx = engine.subscribe();
    assert_eq!(engine.start(None).expect("start"), 1);
    assert!(pass_with_news(&mut rx, 0).await.is_empty(), "the first pass is a baseline");

    env.dovecot
        .fill_folder(ALICE, "INBOX", 310, |i| {
            mailbell_e2e::simple("Bob Sender <bob@example.org>", "alice@localhost", &format!("old {i}"), "Hello.")
        })
        .expect("fill");
    engine.sync_now(&account, None).expect("sync now");
    let first = pass_with_news(&mut rx, 310).await;
    assert_eq!(first.len(), 310);
    // Read in another mail program; the next pass learns it (news is tracked), and they are no
    // longer news.
    env.dovecot.add_flags_all(ALICE, "INBOX", &["\\Seen"]).expect("read elsewhere");
    engine.sync_now(&account, None).expect("sync now");
    assert!(pass_with_news(&mut rx, 0).await.is_empty());

    // The pruning task runs after that pass (or on its timer) and lets go of the 10 oldest.
    let deadline = Instant::now() + Duration::from_secs(60);
    while held(&env) != 300 {
        assert!(Instant::now() < deadline, "the store still holds {} messages", held(&env));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kept: Vec<u32> = engine.store().messages(None, 1000).expect("messages").iter().map(|m| m.uid).collect();
    assert!(kept.iter().all(|uid| *uid > 10), "the oldest went: {kept:?}");

    // New mail after the prune: exactly it is announced, nothing let go of comes back.
    env.append("INBOX", "fresh");
    engine.sync_now(&account, None).expect("sync now");
    let after = pass_with_news(&mut rx, 1).await;
    assert_eq!(after.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["fresh"], "{after:?}");
    // A pass more, with the prune due again meanwhile: still nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    engine.sync_now(&account, None).expect("sync now");
    assert!(pass_with_news(&mut rx, 0).await.is_empty());
    engine.shutdown().await;

    // A restarted engine announces what is owed and checks every folder: nothing.
    let engine = env.engine(opts);
    let mut rx = engine.subscribe();
    engine.start(None).expect("start");
    assert!(pass_with_news(&mut rx, 0).await.is_empty());
    engine.shutdown().await;

    // Nor does a one-shot check in a process of its own.
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty(), "{:?}", out.subjects());
    let inbox = env.folder_status("INBOX");
    assert_eq!(inbox["last_uid"], 311, "the watermark is where the passes left it: {inbox}");
}
