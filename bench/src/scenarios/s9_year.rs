//! S9: a simulated year of mail. A million messages go into the CLI's store through the
//! store's own insert path (`Store::commit_batch`, in batches of a pass's size, arrival dates
//! spread over the last 365 days; read, and since deleted on the server, as most mail of a
//! year is), then the store is pruned as the engine does (`Store::prune`, then
//! `Store::reclaim`). Printed: the store's size before and after, the prune's time, and the
//! cost of a nothing-new pass and of a burst pass on the empty store, the full year and the
//! pruned year. Flat is the goal. Every pass's new_message count is checked: a burst after the
//! prune announces exactly the burst (nothing pruned comes back).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use mailbell_sync::{NewMessage, Retention, Store};

use crate::env::{BenchEnv, Expect};
use crate::mail;
use crate::report::{fmt_bytes, fmt_dur, ExtraTable, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::{n, start_env};

/// The synthetic year's UIDs start here: far above what the bench's server hands out, so they
/// never meet a real message's UID.
const FIRST_UID: u32 = 10_000_000;
/// A pass's batch size (`SyncOptions::batch_size`).
const BATCH: usize = 200;

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let env = start_env(report)?;
    let folders = mail::create_folders(&env.dovecot, sizes.s9_folders.saturating_sub(1))?;
    let baseline = env.pass(&Expect::new(0, folders.len()))?;
    report.setup("S9 baseline pass", baseline.wall);
    for p in &baseline.problems {
        report.fail(format!("S9 baseline: {p}"));
    }
    let per_folder = sizes.s9_burst.div_ceil(folders.len()).max(1);
    let mut bursts = 0usize;

    passes(sizes, &env, report, &folders, per_folder, &mut bursts, "empty store")?;

    let store = Store::open_dir(env.data_dir()).context("opening the CLI's store")?;
    let t = Instant::now();
    fill_year(&store, &env.account, &folders, sizes.s9_messages)?;
    report.setup(format!("S9 insert {} messages through the store", n(sizes.s9_messages)), t.elapsed());
    let rows_full = store.message_rows()?;
    let size_full = on_disk(env.data_dir());
    drop(store);

    passes(sizes, &env, report, &folders, per_folder, &mut bursts, &format!("a year, {} held", n(rows_full as usize)))?;

    // The engine prunes with the wall clock; the year's deletions happened just now, so the
    // prune runs as it would a day later, once the undo's grace is over.
    let store = Store::open_dir(env.data_dir()).context("opening the CLI's store")?;
    let later = Utc::now() + ChronoDuration::hours(25);
    let t = Instant::now();
    let pruned = store.prune(Retention::default(), later)?;
    let prune_time = t.elapsed();
    let t = Instant::now();
    let mut left = u64::MAX;
    loop {
        let now = store.reclaim(1024)?;
        if now == 0 || now >= left {
            break;
        }
        left = now;
    }
    let reclaim_time = t.elapsed();
    let rows_pruned = store.message_rows()?;
    // What the engine's connection leaves behind when it closes: the log checkpointed.
    drop(store);
    let size_pruned = on_disk(env.data_dir());

    passes(sizes, &env, report, &folders, per_folder, &mut bursts, &format!("a year pruned, {} held", n(rows_pruned as usize)))?;
    let size_after = on_disk(env.data_dir());

    report.table(ExtraTable {
        title: format!("S9: the store after a simulated year ({} messages, {} folders)", n(sizes.s9_messages), folders.len()),
        headers: ["state", "rows", "size on disk", "took"].map(String::from).to_vec(),
        left: vec![true, false, false, false],
        rows: vec![
            vec!["a year inserted".into(), n(rows_full as usize), fmt_bytes(size_full), "-".into()],
            vec![format!("pruned ({} steps)", n(pruned.steps as usize)), n(rows_pruned as usize), "-".into(), fmt_dur(prune_time)],
            vec!["free pages given back".into(), n(rows_pruned as usize), fmt_bytes(size_pruned), fmt_dur(reclaim_time)],
            vec!["after the passes on it".into(), "-".into(), fmt_bytes(size_after), "-".into()],
        ],
        footnotes: vec![
            format!(
                "Retention: {} days, at most {} per folder (ARCHITECTURE.md, data model). Size = database + write-ahead log.",
                Retention::default().max_age.as_secs() / 86_400,
                Retention::default().per_folder
            ),
            "Pass costs per store state are in the S9 rows of the pass table.".into(),
        ],
    });
    Ok(())
}

