//! New folders are news too: a folder that appears after the account's last pass (a Sieve
//! `fileinto :create`, a new list folder) is watched under the default rule, and the mail that
//! arrived in it after that pass is reported rather than taken as history. A copy of mail
//! already announced (moved or copied there from INBOX) rings no second time.

mod common;

use common::{Env, ALICE};

#[test]
fn mail_in_a_folder_created_since_the_last_pass_is_reported() {
    let env = Env::start();
    env.add_alice();
    env.append("INBOX", "history");
    env.sync().assert_ok();

    // Announced from INBOX first.
    let raw = mailbell_e2e::MessageBuilder::new().subject("told already").message_id("<told@example.org>").build();
    env.dovecot.append(ALICE, "INBOX", &raw, &[]).expect("append");
    assert_eq!(env.sync().subjects(), ["told already"]);

    // A rule creates a folder and files mail into it between two passes; the same rule
    // also copies the message that was announced already.
    env.dovecot.create_folder(ALICE, "Lists/new-list").expect("create");
    env.append("Lists/new-list", "first post to a new list");
    env.dovecot.append(ALICE, "Lists/new-list", &raw, &[]).expect("append");
    let out = env.sync();
    out.assert_ok();
    assert_eq!(out.subjects(), ["first post to a new list"], "{}", out.stdout);
    assert_eq!(out.new_messages()[0]["folder"], "Lists/new-list");
    let copies: Vec<_> = out.events().into_iter().filter(|e| e["event"] == "message_update" && e["new_copy"] == true).collect();
    assert_eq!(copies.len(), 1, "the copy attaches to the message told already: {}", out.stdout);
    assert_eq!(env.folder_status("Lists/new-list")["watched"], true);

    // From now on the folder has its watermark: nothing is reported twice.
    let again = env.sync();
    assert!(again.new_messages().is_empty(), "{}", again.stdout);
    env.append("Lists/new-list", "second post");
    assert_eq!(env.sync().subjects(), ["second post"]);
}

#[test]
fn an_accounts_first_pass_takes_every_folder_as_history() {
    let env = Env::start();
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.append("Work", "old work");
    env.append("INBOX", "old inbox");
    env.add_alice();
    let first = env.sync();
    first.assert_ok();
    assert!(first.new_messages().is_empty(), "{}", first.stdout);
}
