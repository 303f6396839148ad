//! S8: the S2 burst over a slow line (the proxy passes at most 1 MB/s to the client), once per
//! combination of the two byte savers: COMPRESS=DEFLATE (RFC 4978) and PREVIEW (RFC 8970),
//! each offered by the server or hidden from it. With both hidden the client takes the path of
//! main before them (the first 4 KiB of each body, uncompressed): that row is the reference.

use std::time::Duration;

use mailbell_e2e::{DovecotOptions, COMPRESS_DEFLATE};

use crate::env::{BenchEnv, Expect};
use crate::mail;
use crate::report::Report;
use crate::sizes::Sizes;

use super::n;

/// The slow line: bytes per second from the server to the client.
pub const RATE: u64 = 1_000_000;

/// (COMPRESS offered, PREVIEW offered, label).
const VARIANTS: [(bool, bool, &str); 4] = [
    (true, true, "COMPRESS + PREVIEW"),
    (true, false, "COMPRESS only"),
    (false, true, "PREVIEW only"),
    (false, false, "neither (as main a92af26)"),
];

pub fn run(sizes: &Sizes, report: &mut Report) -> anyhow::Result<()> {
    let link = "1 MB/s";
    for (compress, preview, label) in VARIANTS {
        let mut opts = DovecotOptions::default();
        if !compress {
            opts = opts.hide_capability(COMPRESS_DEFLATE);
        }
        if !preview {
            opts = opts.hide_capability("PREVIEW");
        }
        let mut env = BenchEnv::start_with(opts)?;
        env.new_account()?;
        let folders = mail::create_folders(&env.dovecot, sizes.s2_folders - 1)?;
        let mut fill_time = Duration::ZERO;
        for f in &folders {
            fill_time += mail::fill(&env.dovecot, f, sizes.s2_history_per_folder, "history")?;
        }
        report.setup(format!("S8 {label}: fill {} folders x {} history", folders.len(), n(sizes.s2_history_per_folder)), fill_time);
        let baseline = env.pass(&Expect::new(0, folders.len()))?;
        for p in &baseline.problems {
            report.fail(format!("S8 {label} baseline: {p}"));
        }

        let burst = folders.len() * sizes.s2_burst_per_folder;
        let what = format!("burst {} new, {label}", n(burst));
        let expect = Expect::new(burst as u64, folders.len());
        env.proxy.limit_rate(Some(RATE));
        for rep in 0..sizes.reps {
            for f in &folders {
                mail::fill(&env.dovecot, f, sizes.s2_burst_per_folder, &format!("burst {rep}"))?;
            }
            let pass = env.pass(&expect)?;
            report.record("S8", &what, link, pass);
        }
        env.proxy.limit_rate(None);
    }
    Ok(())
}
