//! The tray icon: a bell whose look follows the engine (idle, amber with a dot when there is
//! mail the user has not looked at, a red badge when an account needs the user, a pause badge
//! while notifications are paused), the count as its label where the host shows one, and the
//! menu Open, Check now, Pause notifications, the accounts that need attention, Quit.
//!
//! [`look`] is the one place that turns the engine's state into what the icon shows; [`Tray`]
//! only applies it.
//!
//! On Linux the tray needs libayatana-appindicator (or libappindicator) at run time, and
//! tray-icon panics when neither loads. A notifier must not die for want of a tray: the library
//! is looked for first, and the builder runs under `catch_unwind` as well.
//!
//! A library that loads does not make a tray: something on the desktop must show the icon (a
//! tray host). GNOME has none without the AppIndicator extension, and the icon then goes
//! nowhere. [`watch_hosts`] follows the hosts for the whole run: a StatusNotifierWatcher with a
//! host on the session bus (what libayatana-appindicator talks to), else, on X11, an XEmbed
//! system tray (its fallback). The app (lib.rs) registers the icon when a host appears, again
//! when it is replaced, and runs as trayless while there is none.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailbell_sync::AccountState;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Wry};

pub const OPEN: &str = "open";
pub const SYNC: &str = "sync";
pub const PAUSE: &str = "pause";
pub const QUIT: &str = "quit";
/// Prefix of the menu ids of the accounts that need attention (`attention:<account id>`).
pub const ATTENTION: &str = "attention:";

const ICON_IDLE: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_NEW: &[u8] = include_bytes!("../../icons/tray-new.png");
const ICON_ERROR: &[u8] = include_bytes!("../../icons/tray-error.png");
const ICON_PAUSED: &[u8] = include_bytes!("../../icons/tray-paused.png");

/// Which bell the tray shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconKind {
    /// Nothing waits: the grey bell.
    Idle,
    /// Mail the user has not looked at: the amber bell with a dot.
    New,
    /// An account needs the user (sign in again, a certificate, a setting): the red badge.
    Error,
    /// Notifications are paused: the grey bell with a pause badge.
    Paused,
}

impl IconKind {
    fn bytes(self) -> &'static [u8] {
        match self {
            IconKind::Idle => ICON_IDLE,
            IconKind::New => ICON_NEW,
            IconKind::Error => ICON_ERROR,
            IconKind::Paused => ICON_PAUSED,
        }
    }
}

/// An account that waits for the user, as the menu names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attention {
    pub account: String,
    /// "alice@example.org: sign in again" (in the desktop's language)
    pub text: String,
}

/// Everything the tray shows, computed by [`look`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Look {
    pub icon: IconKind,
    /// The count as the icon's label (KDE, Ayatana, Xfce show it), none at zero.
    pub title: Option<String>,
    pub tooltip: String,
    pub paused: bool,
    pub attention: Vec<Attention>,
}

/// The accounts that need the user, from the engine's latest state of each account
/// (`Engine::account_states()`: offline is not one, it passes by itself; an error is what the
/// engine does not retry, such as an untrusted certificate). `label` names an account (its
/// address).
pub fn attention<'a>(states: impl IntoIterator<Item = (&'a str, AccountState)>, label: impl Fn(&str) -> String) -> Vec<Attention> {
    let mut out: Vec<Attention> = states
        .into_iter()
        .filter_map(|(account, state)| {
            let text = match state {
                AccountState::AuthFailed => crate::tr!("tray-account-sign-in", account = label(account)),
                AccountState::Error => crate::tr!("tray-account-attention", account = label(account)),
                _ => return None,
            };
            Some(Attention { account: account.to_string(), text })
        })
        .collect();
    out.sort_by(|a, b| a.text.cmp(&b.text));
    out
}

/// What the tray shows for this state. An account that needs the user outranks everything (it
/// stops mail from arriving); a pause outranks new mail (the user chose quiet), whose count stays
/// in the label.
pub fn look(unviewed: u32, paused: bool, attention: Vec<Attention>) -> Look {
    let icon = if !attention.is_empty() {
        IconKind::Error
    } else if paused {
        IconKind::Paused
    } else if unviewed > 0 {
        IconKind::New
    } else {
        IconKind::Idle
    };
    let mut tip = vec![crate::tr!("tray-tooltip", count = unviewed)];
    if paused {
        tip.push(crate::tr!("tray-tooltip-paused"));
    }
    tip.extend(attention.iter().map(|a| a.text.clone()));
    Look { icon, title: (unviewed > 0).then(|| unviewed.to_string()), tooltip: tip.join("\n"), paused, attention }
}

