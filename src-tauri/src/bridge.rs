//! The engine's side of the app: starts the engine once the keyring answers, forwards every
//! engine event to the window, turns new mail into notifications and tray changes, and picks up
//! accounts added outside the app (`mailbell-cli account add`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mailbell_sync::{AccountState, Engine, EngineOptions, Event, EventSink, Secrets};
use tauri::{AppHandle, Manager};
use tokio::sync::mpsc;

use crate::models::{AppEvent, Channel};
use crate::notifier::Notifier;
use crate::notify::{self, Batcher};
use crate::state::AppState;
use crate::tray;

/// How often the store is checked for accounts added or removed by another program.
const ACCOUNT_POLL: Duration = Duration::from_secs(3);
/// How long to wait before trying the keyring again when it did not answer.
const KEYRING_RETRY: Duration = Duration::from_secs(20);

pub fn emit_app(app: &AppHandle, e: AppEvent) {
    crate::window::emit(app, Channel::App.name(), &e);
}

/// Starts the engine (retrying while the keyring is unavailable), then the event and account
/// loops. Runs for the life of the app.
pub async fn start(app: AppHandle) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let sink: Arc<dyn EventSink> = Arc::new(move |e: Event| {
        // Never blocks the engine; the store is the truth if the window lags.
        let _ = tx.send(e);
    });
    tauri::async_runtime::spawn(forward(app.clone(), rx));

    let mut last_error: Option<String> = None;
    let engine = loop {
        let why = match tauri::async_runtime::spawn_blocking(Secrets::open).await {
            Ok(Ok(secrets)) => {
                let store = app.state::<AppState>().store.clone();
                break Arc::new(Engine::new(store, Arc::new(secrets), EngineOptions::default(), Some(Arc::clone(&sink))));
            }
            Ok(Err(e)) => crate::tr!("error-keyring", reason = e.to_string()),
            Err(e) => format!("internal error: {e}"),
        };
        if last_error.as_deref() != Some(why.as_str()) {
            tracing::warn!(error = %why, "the engine cannot start; trying again every {}s", KEYRING_RETRY.as_secs());
            app.state::<AppState>().set_engine_error(why.clone());
            emit_app(&app, AppEvent::Refresh);
            last_error = Some(why);
        }
        tokio::time::sleep(KEYRING_RETRY).await;
    };
    let state = app.state::<AppState>();
    match engine.start(None) {
        Ok(n) => tracing::info!(accounts = n, "engine started"),
        Err(e) => tracing::error!(error = %e, "engine could not start its workers"),
    }
    state.set_engine(Arc::clone(&engine));
    emit_app(&app, AppEvent::Refresh);
    watch_accounts(app.clone(), engine);
}

/// Forwards engine events to the window, the tray and the notifications.
async fn forward(app: AppHandle, mut rx: mpsc::UnboundedReceiver<Event>) {
    let mut batcher = Batcher::default();
    let icon = notify::install_icon(&app.state::<AppState>().data_dir);
    let notifier = Notifier::install(&app, icon.as_deref());
    while let Some(event) = rx.recv().await {
        let state = app.state::<AppState>();
        crate::window::emit(&app, Channel::Engine.name(), &event);
        let Event::AccountStatus(status) = &event else {
            // New mail waits for the end of its pass; a digest (end of the quiet hours) is due now.
            let notes = batcher.feed(&event, |_| String::new());
            if !notes.is_empty() && state.notifying() {
                // A digest is about several messages: no action buttons, whatever the server offers.
                for n in &notes {
                    notifier.show(n, false, state.settings().sound).await;
                }
            }
            continue;
        };
        state.record_status(status);
        if matches!(status.state, AccountState::Syncing | AccountState::Connecting) {
            continue;
        }
        if let Some(e) = &status.error {
            tracing::info!(account = %status.account, state = ?status.state, error = %e, "pass ended with an error");
        }
        let store = state.store.clone();
        let id = status.account.clone();
        let label = tauri::async_runtime::spawn_blocking(move || store.account(&id).ok().flatten().map(|a| a.email))
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| status.account.clone());
        let open = notifier.open_summaries().await;
        batcher.keep_summaries(|account| open.contains(account));
        let notes = batcher.feed(&event, |_| label.clone());
        if !notes.is_empty() {
            tracing::info!(account = %status.account, new = status.new_messages, notifications = notes.len(), "new mail");
            if state.notifying() {
                let actions = notify::server_offers_actions().await;
                let sound = state.settings().sound;
                for n in &notes {
                    notifier.show(n, actions, sound).await;
                }
            }
        }
        refresh_unviewed(&app).await;
    }
}

/// Reads how many messages wait, then updates the tray and tells the window.
pub async fn refresh_unviewed(app: &AppHandle) {
    if let Some(n) = unviewed(app).await {
        if n == 0 {
            // Everything was seen: an open summary no longer grows (notifier.rs).
            if let Some(notifier) = app.try_state::<Notifier>() {
                notifier.forget_summaries().await;
            }
        }
        refresh_tray_with(app, n).await;
        emit_app(app, AppEvent::Unviewed { count: n });
    }
}

async fn unviewed(app: &AppHandle) -> Option<u32> {
    let store = app.state::<AppState>().store.clone();
    match tauri::async_runtime::spawn_blocking(move || store.unviewed_count()).await {
        Ok(Ok(n)) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot count new messages");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot count new messages");
            None
        }
    }
}

/// Brings the tray up to date with the engine (count, pause, accounts that need the user).
pub async fn refresh_tray(app: &AppHandle) {
    let n = unviewed(app).await.unwrap_or(0);
    refresh_tray_with(app, n).await;
}

async fn refresh_tray_with(app: &AppHandle, unviewed: u32) {
    let look = current_look(app, unviewed).await;
    let state = app.state::<AppState>();
    state.set_last_look(look.clone());
    if let Some(t) = state.tray() {
        t.apply(app, &look);
    }
}

/// The tray's look from the engine's state: the accounts in the store, their latest states, the
/// pause setting and the unviewed count.
async fn current_look(app: &AppHandle, unviewed: u32) -> tray::Look {
    let state = app.state::<AppState>();
    let store = state.store.clone();
    let accounts = tauri::async_runtime::spawn_blocking(move || store.accounts()).await.ok().and_then(|r| r.ok()).unwrap_or_default();
    let states = state.account_states();
    let labels: BTreeMap<&str, &str> = accounts.iter().map(|a| (a.id.as_str(), a.email.as_str())).collect();
    let known = states.iter().filter(|(id, _)| labels.contains_key(id.as_str())).map(|(id, s)| (id.as_str(), *s));
    let attention = tray::attention(known, |id| labels.get(id).copied().unwrap_or(id).to_string());
    tray::look(unviewed, state.settings().paused, attention)
}

/// Follows accounts added or removed by another program (the engine starts and stops their
/// workers) and tells the window.
fn watch_accounts(app: AppHandle, engine: Arc<Engine>) {
    engine.watch_accounts(ACCOUNT_POLL, move |changes| {
        for id in &changes.added {
            tracing::info!(account = %id, "account added outside the app: starting it");
        }
        for id in &changes.removed {
            tracing::info!(account = %id, "account removed outside the app: stopping it");
            app.state::<AppState>().forget_status(id);
        }
        for id in &changes.changed {
            tracing::info!(account = %id, "account's connection settings changed outside the app: reconnecting");
        }
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            emit_app(&app, AppEvent::Refresh);
            refresh_unviewed(&app).await;
        });
    });
}
