//! The main window's life. Mailbell mostly sits in the tray, and a window's webview (WebKit's
//! web process, its heap, the GTK widgets) costs far more than the rest of the app: so the
//! window exists only while it is on screen. Closing it to the tray destroys it; opening it
//! builds it again from tauri.conf.json's `main` window (which Tauri itself does not create:
//! `"create": false`), and the UI reads everything it shows from the engine as it loads.
//!
//! Where there is no tray to bring the window back from, closing minimises it instead.
//!
//! What happens while no window exists: events are emitted to no webview (Tauri drops them:
//! nothing waits or piles up), except the one thing a window must see once it is built, the
//! message a notification click asked for: it is kept ([`WindowLife`]) and handed over when the
//! UI says it is ready ([`window_ready`]), which is also when the time from "Open" to a painted
//! window is logged (`window painted in N ms`, read by the benchmark).
//!
//! The window's size and position are kept by Tauri's window-state plugin: saved when the window
//! closes (to the tray, or at quit), restored when it is built.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use tauri::{AppHandle, Manager, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::bridge::emit_app;
use crate::error::{AppError, AppResult};
use crate::models::AppEvent;
use crate::state::AppState;

/// The label of the main window in tauri.conf.json.
pub const MAIN: &str = "main";

/// What the window-state plugin keeps: where the window was and how large, and whether it was
/// maximised. Not its visibility: whether the window shows is Mailbell's decision (a start in
/// the tray, a notification click), nor its decorations or fullscreen, which Mailbell never
/// changes.
pub const KEPT: StateFlags = StateFlags::SIZE.union(StateFlags::POSITION).union(StateFlags::MAXIMIZED);

/// The file the window's size and position live in: beside the store, in the data directory
/// (one profile is one directory, `--data-dir` / `MAILBELL_DATA_DIR` included), rather than in
/// the plugin's default config directory, which all profiles would share.
pub const STATE_FILE: &str = "window-state.json";

/// The window-state plugin, keeping its file in `data_dir`.
pub fn state_plugin(data_dir: &std::path::Path) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    // An absolute file name: the plugin joins it to its directory, which it then replaces.
    tauri_plugin_window_state::Builder::new().with_state_flags(KEPT).with_filename(data_dir.join(STATE_FILE).to_string_lossy()).build()
}

/// What the app knows about the window between "Open" and the UI's first paint.
#[derive(Default)]
pub struct WindowLife {
    inner: Mutex<Life>,
}

#[derive(Default)]
struct Life {
    /// When the window was asked for, while it is being built and its UI loads.
    requested: Option<Instant>,
    /// The UI of the window built last has said it is ready (its listeners are there).
    ready: bool,
    /// What the window must show once its UI is ready (a notification's message).
    pending: Vec<AppEvent>,
}

impl WindowLife {
    fn lock(&self) -> MutexGuard<'_, Life> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Shows the main window (building it when it does not exist), in front, and then `then` in it
/// (the message a notification click is about). Callable from any thread: the work happens on
/// the main thread, one request after the other, so that two quick "Open"s build one window.
pub fn open(app: &AppHandle, then: Option<AppEvent>) {
    // At once, not on the main thread: a caller that marks the window as opened for want of a
    // tray does so after this call.
    app.state::<AppState>().set_shown_for_no_tray(false);
    let requested = Instant::now();
    let h = app.clone();
    if let Err(e) = app.run_on_main_thread(move || open_now(&h, requested, then)) {
        tracing::warn!(error = %e, "cannot open the window");
    }
}

fn open_now(app: &AppHandle, requested: Instant, then: Option<AppEvent>) {
    let life = app.state::<WindowLife>();
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        let mut l = life.lock();
        if l.ready {
            drop(l);
            if let Some(e) = then {
                emit_app(app, e);
            }
        } else {
            // Built a moment ago: its UI is not listening yet.
            l.pending.extend(then);
        }
        return;
    }
    {
        let mut l = life.lock();
        l.requested = Some(requested);
        l.ready = false;
        l.pending.extend(then);
    }
    match build(app) {
        Ok(w) => {
            tracing::info!("window built");
            let _ = w.show();
            let _ = w.set_focus();
        }
        Err(e) => {
            tracing::error!(error = %e, "the window could not be built");
            let mut l = life.lock();
            l.requested = None;
            l.pending.clear();
        }
    }
}

