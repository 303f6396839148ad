//! What keeps the app small while it sits in the tray, besides destroying the window
//! (`window`): measured with bench S11 (scripts/bench-tray.sh), where each one's share is said.
//!
//! - [`at_start`], before GTK starts: GDK's OpenGL off (`GDK_GL=disable`). GTK 3 on X11 looks for
//!   GL visuals when it opens the display, which loads the Mesa driver (with llvmpipe, all of
//!   LLVM) into the app for good, about 30 MiB, though Mailbell draws nothing with GDK's GL:
//!   WebKit's web process renders the page itself, and the app shows its frames without GL.
//!   Also at most two malloc arenas: every engine thread would otherwise get an arena of its own,
//!   each keeping freed memory.
//! - [`after_window`], once the window is gone: freed heap back to the system (`malloc_trim`),
//!   and WebKit's network process ended. Tauri keeps the web context for the app's life on Linux
//!   (its WebKit does not end the network process by itself, tauri issue 14626), so the process
//!   would stay, about 30 MiB, with nothing to do; WebKit starts a new one when a window loads
//!   again.

/// Before anything else runs (no thread yet: the environment may still be changed).
pub fn at_start() {
    #[cfg(target_os = "linux")]
    {
        // The user's own choice stands.
        if std::env::var_os("GDK_GL").is_none() {
            std::env::set_var("GDK_GL", "disable");
        }
        // SAFETY: mallopt only sets a malloc parameter; called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// The name WebKit's network process has in /proc (its `comm`, cut at 15 bytes).
#[cfg(target_os = "linux")]
const NETWORK_PROCESS: &str = "WebKitNetworkPr";

/// After the window and its webview are destroyed (on the main thread, so that no window can be
/// built meanwhile): returns the freed heap and ends WebKit's network process, whose work ended
/// with the last page.
pub fn after_window() {
    #[cfg(target_os = "linux")]
    {
        for pid in children_named(NETWORK_PROCESS) {
            // SAFETY: a signal to a child of this process, found a moment ago (a child that has
            // ended stays a zombie until reaped: its pid cannot be reused meanwhile).
            if unsafe { libc::kill(pid, libc::SIGTERM) } == 0 {
                tracing::info!(pid, "WebKit's network process ended (no window needs it)");
            }
        }
        // SAFETY: malloc_trim has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// This process's children whose `comm` is `name`.
#[cfg(target_os = "linux")]
fn children_named(name: &str) -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(task.path().join("children")) else { continue };
        for pid in list.split_whitespace().filter_map(|p| p.parse::<libc::pid_t>().ok()) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim_end() == name {
                out.push(pid);
            }
        }
    }
    out
}
