//! `sync --once`: every enabled account (or one), each folder checked once.

use std::sync::Arc;

use anyhow::Context;
use mailbell_sync::{sync_account, Account, Event, EventSink, Secrets, Store, SyncOptions};

use crate::args::SyncArgs;
use crate::failure::{usage, CliResult, Failure};
use crate::output;

pub fn options(folder: Option<String>) -> SyncOptions {
    SyncOptions { only_folders: folder.map(|f| std::iter::once(f).collect()), ..SyncOptions::default() }
}

/// The accounts a command works on: one by id (which must exist), or all enabled ones.
pub fn select_accounts(store: &Store, id: Option<&str>) -> CliResult<Vec<Account>> {
    match id {
        Some(id) => match store.account(id)? {
            Some(a) => Ok(vec![a]),
            None => Err(usage(format!("no account with id {id:?}: see `mailbell-cli account list`"))),
        },
        None => Ok(store.accounts()?.into_iter().filter(|a| a.enabled).collect()),
    }
}

pub async fn open_secrets() -> CliResult<Arc<Secrets>> {
    let secrets = tokio::task::spawn_blocking(Secrets::open).await.context("keyring task failed")?;
    Ok(Arc::new(secrets.context("cannot reach the keyring to read passwords")?))
}

pub async fn run(store: Store, args: &SyncArgs) -> CliResult {
    let accounts = select_accounts(&store, args.account.as_deref())?;
    if accounts.is_empty() {
        eprintln!("No accounts to sync. Add one with `mailbell-cli account add`.");
        return Ok(());
    }
    let secrets = open_secrets().await?;
    let json = args.json;
    let sink: Arc<dyn EventSink> = Arc::new(move |e: Event| output::print_event(&e, json, false));
    let opts = options(args.folder.clone());
    let runs = accounts.iter().map(|a| sync_account(&store, &secrets, a, &opts, Arc::clone(&sink)));
    let results = futures::future::join_all(runs).await;
    let mut failed = 0;
    for (account, result) in accounts.iter().zip(results) {
        match result {
            Ok(report) if report.folder_errors.is_empty() => {}
            Ok(report) => {
                failed += 1;
                for (folder, err) in report.folder_errors {
                    eprintln!("{} ({}): {folder}: {err}", account.email, account.id);
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("{} ({}): {e}", account.email, account.id);
            }
        }
    }
    if failed > 0 {
        return Err(Failure::Runtime(anyhow::anyhow!("{failed} of {} account(s) had sync errors", accounts.len())));
    }
    Ok(())
}