/// The main window as tauri.conf.json describes it (hidden until shown; the window-state
/// plugin gives it its last size and position as it is created).
fn build(app: &AppHandle) -> AppResult<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .ok_or_else(|| AppError::internal("tauri.conf.json has no main window"))?;
    WebviewWindowBuilder::from_config(app, config)
        .and_then(|b| b.build())
        .map_err(|e| AppError::internal(format!("cannot build the window: {e}")))
}

/// Whether the window is out of sight: not built (in the tray) or minimised.
pub fn out_of_sight(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN).is_none_or(|w| !w.is_visible().unwrap_or(true) || w.is_minimized().unwrap_or(false))
}

/// Closes the window to the tray: its size and position are saved, then the window and its
/// webview are destroyed. Without a tray to bring it back from, it is minimised instead.
pub fn close(app: &AppHandle) {
    let Some(w) = app.get_webview_window(MAIN) else { return };
    if !app.state::<AppState>().tray_present() {
        let _ = w.minimize();
        return;
    }
    // Saved now, not only at quit: a crash or a power cut keeps the last size.
    if let Err(e) = app.save_window_state(KEPT) {
        tracing::warn!(error = %e, "cannot save the window's size and position");
    }
    {
        let life = app.state::<WindowLife>();
        let mut l = life.lock();
        l.ready = false;
        l.requested = None;
        l.pending.clear();
    }
    tracing::info!("window closed to the tray");
    if let Err(e) = w.destroy() {
        tracing::warn!(error = %e, "cannot destroy the window");
        return;
    }
    // The webview goes away in the background (its web process ends on its own): what it leaves
    // behind is cleared a moment later.
    lighten_later(app, AFTERMATH);
}

/// How long after the window's destruction what it left is cleared (WebKit's teardown of the
/// page talks to the network process).
const AFTERMATH: std::time::Duration = std::time::Duration::from_secs(2);

/// How long after a start in the tray the app lightens itself: the engines' first checks are
/// done by then, so the pages given back are the ones start-up needed and the tray does not.
pub const SETTLE_IN_TRAY: std::time::Duration = std::time::Duration::from_secs(20);

/// After `after`, unless a window exists by then: the app sheds what only a window needed
/// (`lean::in_tray`), on the main thread, so that no window is built meanwhile.
pub fn lighten_later(app: &AppHandle, after: std::time::Duration) {
    let h = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let app = h.clone();
        let _ = h.run_on_main_thread(move || {
            if app.get_webview_window(MAIN).is_none() {
                crate::lean::in_tray();
            }
        });
    });
}

/// The window's UI has loaded, listens to events and has painted its first frame: the time
/// since "Open" goes to the log, and what a notification click asked for is shown now.
#[tauri::command]
pub fn window_ready(app: AppHandle) {
    let life = app.state::<WindowLife>();
    let (requested, pending) = {
        let mut l = life.lock();
        l.ready = true;
        (l.requested.take(), std::mem::take(&mut l.pending))
    };
    if let Some(t) = requested {
        tracing::info!(ms = t.elapsed().as_millis() as u64, "window painted");
    }
    for e in pending {
        emit_app(&app, e);
    }
}

/// Closes the window to the tray (Ctrl+W), as its close button does.
#[tauri::command]
pub fn close_to_tray(app: AppHandle) {
    close(&app);
}

/// Quits Mailbell (Ctrl+Q), as the tray's Quit does: the engine gets to finish.
#[tauri::command]
pub fn quit_app(app: AppHandle) {
    tracing::info!("window: quit");
    app.exit(0);
}