/// A nothing-new pass and a burst pass, `reps` times each, labelled with the store's state.
fn passes(
    sizes: &Sizes,
    env: &BenchEnv,
    report: &mut Report,
    folders: &[String],
    per_folder: usize,
    bursts: &mut usize,
    state: &str,
) -> anyhow::Result<()> {
    let idle = Expect::new(0, folders.len());
    for _ in 0..sizes.reps {
        let pass = env.pass(&idle)?;
        report.record("S9", &format!("nothing new, {state}"), LOOPBACK, pass);
    }
    let burst = per_folder * folders.len();
    for _ in 0..sizes.reps {
        let mut fill = Duration::ZERO;
        for f in folders {
            fill += mail::fill(&env.dovecot, f, per_folder, &format!("S9 burst {bursts}"))?;
        }
        *bursts += 1;
        report.setup(format!("S9 deliver a burst of {}", n(burst)), fill);
        let pass = env.pass(&Expect::new(burst as u64, folders.len()))?;
        report.record("S9", &format!("burst {}, {state}", n(burst)), LOOPBACK, pass);
    }
    Ok(())
}

/// Inserts `total` messages round-robin over the folders, a pass's batch at a time, as a pass
/// does (commit, then mark announced), arrival dates spread evenly over the last 365 days;
/// each batch is then read and deleted on the server, as a pass records it.
fn fill_year(store: &Store, account: &str, folders: &[String], total: usize) -> anyhow::Result<()> {
    let start = Utc::now() - ChronoDuration::days(365);
    let step = ChronoDuration::days(365).num_milliseconds() / total.max(1) as i64;
    let validity: Vec<u32> = folders
        .iter()
        .map(|f| store.folder(account, f).map(|r| r.map(|r| r.uidvalidity)))
        .collect::<Result<Option<Vec<u32>>, _>>()?
        .context("a folder of the baseline is missing from the store")?;
    let preview = "Hello Alice, here are the notes from this morning's meeting. We went through the release checklist, \
                   the open review comments and the schedule for the next two weeks.";
    let mut next_uid = vec![FIRST_UID; folders.len()];
    let mut i = 0usize;
    while i < total {
        let f = (i / BATCH) % folders.len();
        let count = BATCH.min(total - i);
        let batch: Vec<NewMessage> = (i..i + count)
            .map(|k| {
                let arrived = start + ChronoDuration::milliseconds(step * k as i64);
                let uid = next_uid[f] + (k - i) as u32;
                NewMessage {
                    uid,
                    identity: Some(format!("mid:s9-{k}@bench.example.org")),
                    message_id: Some(format!("s9-{k}@bench.example.org")),
                    from_name: Some("Bench Sender".into()),
                    from_addr: Some("sender@example.org".into()),
                    subject: format!("year #{k}"),
                    date: arrived.to_rfc3339(),
                    internal_date: arrived.to_rfc3339_opts(SecondsFormat::Secs, true),
                    size: 1600,
                    preview: preview.into(),
                    flags: vec!["\\Seen".into()],
                    list_id: None,
                }
            })
            .collect();
        // advance_to 0: the watermark stays where the server's UIDs put it.
        let rows =
            store.commit_batch(account, &folders[f], validity[f], &batch, 0)?.map_err(|r| anyhow::anyhow!("batch rejected: {r:?}"))?;
        store.mark_announced(&rows.iter().map(|r| (r.row_id(), None)).collect::<Vec<_>>())?;
        let gone: Vec<mailbell_sync::FlagChange> = batch.iter().map(|m| mailbell_sync::FlagChange::Expunged(m.uid)).collect();
        store.apply_flag_changes(account, &folders[f], validity[f], &gone, None)?;
        next_uid[f] += count as u32;
        i += count;
        if i % 100_000 < BATCH {
            eprintln!("   S9   inserted {}", n(i));
        }
    }
    Ok(())
}

/// The store's database and write-ahead log, in bytes.
fn on_disk(data_dir: &Path) -> u64 {
    let db = data_dir.join(mailbell_sync::DB_FILE);
    let wal = db.with_extension("sqlite3-wal");
    [db, wal].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}
