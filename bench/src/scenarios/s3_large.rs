//! S3: one folder of a huge size. First pass over it (a baseline: should cost next to nothing,
//! however big the folder), then S3b: a pass fetching as many new messages in one go, which
//! shows whether memory stays flat (compare its peak RSS with S2's).

use crate::env::Expect;
use crate::mail;
use crate::report::{fmt_bytes, Report, LOOPBACK};
use crate::sizes::Sizes;

use super::{n, start_env};

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let mut env = start_env(report)?;
    let took = mail::fill(&env.dovecot, "INBOX", sizes.s3_history, "history")?;
    report.setup(format!("S3 fill INBOX with {} msgs", n(sizes.s3_history)), took);

    let expect = Expect::new(0, 1);
    let first = format!("first pass (baseline), 1 fl x {}", n(sizes.s3_history));
    for rep in 0..sizes.reps {
        if rep > 0 {
            env.new_account()?;
        }
        let pass = env.pass(&expect)?;
        report.record("S3", &first, LOOPBACK, pass);
    }

    let took = mail::fill(&env.dovecot, "INBOX", sizes.s3_burst, "burst")?;
    report.setup(format!("S3b deliver {} msgs to INBOX (now {})", n(sizes.s3_burst), n(sizes.s3_history + sizes.s3_burst)), took);
    let what = format!("fetch {} new in 1 folder", n(sizes.s3_burst));
    let pass = env.pass(&Expect::new(sizes.s3_burst as u64, 1))?;
    report.record("S3b", &what, LOOPBACK, pass);

    if let (Some(s2), Some(s3b)) = (report.rss_of("S2"), report.rss_of("S3b")) {
        report.note(format!(
            "peak RSS: S2 (a burst of {}) {} vs S3b (a burst of {}) {}: {:.2}x",
            n(sizes.s2_folders * sizes.s2_burst_per_folder),
            fmt_bytes(s2 * 1024),
            n(sizes.s3_burst),
            fmt_bytes(s3b * 1024),
            s3b as f64 / s2.max(1) as f64
        ));
    }
    Ok(())
}
