//! What the server does behind Mailbell's back: UIDVALIDITY resets while mail keeps arriving,
//! folders renamed, deleted and recreated under the same name, messages expunged right after
//! (or while) they are fetched, a thousand folders without LIST-STATUS, one folder of 200,000
//! messages, and 50 MB messages. Through the real CLI; figures are printed, not asserted.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_e2e::cli::{run_cli, CliProcess};
use mailbell_e2e::ledger::{rows_of, Ledger, Rows, RunEnd};
use mailbell_e2e::{DovecotOptions, MessageBuilder, Proxy, ProxyMode, RawImap};
use rand::{Rng, SeedableRng};

fn msg(subject: &str) -> Vec<u8> {
    mailbell_e2e::simple("Server Side <server@example.org>", "alice@localhost", subject, "server change body")
}

fn rows(env: &Env) -> Rows {
    rows_of(&env.messages()).unwrap_or_else(|e| panic!("{e}"))
}

fn sync_json(env: &Env) -> mailbell_e2e::cli::Finished {
    run_cli(env.data_dir(), &["sync", "--once", "--json"], &[], Duration::from_secs(600)).expect("sync")
}

fn subjects(run: &mailbell_e2e::cli::Finished) -> Vec<String> {
    let mut s: Vec<String> = run.new_messages().iter().map(|e| e["subject"].as_str().unwrap_or("").to_string()).collect();
    s.sort();
    s
}

#[test]
fn uidvalidity_resets_while_mail_keeps_arriving_lose_and_duplicate_nothing() {
    let seed: u64 = rand::random();
    eprintln!("seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    for f in ["INBOX", "Work"] {
        env.dovecot.fill_folder(ALICE, f, 40, |i| msg(&format!("history {f} {i}"))).expect("history");
    }
    // INTERNALDATE has whole seconds; keep history out of the baseline's second.
    std::thread::sleep(Duration::from_millis(1100));
    env.add_alice();
    env.sync().assert_ok();
    let initial = rows(&env);
    let mut ledger = Ledger::new(initial.clone());
    let expected: Mutex<BTreeSet<String>> = Mutex::default();
    let stop = AtomicBool::new(false);
    let seq = AtomicUsize::new(0);
    let mut resets = 0;
    let mut validity = 1_000u32;
    std::thread::scope(|scope| {
        let trickle_seed: u64 = rng.random();
        let (env, stop, seq, expected) = (&env, &stop, &seq, &expected);
        scope.spawn(move || {
            let mut rng = rand::rngs::StdRng::seed_from_u64(trickle_seed);
            while !stop.load(Ordering::SeqCst) {
                let folder = if rng.random_bool(0.5) { "INBOX" } else { "Work" };
                let subject = format!("arrived {} {folder}", seq.fetch_add(1, Ordering::SeqCst));
                env.dovecot.append(ALICE, folder, &msg(&subject), &[]).expect("append");
                expected.lock().expect("lock").insert(subject);
                std::thread::sleep(Duration::from_millis(rng.random_range(20..120)));
            }
        });
        struct Stop<'a>(&'a AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop = Stop(stop);
        for round in 0..10 {
            std::thread::sleep(Duration::from_millis(rng.random_range(100..700)));
            if round % 3 != 1 {
                let folder = if rng.random_bool(0.5) { "INBOX" } else { "Work" };
                validity += rng.random_range(1..50);
                env.dovecot.set_uidvalidity(ALICE, folder, validity).expect("uidvalidity");
                resets += 1;
            }
            let run = sync_json(env);
            assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
            let s = ledger.record(&format!("pass {round}"), RunEnd::Complete, &run.events(), rows(env)).unwrap_or_else(|e| panic!("{e}"));
            eprintln!("pass {round}: {} announced", s.announced);
        }
    });
    let run = sync_json(&env);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    ledger.record("final pass", RunEnd::Complete, &run.events(), rows(&env)).unwrap_or_else(|e| panic!("{e}"));
    let expected = expected.into_inner().expect("lock");
    ledger.check_final(&initial, &expected).unwrap_or_else(|e| panic!("UIDVALIDITY resets: {e}"));
    let notices: Vec<String> = env.status().iter().filter_map(|f| f["notice"].as_str().map(str::to_string)).collect();
    assert!(notices.iter().any(|n| n.contains("UIDVALIDITY changed")), "the reset is recorded: {notices:?}");
    eprintln!("{resets} UIDVALIDITY resets with mail arriving: {}; {} messages arrived", ledger.totals(), expected.len());
}

