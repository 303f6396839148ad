//! S6: read state follows the server. Many folders with history; a few of them get news that
//! Mailbell reports (so it holds them as "new"), then another client marks some of those \Seen
//! (`doveadm flags add`, behind Mailbell's back). The measured pass is the next
//! `sync --once`: it must print exactly one message_update (seen=true) per changed message and
//! nothing else. A second pass right after, with nothing changed, shows what remains when the
//! held messages stay as they are.
//!
//! Three ways of following flags, each on loopback and with added latency:
//! - QRESYNC: default Dovecot; changed folders are found by HIGHESTMODSEQ in LIST-STATUS and
//!   read with `EXAMINE ... (QRESYNC ...)`;
//! - hidden: a Dovecot that announces neither CONDSTORE nor QRESYNC; changed folders are found
//!   by MESSAGES/UNSEEN and read with `UID FETCH <held uids> (FLAGS)`;
//! - quirk: default Dovecot, but the account has the `broken-qresync` quirk (same plain path).
//!
//! Each repetition starts from a fresh data directory (baseline, deliver, catch-up pass, flag
//! changes), so every measured pass holds the same messages.

use std::time::{Duration, Instant};

use mailbell_e2e::DovecotOptions;

use crate::cli::Update;
use crate::env::{BenchEnv, Expect};
use crate::mail::{self, USER};
use crate::report::{fmt_bytes, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::n;

struct Variant {
    label: &'static str,
    hidden: bool,
    account_args: &'static [&'static str],
}

const VARIANTS: &[Variant] = &[
    Variant { label: "QRESYNC", hidden: false, account_args: &[] },
    Variant { label: "no CONDSTORE/QRESYNC (hidden)", hidden: true, account_args: &[] },
    Variant { label: "quirk broken-qresync", hidden: false, account_args: &["--quirks", "broken-qresync"] },
];

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let changes = sizes.s6_changed_folders * sizes.s6_seen_per_folder;
    let mut plain_env: Option<(BenchEnv, Vec<String>)> = None;
    let mut hidden_env: Option<(BenchEnv, Vec<String>)> = None;
    let mut setup = Duration::ZERO;
    let mut flagging = Duration::ZERO;
    let mut flag_calls = 0usize;

    for v in VARIANTS {
        let slot = if v.hidden { &mut hidden_env } else { &mut plain_env };
        if slot.is_none() {
            *slot = Some(start(sizes, report, v.hidden)?);
        }
        let Some((env, folders)) = slot.as_mut() else { unreachable!() };
        let nf = folders.len();
        let step = (nf / sizes.s6_changed_folders).max(1);
        let changed: Vec<String> = folders.iter().step_by(step).take(sizes.s6_changed_folders).cloned().collect();
        let what = format!("{changes} \\Seen in {} of {nf} fl, {}", changed.len(), v.label);
        let what_after = format!("then nothing changed, {}", v.label);
        let slow = sizes.rtt_label();

        for (link, delay) in [(LOOPBACK, None), (slow.as_str(), Some(sizes.one_way_delay))] {
            for _ in 0..sizes.reps {
                // Preparation on loopback: not measured.
                let t = Instant::now();
                env.set_delay(None);
                env.new_account_with(v.account_args)?;
                let baseline = env.pass(&Expect::new(0, nf))?;
                check(report, &format!("S6 {} baseline", v.label), &baseline.problems);
                let mut news = Vec::new();
                for f in &changed {
                    let before = env.dovecot.status(USER, f)?.uidnext;
                    mail::fill(&env.dovecot, f, sizes.s6_new_per_folder, "S6 news")?;
                    news.push((f.clone(), before));
                }
                let catch_up = env.pass(&Expect::new((changed.len() * sizes.s6_new_per_folder) as u64, nf))?;
                check(report, &format!("S6 {} catch-up pass", v.label), &catch_up.problems);
                setup += t.elapsed();

                let t = Instant::now();
                let mut expected = Vec::new();
                for (f, first_uid) in &news {
                    for uid in *first_uid..*first_uid + sizes.s6_seen_per_folder as u32 {
                        env.dovecot.add_flags(USER, f, uid, &["\\Seen"])?;
                        flag_calls += 1;
                        expected.push(Update { folder: f.clone(), uid: u64::from(uid), seen: true, expunged: false });
                    }
                }
                flagging += t.elapsed();

                env.set_delay(delay);
                let pass = env.pass(&Expect::new(0, nf).with_updates(expected))?;
                report.record("S6", &what, link, pass);
                let pass = env.pass(&Expect::new(0, nf))?;
                report.record("S6", &what_after, link, pass);
            }
        }
        env.set_delay(None);
    }
    report.setup("S6 all reps: new data dir, baseline, deliver news, catch-up pass", setup);
    report.setup(format!("S6 {flag_calls} x doveadm flags add \\Seen"), flagging);

    // The change pass next to the nothing-changed one, per variant and link: bytes, and wall
    // time (medians and minimums, signed: under load the difference is noisy).
    let mut lines = Vec::new();
    for r in report.rows.iter().filter(|r| r.id == "S6" && !r.what.starts_with("then")) {
        let label = r.what.rsplit(", ").next().unwrap_or("");
        let Some(after) =
            report.rows.iter().find(|a| a.id == "S6" && a.link == r.link && a.what == format!("then nothing changed, {label}"))
        else {
            continue;
        };
        let med = |v: Vec<u64>| {
            let mut v = v;
            v.sort_unstable();
            v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or(0)
        };
        let recv = med(r.passes.iter().map(|p| p.bytes_to_client).collect());
        let sent = med(r.passes.iter().map(|p| p.bytes_to_server).collect());
        let recv0 = med(after.passes.iter().map(|p| p.bytes_to_client).collect());
        let sent0 = med(after.passes.iter().map(|p| p.bytes_to_server).collect());
        let turns = med(r.passes.iter().filter_map(|p| p.turns).collect());
        let turns0 = med(after.passes.iter().filter_map(|p| p.turns).collect());
        let walls = |row: &crate::report::Row| row.passes.iter().map(|p| p.wall).collect::<Vec<_>>();
        let (w, w0) = (walls(r), walls(after));
        let diff_med = crate::report::median(&w).as_secs_f64() - crate::report::median(&w0).as_secs_f64();
        let min = |v: &[Duration]| v.iter().min().copied().unwrap_or_default().as_secs_f64();
        let diff_min = min(&w) - min(&w0);
        let signed = |d: f64| format!("{}{:.1} ms", if d < 0.0 { "-" } else { "+" }, d.abs() * 1000.0);
        lines.push(format!(
            "{label} ({}): the {changes} changes cost +{} round trips, +{} recv, +{} sent; wall {} median, {} min, over the nothing-changed pass",
            r.link,
            turns as i64 - turns0 as i64,
            fmt_bytes(recv.saturating_sub(recv0)),
            fmt_bytes(sent.saturating_sub(sent0)),
            signed(diff_med),
            signed(diff_min),
        ));
    }
    for l in lines {
        report.note(format!("S6 {l}"));
    }
    Ok(())
}

