//! The tray icon: a bell that turns amber with a dot when there is mail the user has not looked
//! at, the count as the title where the platform shows one, and the menu Open, Sync now,
//! Pause notifications, Quit.
//!
//! On Linux the tray needs libayatana-appindicator (or libappindicator) at run time, and
//! tray-icon panics when neither loads. A notifier must not die for want of a tray: the library
//! is looked for first, and the builder runs under `catch_unwind` as well.

use std::panic::{catch_unwind, AssertUnwindSafe};

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
const INDICATOR_LIBS: &[&str] = &[
    "libayatana-appindicator3.so.1",
    "libayatana-appindicator3.so",
    "libappindicator3.so.1",
    "libappindicator3.so",
];

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
