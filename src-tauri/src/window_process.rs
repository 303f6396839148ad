//! The window process: the main window and its webview, in a process of their own, started by
//! the tray process when the window is opened and ended when it is closed to the tray (the
//! reasons are in window.rs). It holds no state of Mailbell's: the UI's commands go to the tray
//! process over the link (`link.rs`) and come back as replies; the engine's events come the
//! same way and are emitted to the UI's listeners. It ends when it is told to close, when the
//! tray process goes (the link closes: no window outlives its app), and on SIGTERM; each time
//! its size and place are saved first.
//!
//! Tauri here is the window's only: no tray, no notifications, no single-instance lock (the tray
//! process holds it). The commands the UI may invoke, and their permissions, are the same list
//! (command_list.rs): a name outside it is refused here, before it crosses.

use std::collections::HashMap;
use std::os::fd::{FromRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{AppHandle, Emitter, Manager, RunEvent, WebviewWindow, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};
use tokio::sync::{mpsc, oneshot};

use crate::link::{self, LogLevel, ToTray, ToWindow};
use crate::window::MAIN;

/// What the window-state plugin keeps: where the window was and how large, and whether it was
/// maximised. Not its visibility: whether the window shows is Mailbell's decision (a start in
/// the tray, a notification click), nor its decorations or fullscreen, which Mailbell never
/// changes.
pub const KEPT: StateFlags = StateFlags::SIZE.union(StateFlags::POSITION).union(StateFlags::MAXIMIZED);

/// The file the window's size and position live in: beside the store, in the data directory
/// (one profile is one directory, `--data-dir` / `MAILBELL_DATA_DIR` included), rather than in
/// the plugin's default config directory, which all profiles would share.
pub const STATE_FILE: &str = "window-state.json";

/// An answer from the tray process: the command's value or its error.
type Answer = (Option<Value>, Option<Value>);

/// The window's end of the link: calls on their way, and what goes to the tray process.
struct Link {
    to: mpsc::UnboundedSender<ToTray>,
    calls: Mutex<HashMap<u64, oneshot::Sender<Answer>>>,
    next: AtomicU64,
}

impl Link {
    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Answer>>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn call(&self, cmd: String, args: Value) -> oneshot::Receiver<Answer> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.calls().insert(id, tx);
        // A send that fails (the tray process gone) drops the call: its receiver says so.
        if self.to.send(ToTray::Call { id, cmd, args }).is_err() {
            self.calls().remove(&id);
        }
        rx
    }

    fn answer(&self, id: u64, answer: Answer) {
        if let Some(tx) = self.calls().remove(&id) {
            let _ = tx.send(answer);
        }
    }

    /// A line for the app's log, which the tray process writes; on stderr when it is gone.
    fn log(&self, level: LogLevel, message: impl Into<String>) {
        if let Err(unsent) = self.to.send(ToTray::Log { level, message: message.into() }) {
            if let ToTray::Log { message, .. } = unsent.0 {
                eprintln!("mailbell window: {message}");
            }
        }
    }
}

/// Runs the window process on the link's descriptor `fd` (the argument after
/// `--window-process`); returns when the window is gone.
pub fn run(fd: &str) {
    // Named as the app in `ps` and `top` (started as /proc/self/exe, it would show as "exe");
    // before any thread, which takes its name from this one.
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, c"mailbell".as_ptr());
    }
    crate::lean::at_start();
    crate::app_id::claim();
    let Some(fd) = fd.parse::<RawFd>().ok().filter(|fd| *fd > 2) else {
        eprintln!("mailbell: {} is for Mailbell's own use", link::WINDOW_PROCESS_ARG);
        std::process::exit(2);
    };
    // SAFETY: the tray process made `fd` one end of a socket pair and left it open for this
    // process alone; nothing else here owns it. Close-on-exec again, so that WebKit's own
    // processes do not inherit it (a link held open by them would outlive this window).
    let stream = unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        std::os::unix::net::UnixStream::from_raw_fd(fd)
    };
    let data_dir = match mailbell_sync::paths::data_dir(None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mailbell: {e}");
            std::process::exit(1);
        }
    };
    let (to_tray, from_window) = mpsc::unbounded_channel();
    let link = Arc::new(Link { to: to_tray, calls: Mutex::new(HashMap::new()), next: AtomicU64::new(1) });
    let forward = Arc::clone(&link);
    let serve_link = Arc::clone(&link);
    let mut from_window = Some(from_window);
    let mut stream = Some(stream);
    let app = tauri::Builder::default()
        .plugin(
            // An absolute file name: the plugin joins it to its directory, which it then replaces.
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(KEPT)
                .with_filename(data_dir.join(STATE_FILE).to_string_lossy())
                .build(),
        )
        // The file chooser for a CA certificate: the window may only open it (dialog:allow-open),
        // and gets back the path the user picked, which set_ca_file checks.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(move |invoke| forward_call(&forward, invoke))
        .setup(move |app| {
            let handle = app.handle().clone();
            if let (Some(stream), Some(rx)) = (stream.take(), from_window.take()) {
                let link = Arc::clone(&serve_link);
                tauri::async_runtime::spawn(serve(handle.clone(), link, stream, rx));
            }
            match build(&handle) {
                Ok(w) => {
                    let _ = w.show();
                    let _ = w.set_focus();
                    serve_link.log(LogLevel::Info, "window built");
                }
                Err(e) => {
                    serve_link.log(LogLevel::Error, format!("the window could not be built: {e}"));
                    handle.exit(1);
                }
            }
            tauri::async_runtime::spawn(close_on_sigterm(handle, Arc::clone(&serve_link)));
            Ok(())
        })
        .on_window_event(move |_window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // The tray process decides: to the tray, or minimised where there is none.
                api.prevent_close();
                let _ = link.to.send(ToTray::CloseRequested);
            }
        })
        .build(crate::context());
    match app {
        Ok(app) => app.run(|_, event| {
            if let RunEvent::Exit = event {
                tracing::debug!("window process exiting");
            }
        }),
        Err(e) => {
            eprintln!("mailbell: the window could not be created: {e}");
            std::process::exit(1);
        }
    }
}

