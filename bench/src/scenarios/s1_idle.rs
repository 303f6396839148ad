//! S1: a pass with nothing new over many full folders: the cost of a quiet inbox. After the
//! first pass (the baseline, also measured: it should be as cheap), no folder needs a command
//! beyond the one LIST-STATUS.

use crate::env::Expect;
use crate::mail;
use crate::report::{Report, LOOPBACK};
use crate::sizes::Sizes;

use super::{n, start_env};

/// The nothing-new pass on main a92af26 (issue #16, full sizes), not re-run.
const EARLIER_LOOPBACK: &str = "93 ms";
const EARLIER_SLOW: &str = "188 ms";

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut env = start_env(report)?;
    let folders = mail::create_folders(&env.dovecot, sizes.s1_folders - 1)?;
    let mut fill_time = std::time::Duration::ZERO;
    for f in &folders {
        fill_time += mail::fill(&env.dovecot, f, sizes.s1_per_folder, "history")?;
    }
    report.setup(
        format!("S1 fill {} folders x {} ({} msgs)", folders.len(), n(sizes.s1_per_folder), n(folders.len() * sizes.s1_per_folder)),
        fill_time,
    );

    let expect = Expect::new(0, folders.len());
    let first = format!("first pass (baseline), {} fl x {}", folders.len(), n(sizes.s1_per_folder));
    let idle = format!("nothing new, {} fl x {}", folders.len(), n(sizes.s1_per_folder));
    let slow = sizes.rtt_label();
    for (link, delay) in [(LOOPBACK, None), (slow.as_str(), Some(sizes.one_way_delay))] {
        env.set_delay(delay);
        // Each first pass needs a data directory that has never seen the folders.
        for rep in 0..sizes.reps {
            if rep > 0 || delay.is_some() {
                env.new_account()?;
            }
            let pass = env.pass(&expect)?;
            report.record("S1", &first, link, pass);
        }
        for _ in 0..sizes.reps {
            let pass = env.pass(&expect)?;
            report.record("S1", &idle, link, pass);
        }
        report.earlier("S1", &idle, link, if delay.is_some() { EARLIER_SLOW } else { EARLIER_LOOPBACK });
    }
    Ok(())
}
