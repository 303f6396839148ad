//! Mailbell's desktop app: a thin Tauri shell around the sync engine (`mailbell-sync`).
//!
//! - `commands`: what the window may ask (thin calls into the store and the engine);
//! - `bridge`: engine start, events to the window, notifications and tray updates;
//! - `setup`: the account wizard's and editor's commands (discovery, live test, add, remove);
//! - `signin`: OAuth2 sign-in in the browser (offer, flow, test, add, sign in again);
//! - `notify`, `tray`: the desktop integration (notification buttons act on their message);
//! - `open_in`: "Open in…" a message's account's choice (mail program, webmail, a command);
//! - `window`: the main window's life, seen from the tray process: the window lives in a process
//!   of its own (`window_process`), started when it is opened and ended when it is closed to the
//!   tray, which forwards its UI's commands here (`dispatch`) over a private link (`link`);
//!   `lean`: what else keeps the app small in the tray;
//! - `models`, `error`: what crosses to the window;
//! - `i18n`: the Fluent catalogues (locales/), in the desktop's language (`tr!`);
//! - `state`: what the app keeps while it runs; `logging`: the log file in the state directory;
//! - `command_list.rs`: the window's commands, one list for the dispatch and the permissions.
//!
//! No sync logic lives here: the engine does the work, as it does for `mailbell-cli watch`.

// The window's commands (`with_app_commands!`), shared with build.rs.
include!("command_list.rs");

/// Every command the window may invoke, by name (build.rs makes an `allow-<command>` of each).
pub const COMMANDS: &[&str] = with_app_commands!(command_names);

pub mod app_id;
pub mod bridge;
#[cfg(test)]
mod command_check;
pub mod commands;
pub mod dispatch;
pub mod error;
pub mod i18n;
pub mod lean;
pub mod link;
pub mod logging;
pub mod models;
pub mod notifier;
pub mod notify;
pub mod open_in;
pub mod setup;
pub mod signin;
pub mod state;
pub mod tray;
pub mod window;
pub mod window_process;

use std::time::Duration;

use mailbell_sync::Store;
use tauri::{AppHandle, Manager, RunEvent};
use tauri_plugin_autostart::{MacosLauncher, ManagerExt};
use tauri_plugin_notification::NotificationExt;

use mailbell_sync::{MessageAction, MessageRef};

use crate::error::AppError;
use crate::models::{AppEvent, MessageKey, SettingsPatch};
use crate::state::AppState;

/// Argument of a launch at login: start in the tray, without the window.
pub const HIDDEN_ARG: &str = "--hidden";

/// The app's Tauri context (configuration, the UI's files, permissions): one for both processes.
pub(crate) fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

