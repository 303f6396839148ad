//! The bench's messages and bulk loading.

use std::time::{Duration, Instant};

use anyhow::Context;
use mailbell_e2e::Dovecot;

pub const USER: &str = "alice";

/// About 1.5 KiB of plain text: a typical short mail. The engine fetches at most 4 KiB of text
/// per message, so larger bodies would only cost disk space on the server.
const BODY: &str = "Hello Alice,\n\n\
here are the notes from this morning's meeting. We went through the release checklist, the open \
review comments and the schedule for the next two weeks. Nothing is blocked, but the migration \
of the old reports needs an owner: please say if you can take it.\n\n\
1. Release checklist: the packaging step is automated now; the signing step is still manual.\n\
2. Reviews: three pull requests are waiting for a second reviewer since last Thursday.\n\
3. Schedule: the freeze moves by two days because of the holiday on Monday.\n\
4. Reports: the export job times out on the largest customer; we will split it by month.\n\n\
The full minutes are in the shared folder, together with the slides that were shown. If \
anything in them is wrong or missing, reply to this mail before Friday so that the corrected \
version can go out with the weekly summary.\n\n\
Thanks, and have a good day.\n\n\
-- \nBench Sender\nExample Org, Building 4, Room 211\n";

/// Message `i` of a set: unique subject and Message-ID, Date now.
pub fn message(tag: &str, i: usize) -> Vec<u8> {
    mailbell_e2e::simple("Bench Sender <sender@example.org>", "alice@localhost", &format!("{tag} #{i}"), BODY)
}

/// Loads `count` new messages into `folder` and returns how long that took.
pub fn fill(dovecot: &Dovecot, folder: &str, count: usize, tag: &str) -> anyhow::Result<Duration> {
    fill_for(dovecot, USER, folder, count, tag)
}

/// [`fill`] for another user of the server.
pub fn fill_for(dovecot: &Dovecot, user: &str, folder: &str, count: usize, tag: &str) -> anyhow::Result<Duration> {
    let t = Instant::now();
    dovecot
        .fill_folder(user, folder, count, |i| message(tag, i))
        .with_context(|| format!("filling {user}'s {folder:?} with {count} messages"))?;
    Ok(t.elapsed())
}

/// Creates `n` folders besides INBOX (so `n + 1` watched ones): `F01`, `F02`, ... Returns
/// every watched folder's name, INBOX first.
pub fn create_folders(dovecot: &Dovecot, n: usize) -> anyhow::Result<Vec<String>> {
    create_folders_for(dovecot, USER, n)
}

/// [`create_folders`] for another user of the server.
pub fn create_folders_for(dovecot: &Dovecot, user: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut names = vec!["INBOX".to_string()];
    for i in 1..=n {
        let name = format!("F{i:02}");
        dovecot.create_folder(user, &name).with_context(|| format!("creating {user}'s folder {name}"))?;
        names.push(name);
    }
    Ok(names)
}
