//! `mailbell-bench`: measures the real, release-built `mailbell-cli sync --once --json` (and, for
//! push latency, idle cost and recovery, `mailbell-cli watch --json`) against a private Dovecot,
//! through a byte-counting proxy, on loopback and with added latency. S4, S5 and S7 run with
//! NOTIFY (Dovecot's default) and with NOTIFY hidden (IDLE within the connection budget plus the
//! sweep); S7 runs the CLI in network namespaces of its own (root).
//!
//! Run it through `scripts/bench.sh` (it needs the Secret Service the CLI reads passwords from).
//! Each scenario lives in its own module under `scenarios/` and is listed in
//! [`scenarios::ALL`]; adding one is a new module plus one line there.
//!
//! Timing is reported, never judged: the exit code is non-zero only when something is
//! functionally wrong (the CLI failed, a folder errored, wrong number of new_message events).

mod cli;
mod env;
mod imap_client;
mod machine;
mod mail;
mod procfs;
mod report;
mod scenarios;
mod sizes;
mod turns;
mod watch;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};

use report::Report;
use sizes::Sizes;

const USAGE: &str = "\
usage: mailbell-bench [--quick] [--only S1,S2,...] [--reps N]

  --quick        small sizes for a smoke run (S5's quiet windows are 75 s instead of 10 min: one sweep period and more)
  --only LIST    run only these scenarios (by id, e.g. S1,S3)
  --reps N       repetitions of each repeatable measured pass (default 3)

Needs a running Secret Service (use scripts/bench.sh) and the mailbell-cli binary
(MAILBELL_CLI, else next to this executable).";

struct Args {
    quick: bool,
    only: Option<Vec<String>>,
    reps: Option<usize>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { quick: false, only: None, reps: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--only" => {
                let list = it.next().context("--only needs a list, e.g. --only S1,S2")?;
                args.only = Some(list.split(',').map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty()).collect());
            }
            "--reps" => {
                let n: usize = it.next().context("--reps needs a number")?.parse().context("--reps needs a number")?;
                if n == 0 {
                    bail!("--reps must be at least 1");
                }
                args.reps = Some(n);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the selected scenarios; Ok(false) when any of them found a functional problem.
fn run(args: Args) -> anyhow::Result<bool> {
    let mut sizes = if args.quick { Sizes::quick() } else { Sizes::full() };
    if let Some(reps) = args.reps {
        sizes.reps = reps;
    }
    if let Some(only) = &args.only {
        for id in only {
            if !scenarios::ALL.iter().any(|s| s.id == id) {
                bail!("no scenario {id:?}; known: {}", scenarios::ALL.iter().map(|s| s.id).collect::<Vec<_>>().join(", "));
            }
        }
    }

    let cli = mailbell_e2e::cli_bin().context("finding mailbell-cli")?;
    mailbell_e2e::require_secret_service().context("the CLI reads passwords from the Secret Service: run this through scripts/bench.sh")?;
    let facts = machine::Facts::collect(&cli);
    eprintln!("mailbell-bench: {} sizes, CLI {}", if args.quick { "quick" } else { "full" }, cli.display());

    let started = Instant::now();
    let mut report = Report::new(facts, sizes.clone());
    for scenario in scenarios::ALL {
        if args.only.as_ref().is_some_and(|only| !only.iter().any(|id| id == scenario.id)) {
            continue;
        }
        eprintln!("\n== {} — {}", scenario.id, scenario.about);
        let t = Instant::now();
        if let Err(e) = (scenario.run)(&sizes, &mut report) {
            report.fail(format!("{}: {e:#}", scenario.id));
        }
        eprintln!("== {} done in {:.1} s", scenario.id, t.elapsed().as_secs_f64());
    }
    report.total = started.elapsed();
    report.print();
    Ok(report.failures.is_empty())
}
