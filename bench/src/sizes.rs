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
        }
    }

    pub fn rtt_label(&self) -> String {
        format!("+{} ms", (self.one_way_delay * 2).as_millis())
    }
}
