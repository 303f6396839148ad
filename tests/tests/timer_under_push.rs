//! Found by the soak run (scripts/soak.sh): IDLE covers INBOX, the timer covers every other
//! folder (ARCHITECTURE.md § The engine). Since push covers every folder where it can, the
//! server here hides NOTIFY and Work is not among the folders the connection budget gives
//! IDLE (3 for an unknown server: the pass, INBOX, Alpha), so the timer is still what covers
//! it (the sweep's 60 s is longer than the 10 s interval). Each INBOX pass that IDLE wakes must not push the
//! timer's full pass back, or a busy INBOX starves every other folder: their mail waits until
//! INBOX has been quiet for a whole interval.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE};
use mailbell_e2e::cli::CliProcess;
use mailbell_e2e::DovecotOptions;

#[test]
fn the_timer_still_covers_other_folders_while_inbox_is_busy() {
    let env = Env::with(DovecotOptions::default().hide_capability("NOTIFY"));
    env.dovecot.create_folder(ALICE, "Alpha").expect("create");
    env.dovecot.create_folder(ALICE, "Work").expect("create");
    env.add_user(ALICE, common::ALICE_PW, &["--interval", "10"]);
    let mut w = CliProcess::spawn(env.data_dir(), &["watch", "--json"], &[]).expect("watch");
    w.wait_for(Duration::from_secs(30), |e| e["event"] == "account_status" && e["push"] == true && e["push_mode"] == "idle")
        .expect("IDLE up");
    env.append("Work", "waits for the timer");
    // INBOX mail every 2 s for up to 40 s (four intervals): each wakes an INBOX pass.
    let started = Instant::now();
    let mut inbox = 0;
    let mut arrived = None;
    while started.elapsed() < Duration::from_secs(40) {
        env.append("INBOX", &format!("busy inbox {inbox}"));
        inbox += 1;
        if w.wait_for(Duration::from_secs(2), |e| e["event"] == "new_message" && e["subject"] == "waits for the timer").is_some() {
            arrived = Some(started.elapsed());
            break;
        }
    }
    let run = w.stop_with(libc::SIGTERM, Duration::from_secs(30)).expect("stop");
    let pushed = run.new_messages().iter().filter(|e| e["folder"] == "INBOX").count();
    eprintln!("Work mail announced after {arrived:?} with a 10 s interval; {inbox} INBOX messages sent, {pushed} announced meanwhile");
    assert!(pushed >= 5, "IDLE delivered the INBOX mail meanwhile ({pushed})");
    assert!(
        arrived.is_some(),
        "mail in Work was not announced within 40 s (four 10 s intervals) while INBOX kept receiving mail: \
         the push passes keep postponing the timer's full pass"
    );
}
