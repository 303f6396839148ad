//! The tray icon: a bell that turns amber with a dot when there is mail the user has not looked
//! at, the count as the title where the platform shows one, and the menu Open, Sync now,
//! Pause notifications, Quit.
//!
//! On Linux the tray needs libayatana-appindicator (or libappindicator) at run time, and
//! tray-icon panics when neither loads. A notifier must not die for want of a tray: the library
//! is looked for first, and the builder runs under `catch_unwind` as well.
//!
//! A library that loads does not make a tray: something on the desktop must show the icon (a
//! tray host). GNOME has none without the AppIndicator extension, and the icon then goes
//! nowhere. [`find_host`] looks for one: a StatusNotifierWatcher with a host on the session bus
//! (what libayatana-appindicator talks to), else, on X11, an XEmbed system tray (its fallback).
//! Without a host Mailbell behaves as without a tray: the window stays open, and closing it
//! minimises it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

pub const OPEN: &str = "open";
pub const SYNC: &str = "sync";
pub const PAUSE: &str = "pause";
pub const QUIT: &str = "quit";

const ICON_IDLE: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_NEW: &[u8] = include_bytes!("../../icons/tray-new.png");

pub struct Tray {
    icon: TrayIcon<Wry>,
    pause: CheckMenuItem<Wry>,
}

/// The libraries tray-icon loads on Linux, in its order of preference.
#[cfg(target_os = "linux")]
const INDICATOR_LIBS: &[&str] =
    &["libayatana-appindicator3.so.1", "libayatana-appindicator3.so", "libappindicator3.so.1", "libappindicator3.so"];

/// Whether a tray can be made here.
pub fn library_present() -> bool {
    #[cfg(target_os = "linux")]
    {
        INDICATOR_LIBS.iter().any(|name| {
            let Ok(c) = std::ffi::CString::new(*name) else { return false };
            // SAFETY: dlopen with a valid C string; the handle is closed at once. Loading the
            // library runs its constructors, which tray-icon would run anyway.
            unsafe {
                let h = libc::dlopen(c.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL);
                if h.is_null() {
                    false
                } else {
                    libc::dlclose(h);
                    true
                }
            }
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Builds the tray, or explains in the log why there is none.
pub fn build(app: &AppHandle, paused: bool) -> Option<Tray> {
    if std::env::var_os("MAILBELL_NO_TRAY").is_some() {
        tracing::info!("tray disabled by MAILBELL_NO_TRAY");
        return None;
    }
    if !library_present() {
        tracing::warn!("no tray icon: libayatana-appindicator3 is not installed (Debian: apt install libayatana-appindicator3-1); Mailbell keeps running without one");
        return None;
    }
    let built = catch_unwind(AssertUnwindSafe(|| try_build(app, paused)));
    match built {
        Ok(Ok(t)) => Some(t),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no tray icon");
            None
        }
        Err(_) => {
            tracing::warn!("no tray icon: the tray library panicked while creating it");
            None
        }
    }
}

fn try_build(app: &AppHandle, paused: bool) -> tauri::Result<Tray> {
    let open = MenuItem::with_id(app, OPEN, "Open Mailbell", true, None::<&str>)?;
    let sync = MenuItem::with_id(app, SYNC, "Sync now", true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(app, PAUSE, "Pause notifications", true, paused, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Mailbell", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &sync, &pause, &sep, &quit])?;
    let icon = TrayIconBuilder::with_id("mailbell")
        .icon(Image::from_bytes(ICON_IDLE)?)
        .tooltip("Mailbell")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::on_tray_menu(app, event.id().as_ref()))
        .build(app)?;
    Ok(Tray { icon, pause })
}

impl Tray {
    /// Shows how many messages wait: the icon variant, and the count as title and tooltip.
    pub fn show_count(&self, unviewed: u32) {
        let (bytes, title, tip) = if unviewed > 0 {
            (ICON_NEW, Some(unviewed.to_string()), format!("Mailbell: {unviewed} new"))
        } else {
            (ICON_IDLE, None, "Mailbell: no new mail".to_string())
        };
        let result = Image::from_bytes(bytes)
            .and_then(|img| self.icon.set_icon(Some(img)))
            .and_then(|()| self.icon.set_title(title.as_deref()))
            .and_then(|()| self.icon.set_tooltip(Some(tip)));
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not update the tray icon");
        }
    }

    pub fn show_paused(&self, paused: bool) {
        if let Err(e) = self.pause.set_checked(paused) {
            tracing::warn!(error = %e, "could not update the tray menu");
        }
    }
}

/// Brings the main window to the front.
pub fn show_window(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// What shows tray icons on this desktop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// A StatusNotifierWatcher with a registered host on the session bus (KDE, Xfce, GNOME with
    /// the AppIndicator extension, most panels).
    StatusNotifier,
    /// An XEmbed system tray on the X display (older panels, trayer, stalonetray).
    XEmbed,
    /// Windows' notification area, macOS's menu bar: always there.
    Platform,
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Host::StatusNotifier => "StatusNotifierWatcher on the session bus",
            Host::XEmbed => "XEmbed system tray on the X display",
            Host::Platform => "the platform's own tray",
        })
    }
}

