//! The main window's life, from the tray process. Mailbell mostly sits in the tray, and a
//! window costs far more than the rest of the app: WebKit's web and network processes, and in the
//! process that shows the page, GTK's widgets, the GL stack WebKit opens (Mesa, and with
//! llvmpipe all of LLVM), heap, none of which a library can give back once loaded. So the window
//! lives in a process of its own (`window_process.rs`, the same binary with
//! `--window-process`), started when the window is opened and ended when it is closed to the
//! tray: the tray process never loads a webview, and after a close it is back to what a start in
//! the tray costs. The window process runs nothing of its own: its UI's commands are forwarded
//! here (`dispatch.rs`) and the engine's events go to it (`emit`), over a private socket pair
//! (`link.rs`).
//!
//! Where there is no tray to bring the window back from, closing minimises it instead.
//!
//! What happens while no window exists: events go nowhere (nothing waits or piles up), except
//! the one thing a window must see once it is up, the message a notification click asked for:
//! it is kept ([`WindowLife`]) and handed over when the UI says it is ready ([`window_ready`]),
//! which is also when the time from "Open" to a painted window is logged (`window painted in N
//! ms`, read by the benchmark).
//!
//! The window's size and position are kept by Tauri's window-state plugin, in the window
//! process: saved when the window closes (to the tray, or at quit), restored when it is built.

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use tauri::{AppHandle, Manager};
use tokio::sync::mpsc;

use crate::error::{AppError, AppResult};
use crate::link::{self, LogLevel, ToTray, ToWindow, WINDOW_PROCESS_ARG};
use crate::models::AppEvent;
use crate::state::AppState;

/// The label of the main window in tauri.conf.json.
pub const MAIN: &str = "main";

/// What the app knows about the window.
#[derive(Default)]
pub struct WindowLife {
    inner: Mutex<Life>,
}

#[derive(Default)]
struct Life {
    /// The window process, while it runs.
    window: Option<Window>,
    /// Numbers the window processes, so that the end of one is not taken for another's.
    started: u64,
    /// When the window was asked for, while it is being built and its UI loads.
    requested: Option<Instant>,
    /// The UI of the window built last has said it is ready (its listeners are there).
    ready: bool,
    /// What the window must show once its UI is ready (a notification's message).
    pending: Vec<AppEvent>,
}

/// A running window process: what goes to it.
struct Window {
    id: u64,
    to: mpsc::UnboundedSender<ToWindow>,
    /// It was minimised for want of a tray (and not shown since).
    minimized: bool,
}

impl WindowLife {
    fn lock(&self) -> MutexGuard<'_, Life> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Life {
    /// The window's UI is gone or going: nothing waits for it any more.
    fn forget_ui(&mut self) {
        self.ready = false;
        self.requested = None;
        self.pending.clear();
    }
}

/// Whether a window process runs (a window exists, on screen or minimised).
pub fn exists(app: &AppHandle) -> bool {
    app.state::<WindowLife>().lock().window.is_some()
}

/// An event for the window's listeners; dropped when there is no window.
pub fn emit<T: Serialize>(app: &AppHandle, channel: &str, payload: &T) {
    let life = app.state::<WindowLife>();
    let l = life.lock();
    let Some(w) = &l.window else { return };
    match serde_json::to_value(payload) {
        Ok(payload) => {
            let _ = w.to.send(ToWindow::Event { channel: channel.to_string(), payload });
        }
        Err(e) => tracing::warn!(error = %e, channel, "cannot send an event to the window"),
    }
}

/// Shows the main window (starting its process when there is none), in front, and then `then`
/// in it (the message a notification click is about). Callable from any thread; two quick
/// "Open"s make one window.
pub fn open(app: &AppHandle, then: Option<AppEvent>) {
    // At once: a caller that marks the window as opened for want of a tray does so after this.
    app.state::<AppState>().set_shown_for_no_tray(false);
    let life = app.state::<WindowLife>();
    let mut l = life.lock();
    if let Some(w) = &mut l.window {
        w.minimized = false;
        let _ = w.to.send(ToWindow::Show);
        if l.ready {
            drop(l);
            if let Some(e) = then {
                crate::bridge::emit_app(app, e);
            }
        } else {
            // Started a moment ago: its UI is not listening yet.
            l.pending.extend(then);
        }
        return;
    }
    l.started += 1;
    let id = l.started;
    match start(app, id) {
        Ok(to) => {
            tracing::info!("window process started");
            l.window = Some(Window { id, to, minimized: false });
            l.requested = Some(Instant::now());
            l.ready = false;
            l.pending.extend(then);
        }
        Err(e) => tracing::error!(error = %e, "the window could not be opened"),
    }
}

/// Starts the window process `id`: the same binary (`/proc/self/exe`, which stays this version
/// even when a package upgrade has replaced the file meanwhile), given one end of a socket pair.
fn start(app: &AppHandle, id: u64) -> AppResult<mpsc::UnboundedSender<ToWindow>> {
    let (ours, theirs) =
        std::os::unix::net::UnixStream::pair().map_err(|e| AppError::internal(format!("cannot make the window's link: {e}")))?;
    let fd = theirs.as_raw_fd();
    let mut cmd = std::process::Command::new("/proc/self/exe");
    cmd.arg0("mailbell").arg(WINDOW_PROCESS_ARG).arg(fd.to_string());
    // SAFETY: between fork and exec only fcntl runs (async-signal-safe), on a descriptor this
    // process owns: the window's end of the pair is the one descriptor the child inherits.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|e| AppError::internal(format!("cannot start the window's process: {e}")))?;
    drop(theirs);
    ours.set_nonblocking(true).map_err(|e| AppError::internal(format!("cannot use the window's link: {e}")))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let app = app.clone();
    let replies = tx.clone();
    tauri::async_runtime::spawn(async move {
        match tokio::net::UnixStream::from_std(ours) {
            Ok(stream) => serve(&app, stream, replies, rx).await,
            Err(e) => tracing::error!(error = %e, "cannot use the window's link"),
        }
        ended(&app, id, child).await;
    });
    Ok(tx)
}