#[test]
fn a_renamed_folder_goes_on_without_flood_or_duplicate() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.dovecot.fill_folder(ALICE, "Work", 10, |i| msg(&format!("history {i}"))).expect("history");
    env.add_alice();
    env.sync().assert_ok();
    env.append("Work", "before rename");
    assert_eq!(env.sync().subjects(), vec!["before rename"]);

    env.dovecot.rename_folder(ALICE, "Work", "Projects/Work 2024").expect("rename");
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty(), "a renamed folder's old mail is not news: {}", out.stdout);
    let names: Vec<String> = env.status().iter().map(|f| f["folder"].as_str().unwrap_or("").to_string()).collect();
    assert!(names.contains(&"Projects/Work 2024".to_string()) && !names.contains(&"Work".to_string()), "{names:?}");
    env.append("Projects/Work 2024", "after rename");
    assert_eq!(env.sync().subjects(), vec!["after rename"]);
    // The message seen before the rename stays in the list, once.
    let stored: Vec<String> = env.messages().iter().map(|m| m["subject"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(stored.iter().filter(|s| *s == "before rename").count(), 1, "{stored:?}");
    assert_eq!(stored.len(), 2, "{stored:?}");
}

/// Mail arrives in a watched folder, and the folder is renamed before the next pass (by the
/// user on another device, or a server-side rule). The message was never announced; after the
/// rename it sits in a folder Mailbell has not seen before, which is baselined as history.
/// Dovecot keeps a folder's UIDVALIDITY across a rename, so the server says enough to notice.
#[test]
fn mail_that_arrived_just_before_its_folder_was_renamed_is_announced() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.dovecot.fill_folder(ALICE, "Work", 10, |i| msg(&format!("history {i}"))).expect("history");
    env.add_alice();
    env.sync().assert_ok();
    let before = env.dovecot.status(ALICE, "Work").expect("status").uidvalidity;
    env.append("Work", "arrived, then its folder was renamed");
    env.dovecot.rename_folder(ALICE, "Work", "Work-renamed").expect("rename");
    assert_eq!(env.dovecot.status(ALICE, "Work-renamed").expect("status").uidvalidity, before, "Dovecot keeps UIDVALIDITY");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(
        out.subjects(),
        vec!["arrived, then its folder was renamed"],
        "a message that arrived in a watched folder is announced even though the folder was renamed before the next pass"
    );
}

#[test]
fn a_folder_deleted_and_recreated_with_the_same_name_between_passes() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.dovecot.fill_folder(ALICE, "Work", 10, |i| msg(&format!("history {i}"))).expect("history");
    std::thread::sleep(Duration::from_millis(1100));
    env.add_alice();
    env.sync().assert_ok();
    env.append("Work", "in the old folder");
    assert_eq!(env.sync().subjects(), vec!["in the old folder"]);
    let old = env.folder_status("Work")["uidvalidity"].as_u64().expect("validity");

    env.dovecot.delete_folder(ALICE, "Work").expect("delete");
    env.dovecot.create_folder(ALICE, "Work").expect("recreate");
    env.append("Work", "in the new folder");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["in the new folder"], "new mail in the recreated folder, nothing else");
    let work = env.folder_status("Work");
    assert_ne!(work["uidvalidity"].as_u64(), Some(old), "the recreated folder is a new UIDVALIDITY");
    assert_eq!(work["state"], "ok");
    env.append("Work", "later in the new folder");
    assert_eq!(env.sync().subjects(), vec!["later in the new folder"]);
    let stored: Vec<String> = env.messages().iter().map(|m| m["subject"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(stored.len(), 3, "{stored:?}");

    // Deleted, one pass, recreated: a folder seen for the first time. Its mail arrived after
    // the last pass, so it is news (new folders are news too), and it is baselined after it.
    env.dovecot.delete_folder(ALICE, "Work").expect("delete");
    env.sync().assert_ok();
    env.dovecot.create_folder(ALICE, "Work").expect("recreate");
    env.append("Work", "before the recreated folder was first seen");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), vec!["before the recreated folder was first seen"], "{}", out.stdout);
    env.append("Work", "after it was seen");
    assert_eq!(env.sync().subjects(), vec!["after it was seen"]);
}