pub fn run() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == link::WINDOW_PROCESS_ARG) {
        window_process::run(args.get(i + 1).map(String::as_str).unwrap_or(""));
        return;
    }
    // First: it changes the environment GTK and malloc read, before any thread exists.
    lean::at_start();
    app_id::claim();
    let data_dir = match mailbell_sync::paths::data_dir(None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mailbell: {e}");
            std::process::exit(1);
        }
    };
    let log_file = logging::init(&data_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "Mailbell starting");
    let store = match Store::open_dir(&data_dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot open the store");
            eprintln!("mailbell: {e}");
            std::process::exit(1);
        }
    };
    let hidden = args.iter().any(|a| a == HIDDEN_ARG);

    let app = tauri::Builder::default()
        // First, so that a second launch stops before doing anything else.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("second launch: showing the window");
            window::open(app, None);
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(MacosLauncher::LaunchAgent, Some(vec![HIDDEN_ARG])))
        // Opens the browser for the Rust side (signin.rs); the window has no opener permission,
        // and no script is injected to open its links.
        .plugin(tauri_plugin_opener::Builder::new().open_js_links_on_click(false).build())
        .manage(AppState::new(store, data_dir, log_file))
        .manage(signin::SignIns::default())
        .manage(window::WindowLife::default())
        .setup(move |app| {
            let handle = app.handle().clone();
            let state = app.state::<AppState>();
            match handle.autolaunch().is_enabled() {
                Ok(on) => state.adopt_autostart(on),
                Err(e) => tracing::warn!(error = %e, "cannot tell whether Mailbell starts at login"),
            }
            // The window stays hidden only where the tray can bring it back, and never before
            // the first account: the setup wizard is what a first start must show.
            let has_account = state.store.accounts().map(|a| !a.is_empty()).unwrap_or(false);
            let to_tray = (hidden || state.settings().start_in_tray) && has_account;
            let mut show = true;
            // A tray icon is a tray only where the desktop has a host to show it (GNOME has none
            // without the AppIndicator extension): without one, Mailbell behaves as trayless.
            // The hosts are followed for the whole run (tray_host_changed).
            if tray::possible() {
                let host = tray::find_host();
                // A start in the tray keeps the window hidden while a host may still come (at
                // login the panel may start after Mailbell): see await_tray_host.
                show = !to_tray;
                if let Some(host) = &host {
                    let unviewed = state.store.unviewed_count().map(|n| u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(0);
                    let look = tray::look(unviewed, state.settings().paused, Vec::new());
                    if let Some(tray) = tray::build(&handle, &look) {
                        tracing::info!(host = %host.kind, owner = %host.owner, "tray icon shown");
                        state.set_tray(tray);
                        state.set_host(Some(host.clone()));
                    }
                }
                if !state.tray_present() {
                    let h = handle.clone();
                    std::thread::spawn(move || await_tray_host(h));
                }
                let h = handle.clone();
                tray::watch_hosts(host, move |host| {
                    let app = h.clone();
                    let _ = h.run_on_main_thread(move || tray_host_changed(&app, host));
                });
            }

            notify::register_actions(&handle);
            let h = handle.clone();
            let _ = app.notification().on_action(move |action| {
                let extra = action.notification().map(|n| n.extra().clone()).unwrap_or_default();
                let message = extra.get("message").and_then(|v| serde_json::from_value::<MessageKey>(v.clone()).ok());
                let single = extra.get("single").and_then(|v| v.as_bool()).unwrap_or(false);
                on_notification_action(&h, action.action_id(), message, single)
            });

            // Built only to be shown: a start in the tray costs no webview.
            if show {
                window::open(&handle, None);
            } else {
                window::lighten_later(&handle, window::SETTLE_IN_TRAY);
            }
            tauri::async_runtime::spawn(bridge::start(handle.clone()));
            tauri::async_runtime::spawn(quit_on_sigterm(handle.clone()));
            let h = handle.clone();
            tauri::async_runtime::spawn(async move { bridge::refresh_unviewed(&h).await });
            Ok(())
        })
        .build(context());
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "the window could not be created");
            eprintln!("mailbell: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| match event {
        // The last window went to the tray: Mailbell keeps running. A quit (`app.exit`) has a code.
        RunEvent::ExitRequested { code: None, api, .. } => api.prevent_exit(),
        RunEvent::Exit => shutdown(app),
        _ => {}
    });
}

/// How long a start in the tray waits for the desktop's tray host when there is none at start
/// (at login the panel may come up after Mailbell) before it shows the window. The host is
/// still welcome later: it gets the icon, and the window goes back to the tray.
const TRAY_HOST_PATIENCE: Duration = Duration::from_secs(10);

/// How long a tray host may be gone (a panel restarting) before the window is shown.
const TRAY_HOST_GRACE: Duration = Duration::from_secs(3);

/// After `TRAY_HOST_PATIENCE` without a tray host: says once what to install, and shows the
/// window that a start in the tray kept hidden (Mailbell is never running and invisible).
fn await_tray_host(app: AppHandle) {
    std::thread::sleep(TRAY_HOST_PATIENCE);
    let h = app.clone();
    let _ = app.run_on_main_thread(move || show_if_trayless(&h));
}

/// With no tray (still, or again): the help once, and the window on screen.
fn show_if_trayless(app: &AppHandle) {
    let state = app.state::<AppState>();
    if state.tray_present() {
        return;
    }
    if state.first_no_host() {
        tracing::warn!("{}", tray::NO_HOST_HELP);
    }
    if window::out_of_sight(app) {
        tracing::info!("no tray to bring the window back from: showing it");
        window::open(app, None);
        state.set_shown_for_no_tray(true);
    }
}