/// Talks with a window process until its end: what it asks is run (each call in a task
/// of its own: a connection test takes seconds, and the list must not wait for it), what goes
/// to it is written in order.
async fn serve(
    app: &AppHandle,
    stream: tokio::net::UnixStream,
    replies: mpsc::UnboundedSender<ToWindow>,
    mut rx: mpsc::UnboundedReceiver<ToWindow>,
) {
    let (r, mut w) = stream.into_split();
    let writer = tauri::async_runtime::spawn(async move {
        while let Some(m) = rx.recv().await {
            if let Err(e) = link::write(&mut w, &m).await {
                tracing::debug!(error = %e, "the window's link closed while writing");
                break;
            }
        }
    });
    let mut reader = link::Reader::new(r);
    loop {
        match reader.next::<ToTray>().await {
            Ok(ToTray::Call { id: call, cmd, args }) => {
                let app = app.clone();
                let replies = replies.clone();
                tauri::async_runtime::spawn(async move {
                    let (ok, err) = match crate::dispatch::dispatch(&app, &cmd, &args).await {
                        Ok(v) => (Some(v), None),
                        Err(e) => (None, Some(e)),
                    };
                    let _ = replies.send(ToWindow::Reply { id: call, ok, err });
                });
            }
            Ok(ToTray::CloseRequested) => close(app),
            Ok(ToTray::Log { level, message }) => match level {
                LogLevel::Info => tracing::info!(target: "mailbell::window", "{message}"),
                LogLevel::Warn => tracing::warn!(target: "mailbell::window", "{message}"),
                LogLevel::Error => tracing::error!(target: "mailbell::window", "{message}"),
            },
            Err(link::LinkError::Closed) => break,
            Err(e) => {
                tracing::warn!(error = %e, "the window's link failed");
                break;
            }
        }
    }
    writer.abort();
}

/// The window process `id` has closed its link: it is waited for, and forgotten (unless a newer
/// one has taken its place). What its start left in the tray process is cleared a moment later.
async fn ended(app: &AppHandle, id: u64, mut child: std::process::Child) {
    let status = tauri::async_runtime::spawn_blocking(move || child.wait()).await;
    match status {
        Ok(Ok(s)) if s.success() => tracing::info!("window process ended"),
        Ok(Ok(s)) => tracing::warn!(status = %s, "the window process ended abnormally"),
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot wait for the window process"),
        Err(e) => tracing::warn!(error = %e, "cannot wait for the window process"),
    }
    let life = app.state::<WindowLife>();
    let mut l = life.lock();
    if l.window.as_ref().is_some_and(|w| w.id == id) {
        l.window = None;
        l.forget_ui();
        drop(l);
        lighten_later(app, AFTERMATH);
    }
}

/// Whether the window is out of sight: none (in the tray) or minimised for want of a tray.
pub fn out_of_sight(app: &AppHandle) -> bool {
    app.state::<WindowLife>().lock().window.as_ref().is_none_or(|w| w.minimized)
}

/// Closes the window to the tray: its process saves its size and position and ends. Without a
/// tray to bring it back from, it is minimised instead.
pub fn close(app: &AppHandle) {
    let tray = app.state::<AppState>().tray_present();
    let life = app.state::<WindowLife>();
    let mut l = life.lock();
    let Some(w) = &mut l.window else { return };
    if !tray {
        w.minimized = true;
        let _ = w.to.send(ToWindow::Minimize);
        return;
    }
    let _ = w.to.send(ToWindow::Close);
    // Its end is seen by `ended`; meanwhile the next "Open" waits for no UI of this one.
    l.forget_ui();
    tracing::info!("window closed to the tray");
}

/// How long after the window process's end the tray process clears what that start left
/// (the heap its messages used).
const AFTERMATH: std::time::Duration = std::time::Duration::from_secs(2);

/// How long after a start in the tray the app lightens itself: the engines' first checks are
/// done by then, so the pages given back are the ones start-up needed and the tray does not.
pub const SETTLE_IN_TRAY: std::time::Duration = std::time::Duration::from_secs(20);

/// After `after`, unless a window exists by then: the tray process gives back what it no longer
/// needs (`lean::in_tray`), on the main thread.
pub fn lighten_later(app: &AppHandle, after: std::time::Duration) {
    let h = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let app = h.clone();
        let _ = h.run_on_main_thread(move || {
            if !exists(&app) {
                crate::lean::in_tray();
            }
        });
    });
}

/// The window's UI has loaded, listens to events and has painted its first frame: the time
/// since "Open" goes to the log, and what a notification click asked for is shown now.
pub fn window_ready(app: &AppHandle) {
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
        crate::bridge::emit_app(app, e);
    }
}

/// Closes the window to the tray (Ctrl+W), as its close button does.
pub fn close_to_tray(app: &AppHandle) {
    close(app);
}

/// Quits Mailbell (Ctrl+Q), as the tray's Quit does: the engine gets to finish, and the window
/// process, whose link closes, saves its size and place and ends.
pub fn quit_app(app: &AppHandle) {
    tracing::info!("window: quit");
    app.exit(0);
}