#[test]
fn messages_expunged_right_after_they_were_fetched_are_not_reported_again() {
    let env = Env::start();
    env.dovecot.fill_folder(ALICE, "INBOX", 10, |i| msg(&format!("history {i}"))).expect("history");
    env.add_alice();
    env.sync().assert_ok();
    let uids: Vec<u32> = (0..5).map(|i| env.append("INBOX", &format!("fetched {i}"))).collect();
    assert_eq!(env.sync().subjects().len(), 5);
    // Expunged at once (a filter on another client, a phone that deletes): the newest
    // messages go too, so `UID FETCH n:*` returns an older one, which must not count.
    env.dovecot.expunge(ALICE, "INBOX", &uids).expect("expunge");
    env.dovecot.expunge(ALICE, "INBOX", &[3, 4]).expect("expunge history");
    let out = env.sync();
    out.assert_ok();
    assert!(out.new_messages().is_empty(), "{}", out.stdout);
    env.append("INBOX", "after the expunge");
    env.append("INBOX", "after the expunge 2");
    assert_eq!(env.sync().subjects(), vec!["after the expunge", "after the expunge 2"]);
    // Mailbell's list keeps what it saw.
    assert_eq!(env.messages().len(), 7);
    assert_eq!(env.folder_status("INBOX")["state"], "ok");
}

/// Messages expunged on the server while a fetch of them is under way (the proxy slows the
/// link so the fetch is still running): no crash, nothing stored twice, every message that was
/// not expunged stored in the end, and nothing stored that is not a real message with its
/// summary (an expunged message must not become an empty row).
#[test]
fn messages_expunged_while_they_are_being_fetched() {
    let env = Env::start();
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    proxied_account(&env, &proxy);
    env.sync().assert_ok();
    let initial = rows(&env);
    // About 10 MB of FETCH answers: more than the socket buffers hold, so at 2 MB/s the server
    // is still working through the command when the expunge comes.
    let n = 20_000;
    env.dovecot.fill_folder(ALICE, "INBOX", n, |i| msg(&format!("burst {i:05}"))).expect("burst");
    let all: BTreeSet<String> = (0..n).map(|i| format!("burst {i:05}")).collect();
    let status = env.dovecot.status(ALICE, "INBOX").expect("status");
    let first = status.uidnext - n as u32;
    proxy.limit_rate(Some(2_000_000));
    let mut p = CliProcess::spawn(env.data_dir(), &["sync", "--once", "--json"], &[]).expect("spawn");
    assert!(p.wait_new_messages(600, Duration::from_secs(60)), "the fetch started");
    // Expunge some fetched ones, a band about to be fetched, and bands far ahead.
    let band: Vec<u32> = (first + 100..first + 150)
        .chain(first + 1000..first + 1200)
        .chain(first + 9000..first + 9500)
        .chain(first + 16000..first + 17000)
        .collect();
    let fetched_at_expunge = p.new_message_count();
    env.dovecot.expunge(ALICE, "INBOX", &band).expect("expunge");
    let run = p.wait(Duration::from_secs(120)).expect("sync");
    proxy.limit_rate(None);
    eprintln!(
        "sync with expunges underneath ({fetched_at_expunge} announced when they went): {:?}, {} announced; stderr: {}",
        run.status,
        run.new_messages().len(),
        run.stderr.trim()
    );
    assert!(fetched_at_expunge < n / 2, "the expunge came mid-fetch ({fetched_at_expunge} of {n} already announced)");
    let mut ledger = Ledger::new(initial.clone());
    // Failed or not, the run was not killed: whatever it stored, it announced.
    ledger.record("sync during expunges", RunEnd::Complete, &run.events(), rows(&env)).unwrap_or_else(|e| panic!("{e}"));
    // Whatever that pass made of it, the next one settles the folder.
    let again = sync_json(&env);
    assert_eq!(again.status.code(), Some(0), "{}", again.stderr);
    ledger.record("next sync", RunEnd::Complete, &again.events(), rows(&env)).unwrap_or_else(|e| panic!("{e}"));
    let strangers: Vec<String> = ledger
        .rows()
        .iter()
        .filter(|(k, s)| !initial.contains_key(*k) && !all.contains(*s))
        .take(5)
        .map(|(k, s)| format!("{k} {s:?}"))
        .collect();
    assert!(strangers.is_empty(), "only burst mail stored, with its summary; also stored: {strangers:?}");
    let stored: BTreeSet<String> = ledger.rows().iter().filter(|(k, _)| !initial.contains_key(*k)).map(|(_, s)| s.clone()).collect();
    let expunged: BTreeSet<String> = band.iter().map(|uid| format!("burst {:05}", uid - first)).collect();
    let survivors: BTreeSet<String> = all.difference(&expunged).cloned().collect();
    let missing: Vec<&String> = survivors.difference(&stored).take(5).collect();
    assert!(missing.is_empty(), "every message that was not expunged is stored, missing e.g. {missing:?}");
    assert_eq!(stored.len(), ledger.rows().len() - initial.len(), "each message stored once");
    assert_eq!(env.folder_status("INBOX")["state"], "ok");
    eprintln!(
        "expunged {} of {n} during the fetch: {} stored ({} of the expunged ones were fetched before they went), {}",
        band.len(),
        stored.len(),
        stored.intersection(&expunged).count(),
        ledger.totals()
    );
}