/// A Dovecot (CONDSTORE and QRESYNC hidden or not) with the folders filled.
fn start(sizes: &Sizes, report: &mut Report, hidden: bool) -> anyhow::Result<(BenchEnv, Vec<String>)> {
    let opts =
        if hidden { DovecotOptions::default().hide_capability("CONDSTORE").hide_capability("QRESYNC") } else { DovecotOptions::default() };
    let mut env = BenchEnv::start_with(opts)?;
    env.count_turns()?;
    if let Some(parent) = env.dovecot.dir().parent() {
        report.facts.mail_dir = parent.display().to_string();
    }
    // The variant is only meaningful if the server announces what it should.
    let mut probe = mailbell_e2e::RawImap::connect(env.dovecot.plain_addr())?;
    probe.login(USER, "alice-secret-pw")?;
    let caps = probe.capabilities()?;
    for cap in ["CONDSTORE", "QRESYNC"] {
        if caps.iter().any(|c| c == cap) == hidden {
            anyhow::bail!(
                "the S6 server {} {cap}, but should {}",
                if hidden { "announces" } else { "lacks" },
                if hidden { "not" } else { "" }
            );
        }
    }
    drop(probe);

    let t = Instant::now();
    let folders = mail::create_folders(&env.dovecot, sizes.s6_folders - 1)?;
    for f in &folders {
        mail::fill(&env.dovecot, f, sizes.s6_history_per_folder, "history")?;
    }
    report.setup(
        format!(
            "S6 {} fill {} folders x {}",
            if hidden { "(CONDSTORE/QRESYNC hidden)" } else { "(default Dovecot)" },
            folders.len(),
            n(sizes.s6_history_per_folder)
        ),
        t.elapsed(),
    );
    Ok((env, folders))
}

fn check(report: &mut Report, what: &str, problems: &[String]) {
    for p in problems {
        report.fail(format!("{what}: {p}"));
    }
}