/// What a user without a tray host reads (in the log and on stderr), once.
pub const NO_HOST_HELP: &str = "no system tray on this desktop: nothing here shows tray icons \
    (no StatusNotifierWatcher on the session bus, no XEmbed tray on the X display). Mailbell keeps \
    its window open, and closing the window minimises it. For the tray icon on GNOME: install and \
    enable the AppIndicator extension (Debian/Ubuntu: sudo apt install \
    gnome-shell-extension-appindicator; log out and back in, then turn it on in Extensions); \
    elsewhere, add a system tray (status notifier) to the panel. Then start Mailbell again.";

/// Longest wait for the session bus to answer while looking for a host.
const BUS_TIMEOUT: Duration = Duration::from_secs(2);

/// Looks for a tray host now (at most a couple of seconds, when the session bus is slow).
pub fn find_host() -> Option<Host> {
    wait_for_host(Duration::ZERO)
}

/// Looks for a tray host until one turns up or `patience` has passed. At login a panel may
/// register its tray after Mailbell has started.
#[cfg(not(target_os = "linux"))]
pub fn wait_for_host(_patience: Duration) -> Option<Host> {
    Some(Host::Platform)
}

/// Looks for a tray host until one turns up or `patience` has passed. At login a panel may
/// register its tray after Mailbell has started.
#[cfg(target_os = "linux")]
pub fn wait_for_host(patience: Duration) -> Option<Host> {
    if let Some(host) = forced_host() {
        return host;
    }
    let deadline = Instant::now() + patience;
    // zbus runs on tokio here: a thread of its own keeps the calls out of whatever runtime
    // context the caller is in (blocking inside a runtime panics).
    std::thread::spawn(move || {
        tauri::async_runtime::block_on(async move {
            let bus = match tokio::time::timeout(BUS_TIMEOUT, zbus::Connection::session()).await {
                Ok(Ok(c)) => Some(c),
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "no session bus: no StatusNotifierWatcher either");
                    None
                }
                Err(_) => None,
            };
            loop {
                if let Some(bus) = &bus {
                    if let Ok(true) = tokio::time::timeout(BUS_TIMEOUT, status_notifier_host(bus)).await {
                        return Some(Host::StatusNotifier);
                    }
                }
                if xembed_tray() {
                    return Some(Host::XEmbed);
                }
                if Instant::now() >= deadline {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    })
    .join()
    .unwrap_or(None)
}

/// `MAILBELL_TRAY_HOST=none|sni|xembed` overrides the detection (for a desktop it gets wrong).
#[cfg(target_os = "linux")]
fn forced_host() -> Option<Option<Host>> {
    let v = std::env::var("MAILBELL_TRAY_HOST").ok()?;
    match v.as_str() {
        "none" => Some(None),
        "sni" => Some(Some(Host::StatusNotifier)),
        "xembed" => Some(Some(Host::XEmbed)),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// Whether a StatusNotifierWatcher runs and a host has registered with it: a watcher without a
/// host shows nothing, and libayatana-appindicator falls back to XEmbed then.
#[cfg(target_os = "linux")]
async fn status_notifier_host(bus: &zbus::Connection) -> bool {
    let owned = bus
        .call_method(Some("org.freedesktop.DBus"), "/org/freedesktop/DBus", Some("org.freedesktop.DBus"), "NameHasOwner", &(WATCHER,))
        .await
        .ok()
        .and_then(|reply| reply.body().deserialize::<bool>().ok())
        .unwrap_or(false);
    if !owned {
        return false;
    }
    let registered = bus
        .call_method(
            Some(WATCHER),
            "/StatusNotifierWatcher",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(WATCHER, "IsStatusNotifierHostRegistered"),
        )
        .await
        .ok()
        .and_then(|reply| reply.body().deserialize::<zbus::zvariant::OwnedValue>().ok())
        .and_then(|v| bool::try_from(v).ok());
    // A watcher that cannot say is taken at its word that it is there for a host.
    registered.unwrap_or(true)
}

/// Whether the window will be on Wayland (GTK prefers it when both are there), where an XEmbed
/// tray cannot hold Mailbell's icon.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn on_wayland(wayland_display: Option<&str>, gdk_backend: Option<&str>) -> bool {
    let wayland = wayland_display.is_some_and(|d| !d.is_empty());
    let backend = gdk_backend.unwrap_or("");
    wayland && !(backend.starts_with("x11") || backend.starts_with("broadway"))
}

/// Whether an XEmbed system tray owns the `_NET_SYSTEM_TRAY_S<screen>` selection.
#[cfg(target_os = "linux")]
fn xembed_tray() -> bool {
    use std::ffi::CString;
    use x11_dl::xlib::Xlib;

    let wayland = std::env::var("WAYLAND_DISPLAY").ok();
    let backend = std::env::var("GDK_BACKEND").ok();
    if on_wayland(wayland.as_deref(), backend.as_deref()) || std::env::var_os("DISPLAY").is_none() {
        return false;
    }
    let Ok(xlib) = Xlib::open() else { return false };
    // SAFETY: plain Xlib calls on a display this function opens and closes; the atom name is a
    // valid C string.
    unsafe {
        let display = (xlib.XOpenDisplay)(std::ptr::null());
        if display.is_null() {
            return false;
        }
        let screen = (xlib.XDefaultScreen)(display);
        let owner = match CString::new(format!("_NET_SYSTEM_TRAY_S{screen}")) {
            Ok(name) => {
                let atom = (xlib.XInternAtom)(display, name.as_ptr(), 0);
                (xlib.XGetSelectionOwner)(display, atom)
            }
            Err(_) => 0,
        };
        (xlib.XCloseDisplay)(display);
        owner != 0
    }
}

/// Takes the tray icon off the desktop again (when nothing would show it).
pub fn remove(app: &AppHandle, tray: Tray) {
    drop(tray);
    let _ = app.remove_tray_by_id("mailbell");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wayland_only_when_gtk_will_use_it() {
        assert!(!on_wayland(None, None));
        assert!(!on_wayland(Some(""), None));
        assert!(on_wayland(Some("wayland-0"), None));
        assert!(on_wayland(Some("wayland-0"), Some("wayland")));
        assert!(on_wayland(Some("wayland-0"), Some("wayland,x11")));
        assert!(!on_wayland(Some("wayland-0"), Some("x11")));
        assert!(!on_wayland(None, Some("x11")));
    }

    #[test]
    fn the_help_names_what_to_install() {
        assert!(NO_HOST_HELP.contains("gnome-shell-extension-appindicator"));
        assert!(NO_HOST_HELP.contains("minimises"));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn no_display_no_xembed_tray() {
        // Under `cargo test` with neither display variable the check must say no, not fail.
        if std::env::var_os("DISPLAY").is_none() {
            assert!(!xembed_tray());
        }
    }
}
