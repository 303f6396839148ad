//! What rings (#15 item 4), against a real Dovecot: quiet hours hold mail and one digest sums
//! it up at their end (also across a restart), important senders ring through, muted lists,
//! notify-off folders and junk stay silent but stored; `watch` honours it all for its hook.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use common::watch::Watch;
use common::{Env, ALICE, ALICE_PW};
use mailbell_e2e::MessageBuilder;
use mailbell_sync::account::NewSecret;
use mailbell_sync::{
    AccountState, Day, DigestEvent, Engine, EngineOptions, Event, LocalClock, NewMessageEvent, QuietSpan, Ring, Rules, SyncOptions,
    Timeouts,
};
use serde_json::Value;
use tokio::sync::broadcast;

const BOSS: &str = "Boss <boss@example.org>";
const BOB: &str = "Bob Sender <bob@example.org>";
const LIST_ID: &str = "News list <news.lists.example>";

fn append(env: &Env, folder: &str, from: &str, subject: &str, list_id: Option<&str>) -> u32 {
    let mut m = MessageBuilder::new().from(from).to("alice@localhost").subject(subject);
    if let Some(id) = list_id {
        m = m.header("List-Id", id);
    }
    env.dovecot.append(ALICE, folder, &m.build(), &[]).expect("append")
}

/// A local clock the test sets.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<FixedOffset>>>);

impl TestClock {
    fn at(rfc3339: &str) -> TestClock {
        TestClock(Arc::new(Mutex::new(DateTime::parse_from_rfc3339(rfc3339).expect("time"))))
    }

    fn set(&self, rfc3339: &str) {
        *self.0.lock().expect("clock") = DateTime::parse_from_rfc3339(rfc3339).expect("time");
    }

    fn local(&self) -> LocalClock {
        let now = Arc::clone(&self.0);
        LocalClock::new(move || *now.lock().expect("clock"))
    }
}

fn options(clock: &TestClock) -> EngineOptions {
    EngineOptions {
        timeouts: Timeouts { connect: Duration::from_secs(5), response: Duration::from_secs(5) },
        push: false,
        system_wakeups: false,
        quiet_check: Duration::from_millis(200),
        sync: SyncOptions { clock: clock.local(), ..SyncOptions::default() },
        ..EngineOptions::default()
    }
}

/// Every night 22:00-07:00; the boss is important; a news list is muted.
fn rules() -> Rules {
    Rules {
        quiet_hours: vec![QuietSpan { days: Day::ALL.to_vec(), start: "22:00".into(), end: "07:00".into() }],
        important: vec!["boss@example.org".into()],
        muted: vec!["list:news.lists.example".into()],
    }
}

/// Reads the engine's events until `done` says enough, keeping them all.
async fn collect_until(rx: &mut broadcast::Receiver<Event>, seen: &mut Vec<Event>, what: &str, done: impl Fn(&[Event]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(e)) => seen.push(e),
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("timed out waiting for {what}; events so far:\n{seen:#?}"),
        }
    }
}

