//! `watch`: the engine runs every account (timer, IDLE push, backoff) until SIGINT or SIGTERM,
//! printing events as they happen. On a signal, passes in progress get a grace period and
//! sessions log out; committed batches are durable either way. Without --account it also
//! follows the store: an account added or removed by another `mailbell-cli` is picked up
//! within seconds, as the desktop app does.

use std::sync::Arc;
use std::time::Duration;

use mailbell_sync::{Engine, EngineOptions, Event, EventSink, Store};
use tokio::signal::unix::{signal, SignalKind};

use crate::args::WatchArgs;
use crate::commands::sync::{open_secrets, options, select_accounts};
use crate::failure::CliResult;
use crate::hook::{self, Hook};
use crate::output;

/// How often the store is looked at for accounts another program added or removed: one small
/// query, so a few seconds' delay costs nearly nothing.
const ACCOUNT_WATCH: Duration = Duration::from_secs(3);

pub async fn run(store: Store, args: &WatchArgs) -> CliResult {
    let accounts = select_accounts(&store, args.account.as_deref())?;
    if accounts.is_empty() {
        eprintln!("No accounts to watch. Add one with `mailbell-cli account add`.");
        return Ok(());
    }
    let secrets = open_secrets().await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let hook = args.on_new_mail.clone().map(Hook::spawn);
    let hook_tx = hook.as_ref().map(Hook::sender);
    let (json, ignore_rules) = (args.json, args.ignore_rules);
    let sink: Arc<dyn EventSink> = Arc::new(move |e: Event| {
        output::print_event(&e, json, ignore_rules);
        if let (Some(tx), Some(job)) = (&hook_tx, hook::job_for(&e, ignore_rules)) {
            let _ = tx.send(job);
        }
    });
    let opts = EngineOptions { sync: options(None), ..EngineOptions::default() };
    let engine = Arc::new(Engine::new(store, secrets, opts, Some(sink)));
    engine.start(args.account.as_deref())?;
    if args.account.is_none() {
        engine.watch_accounts(ACCOUNT_WATCH, |changes| {
            for id in &changes.added {
                eprintln!("watching account {id}, added by another program");
            }
            for id in &changes.removed {
                eprintln!("no longer watching account {id}: another program removed it");
            }
            for id in &changes.changed {
                eprintln!("reconnecting account {id}: another program changed its connection settings");
            }
        });
    }
    tokio::select! {
        _ = sigterm.recv() => {}
        _ = sigint.recv() => {}
    }
    engine.shutdown().await;
    if let Some(h) = hook {
        h.finish(Duration::from_secs(10)).await;
    }
    Ok(())
}
