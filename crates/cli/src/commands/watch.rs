//! `watch`: sync every account on its own timer until SIGINT or SIGTERM.
//!
//! A signal never interrupts a batch half-way: it is only looked at between passes, and a pass
//! in progress is dropped at an await point, where every committed batch is already durable
//! and the next start resumes from the watermarks.

use std::time::Duration;

use mailbell_sync::events::Event;
use mailbell_sync::model::Account;
use mailbell_sync::store::Store;
use mailbell_sync::sync::sync_account;
use tokio::signal::unix::{signal, SignalKind};

use crate::args::WatchArgs;
use crate::commands::sync::{open_secrets, options, select_accounts};
use crate::failure::CliResult;
use crate::output;

pub async fn run(store: Store, args: &WatchArgs) -> CliResult {
    let accounts = select_accounts(&store, args.account.as_deref())?;
    if accounts.is_empty() {
        eprintln!("No accounts to watch. Add one with `mailbell-cli account add`.");
        return Ok(());
    }
    let secrets = open_secrets().await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let json = args.json;
    let workers = accounts.into_iter().map(|account| {
        let (store, secrets) = (store.clone(), secrets.clone());
        async move { worker(store, secrets, account, json).await }
    });
    tokio::select! {
        _ = futures::future::join_all(workers) => {}
        _ = sigterm.recv() => {}
        _ = sigint.recv() => {}
    }
    Ok(())
}

async fn worker(store: Store, secrets: std::sync::Arc<mailbell_sync::secrets::Secrets>, account: Account, json: bool) {
    let sink = move |e: Event| output::print_event(&e, json);
    let opts = options(None);
    let interval = Duration::from_secs(u64::from(account.interval_secs));
    loop {
        if let Err(e) = sync_account(&store, &secrets, &account, &opts, &sink).await {
            eprintln!("{} ({}): {e}", account.email, account.id);
        }
        tokio::time::sleep(interval).await;
    }
}