fn create_folders(env: &Env, names: &[String]) {
    let mut imap = RawImap::connect(env.dovecot.plain_addr()).expect("connect");
    imap.login(ALICE, common::ALICE_PW).expect("login");
    for name in names {
        imap.command_ok(&format!("CREATE {}", mailbell_e2e::imap_raw::quote(name))).expect("create");
    }
}

#[test]
fn a_thousand_folders_without_list_status_and_news_in_fifty() {
    let env = Env::with(DovecotOptions::default().list_status(false));
    let names: Vec<String> = (0..1000).map(|i| format!("Lists/list-{i:04}")).collect();
    create_folders(&env, &names);
    env.add_alice();
    let t = Instant::now();
    env.sync().assert_ok();
    let baseline = t.elapsed();
    let watched = env.status().iter().filter(|f| f["watched"] == true).count();
    assert!(watched >= 1001, "INBOX and 1000 folders watched: {watched}");
    let t = Instant::now();
    let quiet = env.sync();
    quiet.assert_ok();
    let quiet_time = t.elapsed();
    assert!(quiet.new_messages().is_empty());
    let mut rng = rand::rngs::StdRng::seed_from_u64(rand::random());
    let mut expected = Vec::new();
    for _ in 0..50 {
        let f = &names[rng.random_range(0..names.len())];
        let s = format!("news in {f} #{}", expected.len());
        env.append(f, &s);
        expected.push(s);
    }
    expected.sort();
    let t = Instant::now();
    let out = env.sync();
    out.assert_ok();
    let news_time = t.elapsed();
    assert_eq!(out.subjects(), expected);
    eprintln!("1000 folders, pipelined STATUS: baseline pass {baseline:?}, quiet pass {quiet_time:?}, pass with 50 new in random folders {news_time:?}");
}

