//! How big each scenario is: the real sizes, and `--quick` ones for a smoke run.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Sizes {
    /// Repetitions of each repeatable measured pass.
    pub reps: usize,
    /// Added one-way delay of the "slow link" runs (each way, so RTT is twice this).
    pub one_way_delay: Duration,

    /// S1: watched folders (INBOX plus ordinary ones) and messages in each.
    pub s1_folders: usize,
    pub s1_per_folder: usize,

    /// S2: folders the burst is spread over, history already in each, new messages per folder
    /// in each burst.
    pub s2_folders: usize,
    pub s2_history_per_folder: usize,
    pub s2_burst_per_folder: usize,

    /// S3: messages in the one folder at baseline (S3) and then fetched in one pass (S3b).
    pub s3_history: usize,
    pub s3_burst: usize,

    /// S4: messages per folder kind (INBOX, two other watched folders, new folders) and link,
    /// history already in INBOX, the ordinary folders besides INBOX and the history in each,
    /// and the account's timer interval (long, so that only push and the sweep can deliver).
    pub s4_messages: usize,
    pub s4_history: usize,
    pub s4_folders: usize,
    pub s4_folder_history: usize,
    pub s4_interval_secs: u32,

    /// S5: accounts (one Dovecot user each), watched folders per account (INBOX plus
    /// ordinary ones), history per folder, the quiet window (once with NOTIFY, once without)
    /// and how often /proc is sampled.
    pub s5_accounts: usize,
    pub s5_folders: usize,
    pub s5_history_per_folder: usize,
    pub s5_window: Duration,
    pub s5_sample_every: Duration,

    /// S6: watched folders with history, the folders that get news and then flag changes, new
    /// messages per such folder, and how many of those another client marks \Seen.
    pub s6_folders: usize,
    pub s6_history_per_folder: usize,
    pub s6_changed_folders: usize,
    pub s6_new_per_folder: usize,
    pub s6_seen_per_folder: usize,

    /// S7: recoveries measured per path (netlink, watchdog) and mode (NOTIFY or not).
    pub s7_reps: usize,

    /// S9: watched folders, messages inserted through the store over a simulated year, and
    /// the burst of new mail measured on it.
    pub s9_folders: usize,
    pub s9_messages: usize,
    pub s9_burst: usize,

    /// S10: accounts x folders per step (each a fresh server), and the sizes of the one big
    /// folder, each step filled on top of the previous one.
    pub s10_layouts: Vec<(usize, usize)>,
    pub s10_big_folder: Vec<usize>,
}

impl Sizes {
    pub fn full() -> Sizes {
        Sizes {
            reps: 3,
            one_way_delay: Duration::from_millis(10),
            s1_folders: 50,
            s1_per_folder: 2_000,
            s2_folders: 10,
            s2_history_per_folder: 1_000,
            s2_burst_per_folder: 100,
            s3_history: 100_000,
            s3_burst: 100_000,
            s4_messages: 50,
            s4_history: 1_000,
            s4_folders: 9,
            s4_folder_history: 100,
            s4_interval_secs: 3600,
            s5_accounts: 3,
            s5_folders: 50,
            s5_history_per_folder: 100,
            s5_window: Duration::from_secs(10 * 60),
            s5_sample_every: Duration::from_secs(2),
            s6_folders: 50,
            s6_history_per_folder: 1_000,
            s6_changed_folders: 5,
            s6_new_per_folder: 10,
            s6_seen_per_folder: 4,
            s7_reps: 3,
            s9_folders: 20,
            s9_messages: 1_000_000,
            s9_burst: 1_000,
            s10_layouts: vec![(1, 100), (1, 1_000), (5, 1_000)],
            s10_big_folder: vec![10_000, 100_000, 1_000_000],
        }
    }

    pub fn quick() -> Sizes {
        Sizes {
            reps: 3,
            one_way_delay: Duration::from_millis(10),
            s1_folders: 5,
            s1_per_folder: 200,
            s2_folders: 3,
            s2_history_per_folder: 50,
            s2_burst_per_folder: 20,
            s3_history: 3_000,
            s3_burst: 3_000,
            s4_messages: 10,
            s4_history: 100,
            s4_folders: 9,
            s4_folder_history: 10,
            s4_interval_secs: 3600,
            s5_accounts: 3,
            s5_folders: 50,
            s5_history_per_folder: 10,
            s5_window: Duration::from_secs(75),
            s5_sample_every: Duration::from_secs(1),
            s6_folders: 10,
            s6_history_per_folder: 50,
            s6_changed_folders: 5,
            s6_new_per_folder: 10,
            s6_seen_per_folder: 4,
            s7_reps: 1,
            s9_folders: 5,
            s9_messages: 50_000,
            s9_burst: 1_000,
            s10_layouts: vec![(1, 20), (1, 100), (3, 100)],
            s10_big_folder: vec![2_000, 20_000],
        }
    }

    pub fn rtt_label(&self) -> String {
        format!("+{} ms", (self.one_way_delay * 2).as_millis())
    }
}