/// A tray host appeared, was replaced (a panel restarted) or went away (on the main thread).
///
/// The icon is made once, when the first host appears, and kept for the run: libappindicator
/// never frees an indicator (tray-icon's drop only hides it), so a second one with the same id
/// cannot take its place on the bus. The one icon follows the hosts itself (libayatana-
/// appindicator registers again with a new StatusNotifierWatcher and falls back to XEmbed
/// without one; GTK's XEmbed icon docks in a new tray); here it is shown afresh to each new
/// host (its whole look set again). The last host going away makes Mailbell trayless and,
/// after a grace period for a restart, shows the window.
fn tray_host_changed(app: &AppHandle, host: Option<tray::HostId>) {
    let state = app.state::<AppState>();
    state.set_host(host.clone());
    match host {
        Some(host) => {
            if state.tray().is_none() {
                let look = state.last_look().unwrap_or_else(|| tray::look(0, state.settings().paused, Vec::new()));
                if let Some(tray) = tray::build(app, &look) {
                    state.set_tray(tray);
                }
            } else if let Some(tray) = state.tray() {
                tray.forget_shown();
            }
            if state.tray_present() {
                tracing::info!(host = %host.kind, owner = %host.owner, "tray icon shown");
                // The window was opened only for want of a tray: back in the tray with it.
                if state.take_shown_for_no_tray() && window::exists(app) {
                    tracing::info!("a tray host came: the window goes back to the tray");
                    window::close(app);
                }
            }
        }
        None => {
            tracing::warn!("the tray host went away: no tray icon until one comes back");
            let h = app.clone();
            std::thread::spawn(move || {
                std::thread::sleep(TRAY_HOST_GRACE);
                let app = h.clone();
                let _ = h.run_on_main_thread(move || show_if_trayless(&app));
            });
        }
    }
    // The window's "no tray" hint follows; the icon gets the current look.
    bridge::emit_app(app, AppEvent::Refresh);
    let h = app.clone();
    tauri::async_runtime::spawn(async move { bridge::refresh_tray(&h).await });
}

/// A SIGTERM (logout, `kill`, systemd) quits like the tray's Quit: the engine gets to finish.
async fn quit_on_sigterm(app: AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
                tracing::info!("SIGTERM: quitting");
                app.exit(0);
            }
            Err(e) => tracing::warn!(error = %e, "cannot watch for SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    let _ = app;
}

/// Lets passes in progress finish (within the engine's grace period) and sessions log out.
fn shutdown(app: &AppHandle) {
    let Some(engine) = app.state::<AppState>().take_engine() else { return };
    tracing::info!("shutting down");
    tauri::async_runtime::block_on(async move {
        if tokio::time::timeout(Duration::from_secs(15), engine.shutdown()).await.is_err() {
            tracing::warn!("the engine did not stop in time");
        }
    });
}

/// A click on a notification (`tap`) or one of its buttons. A click shows the window: on the
/// reading pane of the message when the notification was about it alone, else on the list.
/// A button acts on exactly the notification's message and opens nothing; the outcome reaches
/// the window as an `acted` event (the list follows the engine's `message_update`).
pub(crate) fn on_notification_action(app: &AppHandle, action: &str, message: Option<MessageKey>, single: bool) {
    let Some(message) = message else {
        if action == "tap" {
            window::open(app, None);
        }
        return;
    };
    let verb = match action {
        "tap" => {
            // A window built for this click gets the message once its UI is ready.
            window::open(app, Some(if single { AppEvent::Open { message } } else { AppEvent::Reveal { message } }));
            return;
        }
        "read" => MessageAction::Read,
        "archive" => MessageAction::Archive,
        "delete" => MessageAction::Delete,
        other => {
            tracing::debug!(action = other, "unknown notification action");
            return;
        }
    };
    if !single {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let r = match app.state::<AppState>().engine() {
            Ok(engine) => engine.act_on_message(&MessageRef::from(&message), verb).await.map_err(AppError::from),
            Err(e) => Err(e),
        };
        let (error, undo) = match r {
            Ok(done) => {
                tracing::info!(account = %message.account, action = verb.as_str(), "notification action");
                (None, done.undo)
            }
            Err(e) => {
                tracing::warn!(account = %message.account, action = verb.as_str(), error = %e, "notification action failed");
                (Some(e.message), None)
            }
        };
        bridge::emit_app(&app, AppEvent::Acted { message, action: verb, error, undo });
    });
}

/// The tray menu's actions.
pub(crate) fn on_tray_menu(app: &AppHandle, id: &str) {
    match id {
        tray::OPEN => window::open(app, None),
        id if id.starts_with(tray::ATTENTION) => window::open(app, None),
        tray::SYNC => match app.state::<AppState>().engine() {
            Ok(engine) => {
                tracing::info!("tray: check now");
                for account in engine.running() {
                    if let Err(e) = engine.sync_now(&account, None) {
                        tracing::warn!(%account, error = %e, "sync now failed");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "sync now: no engine"),
        },
        tray::PAUSE => {
            let app = app.clone();
            let paused = !app.state::<AppState>().settings().paused;
            tauri::async_runtime::spawn(async move {
                tracing::info!(paused, "tray: pause notifications");
                if let Err(e) = commands::apply_settings(&app, SettingsPatch { paused: Some(paused), ..SettingsPatch::default() }).await {
                    tracing::warn!(error = %e, "could not pause notifications");
                }
            });
        }
        tray::QUIT => {
            tracing::info!("tray: quit");
            app.exit(0)
        }
        _ => {}
    }
}
