//! S10: scale. (a) Many accounts x many folders, each layout on a fresh server (folders empty:
//! what is measured is the cost per folder): the first pass and a nothing-new pass of
//! `sync --once` over every account. (b) One folder grown to a million messages, written
//! straight into its Maildir (no APPEND: Dovecot indexes the files) in steps: per step, the
//! first pass of a fresh data directory (the baseline) and a nothing-new pass. Printed per
//! size: one pass's time, the CLI's peak RSS (the kernel's ru_maxrss of the process) and the
//! connections it opened; the summary says whether they stay flat.

use std::time::Instant;

use anyhow::Context;
use mailbell_e2e::DovecotOptions;

use crate::env::{BenchEnv, Expect, Pass};
use crate::mail::{self, USER};
use crate::report::{fmt_bytes, fmt_dur, ExtraTable, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::n;

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for &(accounts, folders) in &sizes.s10_layouts {
        layout(report, &mut rows, accounts, folders).with_context(|| format!("{accounts} accounts x {folders} folders"))?;
    }
    big_folder(sizes, report, &mut rows)?;
    report.table(ExtraTable {
        title: "S10: scale, one `sync --once` per row (loopback)".into(),
        headers: ["size", "pass", "time", "per folder", "peak RSS", "connections"].map(String::from).to_vec(),
        left: vec![true, true, false, false, false, false],
        rows,
        footnotes: vec![
            "Flat: time per folder and RSS should not grow with the folder count; RSS and connections not with the message count.".into(),
            "Accounts x folders: folders are empty (cost per folder); the big folder grows in its Maildir and is indexed by Dovecot."
                .into(),
        ],
    });
    Ok(())
}

fn row(rows: &mut Vec<Vec<String>>, size: &str, what: &str, pass: &Pass, folders: usize) {
    rows.push(vec![
        size.to_string(),
        what.to_string(),
        fmt_dur(pass.wall),
        fmt_dur(pass.wall / u32::try_from(folders.max(1)).unwrap_or(u32::MAX)),
        fmt_bytes(pass.max_rss_kib * 1024),
        pass.connections.to_string(),
    ]);
}

fn layout(report: &mut Report, rows: &mut Vec<Vec<String>>, accounts: usize, folders: usize) -> anyhow::Result<()> {
    let users: Vec<(String, String)> = std::iter::once((USER.to_string(), "alice-secret-pw".to_string()))
        .chain((1..accounts).map(|i| (format!("user{i}"), format!("user{i}-secret-pw"))))
        .collect();
    let mut opts = DovecotOptions::default();
    for (u, p) in users.iter().skip(1) {
        opts = opts.user(u.clone(), p.clone());
    }
    let mut env = BenchEnv::start_with(opts)?;
    let names: Vec<String> = (1..folders).map(|i| format!("F{i:04}")).collect();
    let t = Instant::now();
    for (user, _) in &users {
        env.dovecot.create_folders(user, &names).with_context(|| format!("creating {user}'s folders"))?;
    }
    let size = format!("{accounts} acc x {} fl", n(folders));
    report.setup(format!("S10 create {size}"), t.elapsed());
    env.new_account()?;
    for (user, password) in users.iter().skip(1) {
        env.add_account(user, password, &[])?;
    }
    // Folder names repeat across accounts: the check counts each name once.
    let expect = Expect::new(0, folders);
    let first = env.pass(&expect)?;
    row(rows, &size, "first pass", &first, accounts * folders);
    report.record("S10", &format!("first pass, {size}"), LOOPBACK, first);
    let again = env.pass(&expect)?;
    row(rows, &size, "nothing new", &again, accounts * folders);
    report.record("S10", &format!("nothing new, {size}"), LOOPBACK, again);
    Ok(())
}

fn big_folder(sizes: &Sizes, report: &mut Report, rows: &mut Vec<Vec<String>>) -> anyhow::Result<()> {
    let mut env = BenchEnv::start()?;
    let mut held = 0;
    for &target in &sizes.s10_big_folder {
        let add = target.saturating_sub(held);
        let took = mail::fill(&env.dovecot, "INBOX", add, &format!("S10 big {target}"))?;
        held = target;
        report.setup(format!("S10 write {} messages into the Maildir and index them ({} in all)", n(add), n(held)), took);
        let size = format!("1 folder of {}", n(held));
        // A fresh data directory: the first pass of an account on this folder.
        env.new_account()?;
        let expect = Expect::new(0, 1);
        let first = env.pass(&expect)?;
        let failed = !first.problems.is_empty();
        row(rows, &size, "first pass", &first, 1);
        report.record("S10", &format!("first pass, {size}"), LOOPBACK, first);
        let again = env.pass(&expect)?;
        let failed = failed || !again.problems.is_empty();
        row(rows, &size, "nothing new", &again, 1);
        report.record("S10", &format!("nothing new, {size}"), LOOPBACK, again);
        if failed {
            // What the server said about it: the log is gone with the server at the end.
            let log = env.dovecot.log_text();
            let said: Vec<&str> = log.lines().filter(|l| l.contains("Fatal") || l.contains("Error") || l.contains("Panic")).collect();
            report.note(format!("S10 {size}: the server's errors: {:?}", &said[said.len().saturating_sub(5)..]));
        }
    }
    Ok(())
}
