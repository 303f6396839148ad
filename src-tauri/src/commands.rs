//! The commands the window may invoke: thin calls into the store and the engine. Store calls
//! block, so they run on the blocking pool. Each one is granted by name in
//! capabilities/default.json (see build.rs).

use mailbell_sync::{ActionDone, MessageAction, MessageRef, MessageView, Rules, StoredMessage, MIN_INTERVAL_SECS};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_autostart::ManagerExt;

use crate::bridge::emit_app;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::models::{About, AccountView, AppEvent, Settings, SettingsPatch, Snapshot};
use crate::state::AppState;

/// Most messages the list shows.
const MAX_MESSAGES: u32 = 500;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| AppError::internal(format!("background task failed: {e}")))?
}

/// Everything the window shows: accounts with folders and status, settings, counts, About.
pub async fn snapshot(app: AppHandle) -> AppResult<Snapshot> {
    let handle = app.clone();
    blocking(move || {
        let state = handle.state::<AppState>();
        let running = state.engine_if_running().map(|e| e.running()).unwrap_or_default();
        let folders = state.store.folders(None)?;
        let accounts = state
            .store
            .accounts()?
            .into_iter()
            .map(|account| AccountView {
                folders: folders.iter().filter(|f| f.account_id == account.id).cloned().collect(),
                status: state.status_of(&account.id),
                running: running.contains(&account.id),
                account,
            })
            .collect();
        let unviewed = u32::try_from(state.store.unviewed_count()?).unwrap_or(u32::MAX);
        Ok(Snapshot {
            accounts,
            settings: state.settings(),
            rules: state.store.rules()?,
            unviewed,
            engine_error: state.engine_error(),
            about: About {
                version: handle.package_info().version.to_string(),
                data_dir: state.data_dir.display().to_string(),
                log_file: state.log_file.display().to_string(),
                tray: state.tray_present(),
            },
        })
    })
    .await
}

/// The newest messages Mailbell has seen (by arrival on the server), newest first, whatever
/// their state: the "Recent" view.
pub async fn list_messages(state: State<'_, AppState>, limit: Option<u32>) -> AppResult<Vec<StoredMessage>> {
    let store = state.store.clone();
    let limit = limit.unwrap_or(200).clamp(1, MAX_MESSAGES) as usize;
    blocking(move || Ok(store.messages(None, limit)?)).await
}

/// The messages still news (unread on the server and still there), newest first: the "New
/// mail" view. Mail read or deleted elsewhere is not among them.
pub async fn list_news(state: State<'_, AppState>, limit: Option<u32>) -> AppResult<Vec<StoredMessage>> {
    let store = state.store.clone();
    let limit = limit.unwrap_or(200).clamp(1, MAX_MESSAGES) as usize;
    blocking(move || Ok(store.news(None, limit)?)).await
}

/// Marks messages as seen in Mailbell (all when `ids` is null). Never touches the server.
/// Returns how many are still unviewed.
pub async fn mark_viewed(app: AppHandle, ids: Option<Vec<i64>>) -> AppResult<u32> {
    let store = app.state::<AppState>().store.clone();
    let n = blocking(move || {
        store.mark_viewed(ids.as_deref())?;
        Ok(u32::try_from(store.unviewed_count()?).unwrap_or(u32::MAX))
    })
    .await?;
    crate::bridge::refresh_tray(&app).await;
    emit_app(&app, AppEvent::Unviewed { count: n });
    Ok(n)
}

/// One message as the reading pane shows it, fetched now with a bounded `BODY.PEEK`: reading it
/// in Mailbell never marks it read on the server.
pub async fn show_message(state: State<'_, AppState>, message: MessageRef) -> AppResult<MessageView> {
    let engine = state.engine()?;
    Ok(engine.show_message(&message).await?)
}

/// Marks one message read, archives or deletes it on the server, as the user asked. The list
/// follows through the engine's `message_update` event; the result carries the undo token.
pub async fn act_on_message(state: State<'_, AppState>, message: MessageRef, action: MessageAction) -> AppResult<ActionDone> {
    let engine = state.engine()?;
    let done = engine.act_on_message(&message, action).await?;
    tracing::info!(account = %message.account, action = action.as_str(), "message action");
    Ok(done)
}

