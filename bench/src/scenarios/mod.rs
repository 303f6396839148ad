//! The scenarios, one module each. To add one: write a module with a
//! `pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()>` that starts its own
//! [`BenchEnv`], records setup time with `report.setup` and passes with `report.record` (or,
//! for measurements that are not `sync --once` passes, a table of its own with
//! `report.table`), then list it in [`ALL`]. An Err from `run` is a functional failure of that
//! scenario.

mod s10_scale;
mod s1_idle;
mod s2_burst;
mod s3_large;
mod s4_idle_latency;
mod s5_idle_cost;
mod s6_flag_sync;
mod s7_recovery;
mod s8_slow_line;
mod s9_year;

use anyhow::Context;

use crate::env::BenchEnv;
use crate::report::Report;
use crate::sizes::Sizes;

pub struct Scenario {
    pub id: &'static str,
    pub about: &'static str,
    pub run: fn(&Sizes, &mut Report) -> anyhow::Result<()>,
}

pub const ALL: &[Scenario] = &[
    Scenario { id: "S1", about: "a pass with nothing new over many full folders", run: s1_idle::run },
    Scenario { id: "S2", about: "a pass fetching a burst of new mail over a few folders", run: s2_burst::run },
    Scenario { id: "S3", about: "one huge folder: first pass (baseline), then a pass fetching a huge burst (S3b)", run: s3_large::run },
    Scenario {
        id: "S4",
        about: "push latency per folder kind (INBOX, other, new), NOTIFY and not: APPEND -> new_message of watch --json",
        run: s4_idle_latency::run,
    },
    Scenario { id: "S5", about: "idle cost of watch per hour, several accounts x 50 folders, NOTIFY and not", run: s5_idle_cost::run },
    Scenario { id: "S6", about: "flag sync: a pass after \\Seen was set elsewhere, with and without QRESYNC", run: s6_flag_sync::run },
    Scenario {
        id: "S7",
        about: "recovery: network change (new address, black hole) -> the first message reported, NOTIFY and not",
        run: s7_recovery::run,
    },
    Scenario {
        id: "S8",
        about: "the S2 burst over a 1 MB/s line, with COMPRESS=DEFLATE and PREVIEW offered or hidden (bytes and time)",
        run: s8_slow_line::run,
    },
    Scenario {
        id: "S9",
        about: "a simulated year: a million messages through the store, pruned; store size and pass cost before and after",
        run: s9_year::run,
    },
    Scenario {
        id: "S10",
        about: "scale: many accounts x folders, one huge Maildir folder; pass time, peak RSS, connections per size",
        run: s10_scale::run,
    },
];

/// How push reaches the folders in S4, S5 and S7: Dovecot's NOTIFY, or NOTIFY hidden (IDLE
/// within the connection budget plus the sweep).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Notify,
    NoNotify,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Notify => "NOTIFY",
            Mode::NoNotify => "no NOTIFY",
        }
    }

    /// The `push_mode` the engine reports in this mode.
    pub fn push_mode(self) -> &'static str {
        match self {
            Mode::Notify => "notify",
            Mode::NoNotify => "idle",
        }
    }
}

/// A fresh Dovecot and proxy, with the account added; records where the mail lives.
pub fn start_env(report: &mut Report) -> anyhow::Result<BenchEnv> {
    let mut env = BenchEnv::start()?;
    if let Some(parent) = env.dovecot.dir().parent() {
        report.facts.mail_dir = parent.display().to_string();
    }
    env.new_account().context("adding the bench account")?;
    Ok(env)
}

/// "1,000" style numbers for labels.
pub fn n(v: usize) -> String {
    crate::report::fmt_count(v as u64)
}