/// The icon on the desktop. Cheap to clone: every clone drives the same icon.
#[derive(Clone)]
pub struct Tray {
    icon: TrayIcon<Wry>,
    /// What the icon shows now (None until the first [`Tray::apply`]).
    shown: Arc<Mutex<Option<Look>>>,
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

/// Whether the tray may be made at all (library there, not disabled), explained in the log once
/// when not.
pub fn possible() -> bool {
    if std::env::var_os("MAILBELL_NO_TRAY").is_some() {
        tracing::info!("tray disabled by MAILBELL_NO_TRAY");
        return false;
    }
    if !library_present() {
        tracing::warn!("no tray icon: libayatana-appindicator3 is not installed (Debian: apt install libayatana-appindicator3-1); Mailbell keeps running without one");
        return false;
    }
    true
}

/// Builds the tray showing `look` (call on the main thread, once a host is there), or explains
/// in the log why there is none.
pub fn build(app: &AppHandle, look: &Look) -> Option<Tray> {
    let built = catch_unwind(AssertUnwindSafe(|| try_build(app, look)));
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

fn menu(app: &AppHandle, look: &Look) -> tauri::Result<Menu<Wry>> {
    let open = MenuItem::with_id(app, OPEN, crate::tr!("tray-open"), true, None::<&str>)?;
    let sync = MenuItem::with_id(app, SYNC, crate::tr!("tray-check-now"), true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(app, PAUSE, crate::tr!("tray-pause"), true, look.paused, None::<&str>)?;
    let mut attention = Vec::new();
    for a in &look.attention {
        attention.push(MenuItem::with_id(app, format!("{ATTENTION}{}", a.account), &a.text, true, None::<&str>)?);
    }
    let sep = PredefinedMenuItem::separator(app)?;
    let sep2 = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, QUIT, crate::tr!("tray-quit"), true, None::<&str>)?;
    let mut items: Vec<&dyn IsMenuItem<Wry>> = vec![&open, &sync, &pause, &sep];
    if !attention.is_empty() {
        items.extend(attention.iter().map(|i| i as &dyn IsMenuItem<Wry>));
        items.push(&sep2);
    }
    items.push(&quit);
    Menu::with_items(app, &items)
}

fn try_build(app: &AppHandle, look: &Look) -> tauri::Result<Tray> {
    let icon = TrayIconBuilder::with_id("mailbell")
        .icon(Image::from_bytes(look.icon.bytes())?)
        .tooltip(&look.tooltip)
        .menu(&menu(app, look)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::on_tray_menu(app, event.id().as_ref()))
        .build(app)?;
    if let Some(title) = &look.title {
        icon.set_title(Some(title))?;
    }
    Ok(Tray { icon, shown: Arc::new(Mutex::new(Some(look.clone()))) })
}

impl Tray {
    /// Makes the next [`Tray::apply`] set everything again (for a new host).
    pub fn forget_shown(&self) {
        *self.shown.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Shows `look`: changes only what differs from what is shown (each icon change writes a
    /// file for the indicator library).
    pub fn apply(&self, app: &AppHandle, look: &Look) {
        // The lock is not held across the calls: they wait for the main thread.
        let old = self.shown.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if old.as_ref() == Some(look) {
            return;
        }
        let result = (|| -> tauri::Result<()> {
            if old.as_ref().map(|o| o.icon) != Some(look.icon) {
                self.icon.set_icon(Some(Image::from_bytes(look.icon.bytes())?))?;
            }
            if old.as_ref().map(|o| &o.title) != Some(&look.title) {
                self.icon.set_title(look.title.as_deref())?;
            }
            if old.as_ref().map(|o| &o.tooltip) != Some(&look.tooltip) {
                self.icon.set_tooltip(Some(&look.tooltip))?;
            }
            if old.as_ref().map(|o| (o.paused, &o.attention)) != Some((look.paused, &look.attention)) {
                self.icon.set_menu(Some(menu(app, look)?))?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => *self.shown.lock().unwrap_or_else(|p| p.into_inner()) = Some(look.clone()),
            Err(e) => tracing::warn!(error = %e, "could not update the tray icon"),
        }
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
    elsewhere, add a system tray (status notifier) to the panel. Mailbell puts its icon there as \
    soon as one appears.";

/// A tray host and who it is: a host that restarts comes back as another identity (a new bus
/// name, a new selection owner window), and the icon must register with it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostId {
    pub kind: Host,
    /// The watcher's unique bus name, the tray's window id, or "forced"/"platform".
    pub owner: String,
}

/// Longest wait for the session bus to answer while looking for a host.
#[cfg(target_os = "linux")]
const BUS_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the hosts are looked at besides what wakes the watch (the watcher's name and its
/// hosts' signals on the bus, the XEmbed selection's owner on the X display): only a safety net.
/// It was the watch itself once (every second), which woke the idle tray process 86,400 times a
/// day and kept its code pages in memory (some 2.7 MiB, bench S11).
#[cfg(target_os = "linux")]
const HOST_POLL: Duration = Duration::from_secs(60);

/// Looks for a tray host now (at most a couple of seconds, when the session bus is slow).
#[cfg(not(target_os = "linux"))]
pub fn find_host() -> Option<HostId> {
    Some(HostId { kind: Host::Platform, owner: "platform".into() })
}

/// Follows the tray hosts for the whole run: calls `on_change` with the host whenever it
/// differs from `current` (appeared, replaced, gone). Windows and macOS always have one.
#[cfg(not(target_os = "linux"))]
pub fn watch_hosts(_current: Option<HostId>, _on_change: impl Fn(Option<HostId>) + Send + 'static) {}

/// Looks for a tray host now (at most a couple of seconds, when the session bus is slow).
#[cfg(target_os = "linux")]
pub fn find_host() -> Option<HostId> {
    if let Some(host) = forced_host() {
        return host;
    }
    // zbus runs on tokio here: a thread of its own keeps the calls out of whatever runtime
    // context the caller is in (blocking inside a runtime panics).
    std::thread::spawn(|| {
        tauri::async_runtime::block_on(async {
            let bus = session_bus().await;
            current_host(bus.as_ref()).await
        })
    })
    .join()
    .unwrap_or(None)
}

/// Follows the tray hosts for the whole run, on a thread of its own, woken by what changes them:
/// on the session bus the StatusNotifierWatcher's name (`NameOwnerChanged`) and its hosts
/// (`StatusNotifierHostRegistered` / `Unregistered`), on the X display the XEmbed tray
/// selection's owner (`watch_xembed`); and every `HOST_POLL` besides. Calls `on_change` with the
/// host whenever it differs from `current`.
#[cfg(target_os = "linux")]
pub fn watch_hosts(current: Option<HostId>, on_change: impl Fn(Option<HostId>) + Send + 'static) {
    use futures::StreamExt;
    if forced_host().is_some() {
        return;
    }
    let spawned = std::thread::Builder::new().name("tray-hosts".into()).spawn(move || {
        tauri::async_runtime::block_on(async move {
            let bus = session_bus().await;
            let (wake, mut woken) = tokio::sync::mpsc::unbounded_channel::<()>();
            if let Some(bus) = &bus {
                follow_bus(bus, wake.clone()).await;
            }
            watch_xembed(wake);
            let mut last = current;
            loop {
                let now = current_host(bus.as_ref()).await;
                if now != last {
                    on_change(now.clone());
                    last = now;
                }
                // A change, or the safety net's turn. A watcher that just appeared gets a moment
                // for its host to register; a burst of changes is looked at once.
                if let Ok(Some(())) = tokio::time::timeout(HOST_POLL, woken.recv()).await {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    while woken.try_recv().is_ok() {}
                }
            }
        })
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot follow the tray hosts");
    }

    /// Wakes the watch on the bus's signals about the watcher: its name's owner changing, and a
    /// host registering or going.
    async fn follow_bus(bus: &zbus::Connection, wake: tokio::sync::mpsc::UnboundedSender<()>) {
        let rules = [
            zbus::MatchRule::builder()
                .msg_type(zbus::message::Type::Signal)
                .sender("org.freedesktop.DBus")
                .and_then(|b| b.member("NameOwnerChanged"))
                .and_then(|b| b.arg(0, WATCHER))
                .map(|b| b.build()),
            zbus::MatchRule::builder().msg_type(zbus::message::Type::Signal).interface(WATCHER).map(|b| b.build()),
        ];
        for rule in rules {
            let stream = match rule {
                Ok(rule) => zbus::MessageStream::for_match_rule(rule, bus, None).await,
                Err(e) => Err(e),
            };
            match stream {
                Ok(mut stream) => {
                    let wake = wake.clone();
                    tauri::async_runtime::spawn(async move {
                        while stream.next().await.is_some() {
                            if wake.send(()).is_err() {
                                break;
                            }
                        }
                    });
                }
                Err(e) => tracing::debug!(error = %e, "not following the StatusNotifierWatcher on the bus: looking every minute"),
            }
        }
    }
}

/// Wakes the host watch when the XEmbed tray selection (`_NET_SYSTEM_TRAY_S<screen>`) changes
/// hands: a tray taking it, its window destroyed, its client gone. XFixes reports each to the
/// root window, so nothing is asked of windows that may vanish meanwhile (an X error would end
/// the process: Xlib's error handler is the process's, GTK's). A thread of its own blocks on
/// its own X connection; every event wakes the watch, which looks again.
#[cfg(target_os = "linux")]
fn watch_xembed(wake: tokio::sync::mpsc::UnboundedSender<()>) {
    use std::ffi::CString;
    use x11_dl::{xfixes, xlib};

    // XFixesSetSelectionOwnerNotifyMask | XFixesSelectionWindowDestroyNotifyMask |
    // XFixesSelectionClientCloseNotifyMask (X11/extensions/Xfixes.h).
    const SELECTION_CHANGES: std::os::raw::c_ulong = 0b111;

    if !xembed_possible() {
        return;
    }
    let spawned = std::thread::Builder::new().name("tray-xembed".into()).spawn(move || {
        let (Ok(x), Ok(fixes)) = (xlib::Xlib::open(), xfixes::Xlib::open()) else {
            tracing::debug!("no Xlib or XFixes: the XEmbed tray is looked for every minute");
            return;
        };
        // SAFETY: plain Xlib calls on a display this thread opens and alone uses, for its life;
        // the atom name is a valid C string; the event is written by XNextEvent.
        unsafe {
            let display = (x.XOpenDisplay)(std::ptr::null());
            if display.is_null() {
                return;
            }
            let (mut event_base, mut error_base) = (0, 0);
            let name = CString::new(format!("_NET_SYSTEM_TRAY_S{}", (x.XDefaultScreen)(display)));
            let Ok(name) = name else { return };
            if (fixes.XFixesQueryExtension)(display, &mut event_base, &mut error_base) == 0 {
                tracing::debug!("no XFixes on the display: the XEmbed tray is looked for every minute");
                (x.XCloseDisplay)(display);
                return;
            }
            let selection = (x.XInternAtom)(display, name.as_ptr(), 0);
            let root = (x.XDefaultRootWindow)(display);
            (fixes.XFixesSelectSelectionInput)(display, root, selection, SELECTION_CHANGES);
            let mut event: xlib::XEvent = std::mem::zeroed();
            loop {
                (x.XNextEvent)(display, &mut event);
                if wake.send(()).is_err() {
                    break;
                }
            }
            (x.XCloseDisplay)(display);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot follow the XEmbed tray");
    }
}

#[cfg(target_os = "linux")]
async fn session_bus() -> Option<zbus::Connection> {
    match tokio::time::timeout(BUS_TIMEOUT, zbus::Connection::session()).await {
        Ok(Ok(c)) => Some(c),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "no session bus: no StatusNotifierWatcher either");
            None
        }
        Err(_) => None,
    }
}

/// The host that would show the icon now: a StatusNotifierWatcher with a host, else an XEmbed
/// tray (what libayatana-appindicator falls back to).
#[cfg(target_os = "linux")]
async fn current_host(bus: Option<&zbus::Connection>) -> Option<HostId> {
    if let Some(bus) = bus {
        if let Ok(Some(owner)) = tokio::time::timeout(BUS_TIMEOUT, status_notifier_host(bus)).await {
            return Some(HostId { kind: Host::StatusNotifier, owner });
        }
    }
    xembed_tray().map(|w| HostId { kind: Host::XEmbed, owner: format!("0x{w:x}") })
}

/// `MAILBELL_TRAY_HOST=none|sni|xembed` overrides the detection (for a desktop it gets wrong).
#[cfg(target_os = "linux")]
fn forced_host() -> Option<Option<HostId>> {
    let v = std::env::var("MAILBELL_TRAY_HOST").ok()?;
    let forced = |kind| Some(Some(HostId { kind, owner: "forced".into() }));
    match v.as_str() {
        "none" => Some(None),
        "sni" => forced(Host::StatusNotifier),
        "xembed" => forced(Host::XEmbed),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// The StatusNotifierWatcher's unique bus name, when it runs and a host has registered with it:
/// a watcher without a host shows nothing, and libayatana-appindicator falls back to XEmbed then.
#[cfg(target_os = "linux")]
async fn status_notifier_host(bus: &zbus::Connection) -> Option<String> {
    let owner = bus
        .call_method(Some("org.freedesktop.DBus"), "/org/freedesktop/DBus", Some("org.freedesktop.DBus"), "GetNameOwner", &(WATCHER,))
        .await
        .ok()?
        .body()
        .deserialize::<String>()
        .ok()?;
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
    registered.unwrap_or(true).then_some(owner)
}

/// Whether the window will be on Wayland (GTK prefers it when both are there), where an XEmbed
/// tray cannot hold Mailbell's icon.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn on_wayland(wayland_display: Option<&str>, gdk_backend: Option<&str>) -> bool {
    let wayland = wayland_display.is_some_and(|d| !d.is_empty());
    let backend = gdk_backend.unwrap_or("");
    wayland && !(backend.starts_with("x11") || backend.starts_with("broadway"))
}

/// Whether an XEmbed tray could hold the icon: the window is on an X display, not on Wayland.
#[cfg(target_os = "linux")]
fn xembed_possible() -> bool {
    let wayland = std::env::var("WAYLAND_DISPLAY").ok();
    let backend = std::env::var("GDK_BACKEND").ok();
    !on_wayland(wayland.as_deref(), backend.as_deref()) && std::env::var_os("DISPLAY").is_some()
}

/// The window that owns the `_NET_SYSTEM_TRAY_S<screen>` selection (an XEmbed system tray).
#[cfg(target_os = "linux")]
fn xembed_tray() -> Option<u64> {
    use std::ffi::CString;
    use x11_dl::xlib::Xlib;

    if !xembed_possible() {
        return None;
    }
    let Ok(xlib) = Xlib::open() else { return None };
    // SAFETY: plain Xlib calls on a display this function opens and closes; the atom name is a
    // valid C string.
    unsafe {
        let display = (xlib.XOpenDisplay)(std::ptr::null());
        if display.is_null() {
            return None;
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
        (owner != 0).then_some(owner)
    }
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

    fn needs(account: &str, text: &str) -> Attention {
        Attention { account: account.into(), text: text.into() }
    }

    #[test]
    fn the_look_follows_the_engine() {
        let idle = look(0, false, vec![]);
        assert_eq!((idle.icon, idle.title.as_deref()), (IconKind::Idle, None));
        assert_eq!(idle.tooltip, "Mailbell: no new mail");
        let new = look(3, false, vec![]);
        assert_eq!((new.icon, new.title.as_deref()), (IconKind::New, Some("3")));
        assert_eq!(new.tooltip, "Mailbell: 3 new");
        // A pause outranks new mail; the count stays in the label.
        let paused = look(3, true, vec![]);
        assert_eq!((paused.icon, paused.title.as_deref(), paused.paused), (IconKind::Paused, Some("3"), true));
        assert_eq!(look(0, true, vec![]).icon, IconKind::Paused);
        // An account that needs the user outranks everything.
        let err = look(2, true, vec![needs("a", "alice@x: sign in again")]);
        assert_eq!((err.icon, err.title.as_deref()), (IconKind::Error, Some("2")));
        assert_eq!(err.tooltip, "Mailbell: 2 new\nnotifications paused\nalice@x: sign in again");
    }

    #[test]
    fn attention_is_what_waits_for_the_user() {
        let label = |id: &str| format!("{id}@x");
        let states = [
            ("b", AccountState::AuthFailed),
            ("a", AccountState::Error),
            ("c", AccountState::Offline),
            ("d", AccountState::Ok),
            ("e", AccountState::Syncing),
            ("f", AccountState::Connecting),
        ];
        assert_eq!(attention(states, label), vec![needs("a", "a@x: needs attention"), needs("b", "b@x: sign in again")]);
        assert!(attention([], label).is_empty());
    }

    #[test]
    fn every_look_has_its_own_icon() {
        let kinds = [IconKind::Idle, IconKind::New, IconKind::Error, IconKind::Paused];
        for (i, a) in kinds.iter().enumerate() {
            assert!(Image::from_bytes(a.bytes()).is_ok(), "{a:?} is not a PNG");
            for b in &kinds[i + 1..] {
                assert_ne!(a.bytes(), b.bytes(), "{a:?} and {b:?} look the same");
            }
        }
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
            assert!(xembed_tray().is_none());
        }
    }
}