/// Takes back an action while its token is valid.
pub async fn undo_action(state: State<'_, AppState>, token: String) -> AppResult<()> {
    let engine = state.engine()?;
    Ok(engine.undo_action(&token).await?)
}

/// Asks for a pass of one account now, or of one of its folders. Progress arrives as events.
pub fn sync_now(state: State<'_, AppState>, account: String, folder: Option<String>) -> AppResult<()> {
    let engine = state.engine()?;
    if !engine.running().contains(&account) {
        // e.g. added by the CLI a moment ago: start it, which runs a first pass anyway.
        engine.start(Some(&account))?;
        return Ok(());
    }
    Ok(engine.sync_now(&account, folder.as_deref())?)
}

/// Changes how often an account is checked (seconds).
pub fn set_interval(state: State<'_, AppState>, account: String, secs: u32) -> AppResult<()> {
    if secs < MIN_INTERVAL_SECS {
        return Err(AppError::invalid(crate::tr!("error-interval-too-short", secs = MIN_INTERVAL_SECS)));
    }
    Ok(state.engine()?.set_interval(&account, secs)?)
}

/// Watches a folder or stops watching it. A newly watched folder is looked at at once (its
/// existing mail becomes history, not news).
pub async fn set_watched(app: AppHandle, account: String, folder: String, watched: bool) -> AppResult<()> {
    let store = app.state::<AppState>().store.clone();
    let (a, f) = (account.clone(), folder.clone());
    let found = blocking(move || Ok(store.set_watched(&a, &f, watched)?)).await?;
    if !found {
        return Err(AppError::invalid(crate::tr!("error-no-such-folder", folder = folder.as_str())));
    }
    if watched {
        if let Some(engine) = app.state::<AppState>().engine_if_running() {
            engine.sync_now(&account, Some(&folder))?;
        }
    }
    Ok(())
}

/// Changes the notification rules (quiet hours, important senders, muted senders and lists);
/// returns them as the engine keeps them (normalised). A rule that cannot be kept changes
/// nothing and is an error whose `field` names its part of the rules.
pub async fn set_rules(state: State<'_, AppState>, rules: Rules) -> AppResult<Rules> {
    let engine = state.engine()?;
    blocking(move || {
        engine.set_rules(rules)?;
        Ok(engine.rules()?)
    })
    .await
}

/// Whether new mail in a folder rings (off: still listed and counted, never rung).
pub async fn set_folder_notify(state: State<'_, AppState>, account: String, folder: String, notify: bool) -> AppResult<()> {
    let engine = state.engine()?;
    blocking(move || Ok(engine.set_folder_notify(&account, &folder, notify)?)).await
}

/// Whether new mail of an account rings at all (off: still listed and counted, never rung).
pub async fn set_account_notify(state: State<'_, AppState>, account: String, notify: bool) -> AppResult<()> {
    let engine = state.engine()?;
    blocking(move || Ok(engine.set_account_notify(&account, notify)?)).await
}

/// Changes settings; returns them as they now are.
pub async fn set_settings(app: AppHandle, patch: SettingsPatch) -> AppResult<Settings> {
    apply_settings(&app, patch).await
}

pub async fn apply_settings(app: &AppHandle, patch: SettingsPatch) -> AppResult<Settings> {
    let state = app.state::<AppState>();
    let old = state.settings();
    let new = Settings {
        notifications: patch.notifications.unwrap_or(old.notifications),
        paused: patch.paused.unwrap_or(old.paused),
        autostart: patch.autostart.unwrap_or(old.autostart),
        start_in_tray: patch.start_in_tray.unwrap_or(old.start_in_tray),
        sound: patch.sound.unwrap_or(old.sound),
    };
    if new.autostart != old.autostart {
        let launcher = app.autolaunch();
        let r = if new.autostart { launcher.enable() } else { launcher.disable() };
        r.map_err(|e| AppError::new(ErrorKind::Autostart, crate::tr!("error-autostart", reason = e.to_string())))?;
    }
    let handle = app.clone();
    blocking(move || handle.state::<AppState>().save_settings(new)).await?;
    crate::bridge::refresh_tray(app).await;
    tracing::info!(?new, "settings changed");
    emit_app(app, AppEvent::Settings(new));
    Ok(new)
}
