//! S2: a burst of new mail spread over a few folders (the folders hold some history too), fetched
//! in one pass after a baseline. Each repetition delivers a fresh burst.

use std::time::Duration;

use crate::env::Expect;
use crate::mail;
use crate::report::{Report, LOOPBACK};
use crate::sizes::Sizes;

use super::{n, start_env};

/// The burst of 1,000 on main a92af26 (issue #16, full sizes), not re-run.
const EARLIER_LOOPBACK: &str = "279 ms, recv ~1.4 MiB";
const EARLIER_SLOW: &str = "604 ms, recv ~1.4 MiB";

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let env = start_env(report)?;
    let folders = mail::create_folders(&env.dovecot, sizes.s2_folders - 1)?;
    let mut fill_time = Duration::ZERO;
    for f in &folders {
        fill_time += mail::fill(&env.dovecot, f, sizes.s2_history_per_folder, "history")?;
    }
    report.setup(format!("S2 fill {} folders x {} history", folders.len(), n(sizes.s2_history_per_folder)), fill_time);

    // The baseline pass: checked, not tabled.
    let baseline = env.pass(&Expect::new(0, folders.len()))?;
    report.setup("S2 baseline pass (its own CLI run)", baseline.wall);
    for p in &baseline.problems {
        report.fail(format!("S2 baseline: {p}"));
    }

    let burst = folders.len() * sizes.s2_burst_per_folder;
    let what = format!("burst {} new ({} fl x {})", n(burst), folders.len(), n(sizes.s2_burst_per_folder));
    let expect = Expect::new(burst as u64, folders.len());
    let slow = sizes.rtt_label();
    let mut burst_fill = Duration::ZERO;
    let mut bursts = 0;
    for (link, delay) in [(LOOPBACK, None), (slow.as_str(), Some(sizes.one_way_delay))] {
        env.set_delay(delay);
        for _ in 0..sizes.reps {
            for f in &folders {
                burst_fill += mail::fill(&env.dovecot, f, sizes.s2_burst_per_folder, &format!("burst {bursts}"))?;
            }
            bursts += 1;
            let pass = env.pass(&expect)?;
            report.record("S2", &what, link, pass);
        }
        report.earlier("S2", &what, link, if delay.is_some() { EARLIER_SLOW } else { EARLIER_LOOPBACK });
    }
    report.setup(format!("S2 deliver {bursts} bursts of {}", n(burst)), burst_fill);
    Ok(())
}