#[test]
fn one_folder_of_200000_messages() {
    let env = Env::start();
    let n = 200_000;
    let t = Instant::now();
    env.dovecot.fill_folder(ALICE, "INBOX", n, |i| msg(&format!("history {i:06}"))).expect("fill");
    let fill = t.elapsed();
    env.add_alice();
    let t = Instant::now();
    let first = sync_json(&env);
    let baseline = t.elapsed();
    assert_eq!(first.status.code(), Some(0), "{}", first.stderr);
    assert!(first.new_messages().is_empty(), "200,000 messages of history are not news");
    assert_eq!(env.folder_status("INBOX")["last_uid"], n as u64);
    let t = Instant::now();
    let quiet = sync_json(&env);
    let quiet_time = t.elapsed();
    assert_eq!(quiet.status.code(), Some(0));
    env.dovecot.fill_folder(ALICE, "INBOX", 2000, |i| msg(&format!("new {i:04}"))).expect("new mail");
    let t = Instant::now();
    let news = sync_json(&env);
    let news_time = t.elapsed();
    assert_eq!(news.status.code(), Some(0), "{}", news.stderr);
    let expected: Vec<String> = (0..2000).map(|i| format!("new {i:04}")).collect();
    assert_eq!(subjects(&news), expected);
    assert_eq!(env.messages().len(), 2000);
    eprintln!(
        "200,000 messages: loading them {fill:?}; baseline pass {baseline:?} ({} KiB peak RSS); quiet pass {quiet_time:?}; \
         2,000 new on top {news_time:?} ({} KiB peak RSS)",
        first.max_rss_kib, news.max_rss_kib
    );
}

fn proxied_account(env: &Env, proxy: &Proxy) -> String {
    env.add_user_at(ALICE, common::ALICE_PW, proxy.port(), &["--folders", "INBOX"])
}

#[test]
fn fifty_megabyte_messages_cost_bounded_bytes() {
    let env = Env::start();
    let proxy = Proxy::start(env.dovecot.tls_addr(), ProxyMode::Passthrough).expect("proxy");
    let account = proxied_account(&env, &proxy);
    env.sync().assert_ok();
    // One 50 MB plain-text body (no MIME at all), one 50 MB base64 attachment, and a message
    // whose 50 MB are in a single header.
    let mut text =
        b"From: Big <big@example.org>\r\nSubject: fifty megabytes of text\r\nMessage-ID: <big-text@example.org>\r\n\r\n".to_vec();
    let line = b"All work and no play makes a very long message. ".repeat(20);
    while text.len() < 50 << 20 {
        text.extend_from_slice(&line);
        text.extend_from_slice(b"\r\n");
    }
    let attachment =
        MessageBuilder::new().subject("fifty megabytes attached").text("see the attachment").with_attachment_bytes(37 << 20).build();
    let mut header = b"From: Hdr <hdr@example.org>\r\nSubject: fifty megabytes of header\r\nX-Padding: ".to_vec();
    header.extend(std::iter::repeat_n(b'x', 50 << 20));
    header.extend_from_slice(b"\r\n\r\nshort body\r\n");
    let mut sizes = Vec::new();
    for raw in [&text, &attachment, &header] {
        assert!(raw.len() >= 50 << 20, "{}", raw.len());
        sizes.push(raw.len());
        env.dovecot.append(ALICE, "INBOX", raw, &[]).expect("append");
    }
    let before = proxy.bytes_to_client();
    let t = Instant::now();
    let run = run_cli(env.data_dir(), &["sync", "--once", "--json", "--account", &account], &[], Duration::from_secs(300)).expect("sync");
    let took = t.elapsed();
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    let fetched = proxy.bytes_to_client() - before;
    assert_eq!(subjects(&run), vec!["fifty megabytes attached", "fifty megabytes of header", "fifty megabytes of text"]);
    let preview = run
        .new_messages()
        .iter()
        .find(|e| e["subject"] == "fifty megabytes of text")
        .map(|e| e["preview"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(preview.starts_with("All work and no play"), "{preview}");
    assert!(fetched < 256 * 1024, "fetched {fetched} bytes for three 50 MB messages");
    let stored = env.messages();
    for m in &stored {
        assert!(m["size"].as_u64().unwrap_or(0) >= 50 << 20, "RFC822.SIZE recorded: {m}");
    }
    eprintln!("three messages of {sizes:?} bytes: {fetched} bytes fetched, {took:?}, {} KiB peak RSS", run.max_rss_kib);
}