/// The main window as tauri.conf.json describes it (hidden until shown; the window-state
/// plugin gives it its last size and position as it is created).
fn build(app: &AppHandle) -> Result<WebviewWindow, String> {
    let config = app.config().app.windows.iter().find(|w| w.label == MAIN).ok_or("tauri.conf.json has no main window")?;
    WebviewWindowBuilder::from_config(app, config).and_then(|b| b.build()).map_err(|e| e.to_string())
}

/// A command of the UI: sent to the tray process, answered when its reply comes. Only the
/// commands of the list cross (Tauri has checked the window's permission for it already).
fn forward_call(link: &Arc<Link>, invoke: Invoke) -> bool {
    let cmd = invoke.message.command().to_string();
    if !crate::COMMANDS.contains(&cmd.as_str()) {
        invoke.resolver.reject(format!("command {cmd} not found"));
        return true;
    }
    let args = match invoke.message.payload() {
        InvokeBody::Json(v) => v.clone(),
        InvokeBody::Raw(_) => Value::Null,
    };
    let answer = link.call(cmd, args);
    invoke.resolver.respond_async(async move {
        match answer.await {
            Ok((Some(v), _)) => Ok(v),
            Ok((None, Some(e))) => Err(InvokeError(e)),
            Ok((None, None)) => Ok(Value::Null),
            Err(_) => Err(InvokeError(Value::String("Mailbell has quit".into()))),
        }
    });
    true
}

/// Carries the link: writes what goes to the tray process, and acts on what comes from it,
/// until it closes (the tray process quit), when the window saves its place and goes too.
async fn serve(app: AppHandle, link: Arc<Link>, stream: std::os::unix::net::UnixStream, mut rx: mpsc::UnboundedReceiver<ToTray>) {
    let stream = match stream.set_nonblocking(true).and_then(|()| tokio::net::UnixStream::from_std(stream)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mailbell window: cannot use the link to the tray process: {e}");
            app.exit(1);
            return;
        }
    };
    let (r, mut w) = stream.into_split();
    tauri::async_runtime::spawn(async move {
        while let Some(m) = rx.recv().await {
            if link::write(&mut w, &m).await.is_err() {
                break;
            }
        }
    });
    let mut reader = link::Reader::new(r);
    loop {
        match reader.next::<ToWindow>().await {
            Ok(ToWindow::Reply { id, ok, err }) => link.answer(id, (ok, err)),
            Ok(ToWindow::Event { channel, payload }) => {
                let _ = app.emit(&channel, payload);
            }
            Ok(ToWindow::Show) => {
                if let Some(w) = app.get_webview_window(MAIN) {
                    let _ = w.unminimize();
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            }
            Ok(ToWindow::Minimize) => {
                if let Some(w) = app.get_webview_window(MAIN) {
                    let _ = w.minimize();
                }
            }
            Ok(ToWindow::Close) => break,
            Err(link::LinkError::Closed) => break,
            Err(e) => {
                link.log(LogLevel::Warn, format!("the link to the tray process failed: {e}"));
                break;
            }
        }
    }
    close(&app, &link);
}

/// Saves the window's size and place, and ends the process (its WebKit processes end with it).
///
/// On the main thread: the window-state plugin holds its cache's lock while it asks the window
/// for its size and place, which the main thread answers, and the main thread takes the same
/// lock for each move or resize event. Saved from another thread, a close that met such an event
/// deadlocked the window process (seen in S11: 2 closes in some 30 left the window hidden and
/// its process stuck, so that no window could be opened again).
fn close(app: &AppHandle, link: &Arc<Link>) {
    let h = app.clone();
    let link = Arc::clone(link);
    let done = app.run_on_main_thread(move || {
        // Saved now, not only at quit: a crash or a power cut keeps the last size.
        if let Err(e) = h.save_window_state(KEPT) {
            link.log(LogLevel::Warn, format!("cannot save the window's size and position: {e}"));
        }
        if let Some(w) = h.get_webview_window(MAIN) {
            let _ = w.hide();
        }
        h.exit(0);
    });
    if done.is_err() {
        // The event loop is gone: the process is ending anyway.
        std::process::exit(0);
    }
}

/// A SIGTERM (a logout) ends the window as a close does: its place is kept.
async fn close_on_sigterm(app: AppHandle, link: Arc<Link>) {
    use tokio::signal::unix::{signal, SignalKind};
    if let Ok(mut term) = signal(SignalKind::terminate()) {
        term.recv().await;
        close(&app, &link);
    }
}