fn new_messages(seen: &[Event]) -> Vec<&NewMessageEvent> {
    seen.iter()
        .filter_map(|e| match e {
            Event::NewMessage(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn digests(seen: &[Event]) -> Vec<&DigestEvent> {
    seen.iter()
        .filter_map(|e| match e {
            Event::Digest(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn has_message(seen: &[Event], subject: &str) -> bool {
    new_messages(seen).iter().any(|m| m.subject == subject)
}

fn ring_of<'a>(seen: &'a [Event], subject: &str) -> (Ring, Option<&'a str>) {
    let m = new_messages(seen).into_iter().find(|m| m.subject == subject).unwrap_or_else(|| panic!("no new_message {subject:?}"));
    (m.ring, m.ring_reason.as_deref())
}

async fn pass_ok(rx: &mut broadcast::Receiver<Event>, seen: &mut Vec<Event>, account: &str) {
    let before = seen.len();
    collect_until(rx, seen, "a pass to end", |s| {
        s[before..].iter().any(|e| matches!(e, Event::AccountStatus(a) if a.account == account && a.state == AccountState::Ok))
    })
    .await;
}

async fn start(env: &Env, clock: &TestClock) -> (Engine, broadcast::Receiver<Event>) {
    let engine = env.engine(options(clock));
    let rx = engine.subscribe();
    engine.start(None).expect("start");
    (engine, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_mail_for_one_digest_and_the_rules_decide_what_rings() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Noisy").expect("create");
    // Monday 23:00, in the quiet hours.
    let clock = TestClock::at("2026-12-07T23:00:00+01:00");
    let engine = env.engine(options(&clock));
    let mut rx = engine.subscribe();
    let mut seen = Vec::new();
    engine.set_rules(rules()).expect("rules");
    let err = engine
        .set_rules(Rules { quiet_hours: vec![QuietSpan { days: vec![Day::Mon], start: "25:00".into(), end: "07:00".into() }], ..rules() })
        .unwrap_err();
    assert!(err.to_string().contains("\"25:00\" is not a time of day"), "{err}");
    assert_eq!(engine.rules().expect("rules"), rules(), "a refused change keeps the rules");
    let mut new = env.new_account_at(env.dovecot.tls_port());
    new.folders = Some(vec!["INBOX".into(), "Noisy".into(), "Junk".into()]);
    let account = engine.add_account(new, vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    pass_ok(&mut rx, &mut seen, &account.id).await;
    engine.set_folder_notify(&account.id, "Noisy", false).expect("folder notify");
    assert!(engine.set_folder_notify(&account.id, "Nope", false).is_err(), "an unknown folder is an error");

    let read_later = append(&env, "INBOX", BOB, "night one", None);
    append(&env, "INBOX", BOB, "night two", None);
    append(&env, "INBOX", BOSS, "boss at night", None);
    append(&env, "INBOX", "News <news@lists.example>", "list post", Some(LIST_ID));
    append(&env, "Noisy", BOB, "noisy folder", None);
    append(&env, "Junk", BOB, "junk offer", None);
    append(&env, "Junk", BOSS, "boss in junk", None);
    engine.sync_now(&account.id, None).expect("sync now");
    let all = ["night one", "night two", "boss at night", "list post", "noisy folder", "junk offer", "boss in junk"];
    collect_until(&mut rx, &mut seen, "the seven messages", |s| all.iter().all(|subject| has_message(s, subject))).await;
    // The decisions are stored right after the events go out, before the pass ends.
    pass_ok(&mut rx, &mut seen, &account.id).await;

    assert_eq!(ring_of(&seen, "night one"), (Ring::Quiet, Some("quiet_hours")));
    assert_eq!(ring_of(&seen, "night two"), (Ring::Quiet, Some("quiet_hours")));
    assert_eq!(ring_of(&seen, "boss at night"), (Ring::Ring, Some("important_sender")));
    assert_eq!(ring_of(&seen, "list post"), (Ring::Silent, Some("muted_list")));
    assert_eq!(ring_of(&seen, "noisy folder"), (Ring::Silent, Some("folder_off")));
    assert_eq!(ring_of(&seen, "junk offer"), (Ring::Silent, Some("junk")));
    assert_eq!(ring_of(&seen, "boss in junk"), (Ring::Ring, Some("important_sender")));
    let listed = new_messages(&seen).into_iter().find(|m| m.subject == "list post").expect("list post");
    assert_eq!(listed.list_id.as_deref(), Some("news.lists.example"));
    // Silent is not lost: stored, listed with its decision, and counted.
    let stored = engine.store().messages(None, 100).expect("messages");
    for subject in all {
        assert!(stored.iter().any(|m| m.subject == subject), "{subject} is stored");
    }
    let noisy = stored.iter().find(|m| m.subject == "noisy folder").expect("stored");
    assert_eq!((noisy.ring, noisy.ring_reason.as_deref(), noisy.seen), (Ring::Silent, Some("folder_off"), false));
    let noisy_folder = engine.store().folder(&account.id, "Noisy").expect("folder").expect("row");
    assert!(!noisy_folder.notify);
    assert_eq!(noisy_folder.unseen, 1, "a notify-off folder still counts");

    // "night one" is read elsewhere during the quiet hours: no longer news for the digest.
    env.dovecot.add_flags(ALICE, "INBOX", read_later, &["\\Seen"]).expect("read elsewhere");
    engine.sync_now(&account.id, None).expect("sync now");
    collect_until(&mut rx, &mut seen, "night one read", |s| {
        s.iter().any(|e| matches!(e, Event::MessageUpdate(u) if u.uid == read_later && u.folder == "INBOX" && u.seen))
    })
    .await;

    // A restart during the quiet hours: the held mail is in the store, not in memory.
    engine.shutdown().await;
    assert!(digests(&seen).is_empty(), "no digest during the quiet hours: {seen:#?}");
    let (engine, mut rx) = start(&env, &clock).await;
    pass_ok(&mut rx, &mut seen, &account.id).await;
    assert!(digests(&seen).is_empty(), "no digest during the quiet hours after a restart: {seen:#?}");

    // Tuesday 07:30: the quiet hours are over, one digest with what is still news.
    clock.set("2026-12-08T07:30:00+01:00");
    collect_until(&mut rx, &mut seen, "the digest", |s| !digests(s).is_empty()).await;
    let digest = digests(&seen)[0].clone();
    assert_eq!(digest.count, 1, "{digest:#?}");
    assert_eq!(digest.messages.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), vec!["night two"]);
    assert!(digest.until.starts_with("2026-12-08T07:30:00"), "{}", digest.until);

    // Daytime mail rings; and the digest was sent once.
    append(&env, "INBOX", BOB, "morning", None);
    engine.sync_now(&account.id, None).expect("sync now");
    collect_until(&mut rx, &mut seen, "the morning mail", |s| has_message(s, "morning")).await;
    assert_eq!(ring_of(&seen, "morning"), (Ring::Ring, None));
    assert_eq!(digests(&seen).len(), 1, "one digest");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_switched_off_rings_nothing_but_stores_everything() {
    let env = Env::start();
    let clock = TestClock::at("2026-12-07T12:00:00+01:00");
    let engine = env.engine(options(&clock));
    let mut rx = engine.subscribe();
    let mut seen = Vec::new();
    engine.set_rules(rules()).expect("rules");
    let account =
        engine.add_account(env.new_account_at(env.dovecot.tls_port()), vec![], NewSecret::Password(ALICE_PW.into())).await.expect("add");
    pass_ok(&mut rx, &mut seen, &account.id).await;
    engine.set_account_notify(&account.id, false).expect("account notify");
    assert!(!engine.store().account(&account.id).expect("account").expect("row").notify);
    append(&env, "INBOX", BOSS, "boss while off", None);
    engine.sync_now(&account.id, None).expect("sync now");
    collect_until(&mut rx, &mut seen, "the message", |s| has_message(s, "boss while off")).await;
    assert_eq!(ring_of(&seen, "boss while off"), (Ring::Silent, Some("account_off")), "the switch beats an important sender");
    engine.set_account_notify(&account.id, true).expect("account notify");
    append(&env, "INBOX", BOB, "back on", None);
    engine.sync_now(&account.id, None).expect("sync now");
    collect_until(&mut rx, &mut seen, "the message", |s| has_message(s, "back on")).await;
    assert_eq!(ring_of(&seen, "back on"), (Ring::Ring, None));
    engine.shutdown().await;
}

fn hook_lines(path: &std::path::Path) -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn new_message<'a>(seen: &'a [Value], subject: &str) -> &'a Value {
    seen.iter()
        .find(|e| e["event"] == "new_message" && e["subject"] == subject)
        .unwrap_or_else(|| panic!("no new_message {subject:?}: {seen:#?}"))
}

#[test]
fn watch_runs_the_hook_only_for_mail_that_rings_unless_told_to_ignore_the_rules() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Noisy").expect("create");
    let id = env.add_user(ALICE, ALICE_PW, &["--interval", "10", "--folders", "INBOX,Noisy"]);
    env.sync().assert_ok();
    env.cli(&["notify", "--account", &id, "--folder", "Noisy", "off"]).assert_ok();
    assert_eq!(env.cli(&["notify", "--account", &id, "--folder", "Nope", "off"]).code, Some(2));
    let set = env.cli(&["rules", "set", "--important", "boss@example.org", "--muted", "list:news.lists.example", "--json"]);
    set.assert_ok();
    assert_eq!(set.json()["important"], serde_json::json!(["boss@example.org"]));
    let bad = env.cli(&["rules", "set", "--quiet", "mon 25:00-07:00"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("25:00"), "{}", bad.stderr);

    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("hook.log");
    let cmd = format!("printf '%s|%s|%s\\n' \"$MAILBELL_EVENT\" \"$MAILBELL_SUBJECT\" \"$MAILBELL_DIGEST_COUNT\" >> '{}'", log.display());
    let mut w = Watch::start(&env, &["--on-new-mail", &cmd]);
    w.wait_for("the first pass", Duration::from_secs(30), |e| e["event"] == "account_status" && e["state"] == "ok");
    append(&env, "INBOX", BOB, "plain", None);
    append(&env, "INBOX", BOSS, "from the boss", None);
    append(&env, "INBOX", "News <news@lists.example>", "list post", Some(LIST_ID));
    append(&env, "Noisy", BOB, "noisy folder", None);
    for subject in ["plain", "from the boss", "list post", "noisy folder"] {
        w.wait_for(subject, Duration::from_secs(60), |e| e["event"] == "new_message" && e["subject"] == subject);
    }
    assert_eq!(new_message(&w.seen, "plain")["ring"], "ring");
    assert!(new_message(&w.seen, "plain")["ring_reason"].is_null());
    assert_eq!(new_message(&w.seen, "from the boss")["ring_reason"], "important_sender");
    assert_eq!(new_message(&w.seen, "list post")["ring"], "silent");
    assert_eq!(new_message(&w.seen, "list post")["ring_reason"], "muted_list");
    assert_eq!(new_message(&w.seen, "list post")["list_id"], "news.lists.example");
    assert_eq!(new_message(&w.seen, "noisy folder")["ring_reason"], "folder_off");

    // Quiet all day, every day, by the real clock: new mail is held; quiet hours removed
    // (by another CLI, as the app would), the watching engine sends the digest.
    env.cli(&["rules", "set", "--quiet", "daily 00:00-00:00"]).assert_ok();
    append(&env, "INBOX", BOB, "held", None);
    let held = w.wait_for("held", Duration::from_secs(60), |e| e["event"] == "new_message" && e["subject"] == "held");
    assert_eq!((held["ring"].as_str(), held["ring_reason"].as_str()), (Some("quiet"), Some("quiet_hours")));
    env.cli(&["rules", "set", "--no-quiet"]).assert_ok();
    let digest = w.wait_for("the digest", Duration::from_secs(90), |e| e["event"] == "digest");
    assert_eq!(digest["count"], 1);
    assert_eq!(digest["messages"][0]["subject"], "held");
    let (code, _) = w.terminate();
    assert_eq!(code, Some(0));
    // The hook ran for the two that ring and once for the digest (its queue is finished
    // before watch exits).
    assert_eq!(hook_lines(&log), vec!["digest|held|1", "new_message|from the boss|", "new_message|plain|"]);

    // --ignore-rules: every unread new message runs the hook, muted or not.
    std::fs::remove_file(&log).expect("rm log");
    let mut w = Watch::start(&env, &["--on-new-mail", &cmd, "--ignore-rules"]);
    w.wait_for("the first pass", Duration::from_secs(30), |e| e["event"] == "account_status" && e["state"] == "ok");
    append(&env, "INBOX", "News <news@lists.example>", "list again", Some(LIST_ID));
    append(&env, "Noisy", BOB, "noisy again", None);
    for subject in ["list again", "noisy again"] {
        w.wait_for(subject, Duration::from_secs(60), |e| e["event"] == "new_message" && e["subject"] == subject);
    }
    assert_eq!(new_message(&w.seen, "list again")["ring"], "silent", "--json still prints the engine's decision");
    let (code, _) = w.terminate();
    assert_eq!(code, Some(0));
    assert_eq!(hook_lines(&log), vec!["new_message|list again|", "new_message|noisy again|"]);

    let shown = env.cli(&["rules", "show", "--json"]);
    shown.assert_ok();
    assert_eq!(shown.json()["muted"], serde_json::json!(["list:news.lists.example"]));
    assert_eq!(shown.json()["quiet_hours"], serde_json::json!([]));
}
