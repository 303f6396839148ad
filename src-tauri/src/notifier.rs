//! Puts notes (notify.rs) on the desktop's screen in a way desktops understand: the hints
//! `category=email.arrived` (desktops group and route mail notifications by it),
//! `desktop-entry` (the app's desktop file: its name, icon and per-app notification settings),
//! `urgency` normal, the app's icon by name where an icon theme has it, the new-mail sound only
//! when the user turned it on, and one summary per account that is replaced, not stacked, while
//! it grows (`replaces_id`).
//!
//! On Linux this speaks org.freedesktop.Notifications on the session bus itself:
//! tauri-plugin-notification sends no hint but the sound's name and always a `replaces_id` of 0.
//! It also handles what the user does with a notification (`ActionInvoked`: a click or a
//! button; `NotificationClosed`), on the same connection that sent it, since some servers
//! (dunst) signal only that connection. Elsewhere the plugin shows the notes as before.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::{AppHandle, Manager};

use crate::notify::Note;

/// The notification category of new mail (Desktop Notifications Specification).
pub const CATEGORY: &str = "email.arrived";
/// The sound theme's new-mail sound, played only when the user turned sounds on.
pub const SOUND_NAME: &str = "message-new-email";
/// Urgency "normal" (0 low, 1 normal, 2 critical): new mail is news, never an alarm.
pub const URGENCY_NORMAL: u8 = 1;
/// The icon's name in the icon theme: the packages install it as hicolor's `apps/mailbell.png`
/// (Tauri's bundler names it after the binary).
pub const ICON_NAME: &str = "mailbell";

/// One hint's value, as the specification types it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    Text(String),
    Byte(u8),
    Bool(bool),
}

/// The hints of every notification Mailbell sends. `desktop_entry` is the desktop file's name
/// without `.desktop`. Without sound, `suppress-sound` asks the server not to play its own
/// default sound either: Mailbell is silent unless the user asked for a sound.
pub fn hints(desktop_entry: &str, sound: bool) -> BTreeMap<&'static str, Hint> {
    let mut h = BTreeMap::new();
    h.insert("category", Hint::Text(CATEGORY.into()));
    h.insert("desktop-entry", Hint::Text(desktop_entry.into()));
    h.insert("urgency", Hint::Byte(URGENCY_NORMAL));
    if sound {
        h.insert("sound-name", Hint::Text(SOUND_NAME.into()));
    } else {
        h.insert("suppress-sound", Hint::Bool(true));
    }
    h
}

/// The directories that may hold icon themes (XDG Base Directory Specification): the user's
/// data directory, then the system's.
pub fn data_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let data_home =
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute()).or_else(|| home.map(|h| h.join(".local/share")));
    let system =
        std::env::var("XDG_DATA_DIRS").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    data_home.into_iter().chain(system.split(':').map(PathBuf::from).filter(|p| p.is_absolute())).collect()
}

/// Whether an icon theme in `dirs` has the app's icon: hicolor, the theme every icon lookup
/// falls back to and where the packages install it, at any size.
fn theme_has_icon(dirs: &[PathBuf], name: &str) -> bool {
    dirs.iter().any(|d| {
        let Ok(sizes) = std::fs::read_dir(d.join("icons/hicolor")) else { return false };
        sizes.flatten().any(|size| ["png", "svg"].iter().any(|ext| size.path().join("apps").join(format!("{name}.{ext}")).is_file()))
    })
}

/// The icon a notification names: the theme icon's name where Mailbell is installed (the
/// desktop then draws it at the size and scale it wants), else the file `install_icon` wrote
/// (a run from the build tree), else none.
pub fn icon(dirs: &[PathBuf], file: Option<&Path>) -> String {
    if theme_has_icon(dirs, ICON_NAME) {
        return ICON_NAME.into();
    }
    file.map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Shows notes and follows what becomes of them. One per app, in Tauri's state (`install`).
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    app: AppHandle,
    icon: String,
    #[cfg(not(target_os = "linux"))]
    icon_file: Option<PathBuf>,
    #[cfg(target_os = "linux")]
    bus: tokio::sync::OnceCell<Option<zbus::Connection>>,
    #[cfg(target_os = "linux")]
    tracked: tokio::sync::Mutex<linux::Tracked>,
}

impl Notifier {
    /// Makes the app's notifier (`icon_file`: the icon's file for runs from the build tree) and
    /// puts it in the app's state, where `refresh_unviewed` finds it.
    pub fn install(app: &AppHandle, icon_file: Option<&Path>) -> Notifier {
        let icon = icon(&data_dirs(), icon_file);
        tracing::info!(%icon, "notification icon");
        let n = Notifier {
            inner: Arc::new(Inner {
                app: app.clone(),
                icon,
                #[cfg(not(target_os = "linux"))]
                icon_file: icon_file.map(Path::to_path_buf),
                #[cfg(target_os = "linux")]
                bus: tokio::sync::OnceCell::new(),
                #[cfg(target_os = "linux")]
                tracked: tokio::sync::Mutex::new(linux::Tracked::default()),
            }),
        };
        app.manage(n.clone());
        n
    }

    /// The accounts whose summary is still open on the server (not closed or dismissed): a
    /// next summary of theirs replaces it.
    pub async fn open_summaries(&self) -> HashSet<String> {
        #[cfg(target_os = "linux")]
        return self.inner.tracked.lock().await.groups.keys().cloned().collect();
        #[cfg(not(target_os = "linux"))]
        HashSet::new()
    }

    /// Forgets the open summaries (all mail was seen in the window): the next burst gets a
    /// notification of its own instead of growing one about mail already seen.
    pub async fn forget_summaries(&self) {
        #[cfg(target_os = "linux")]
        self.inner.tracked.lock().await.groups.clear();
    }

    /// Shows one note, with the message's action buttons when `actions` (the server shows them)
    /// and the note is about one message, and the new-mail sound when `sound`. A summary of an
    /// account (`note.group`) replaces that account's summary while it is open. Failures are
    /// logged, never fatal.
    pub async fn show(&self, note: &Note, actions: bool, sound: bool) {
        #[cfg(target_os = "linux")]
        linux::show(&self.inner, note, actions, sound).await;
        #[cfg(not(target_os = "linux"))]
        {
            let _ = sound;
            crate::notify::show(&self.inner.app, note, self.inner.icon_file.as_deref(), actions);
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::sync::{Arc, Weak};
    use std::time::Duration;

    use futures::StreamExt;
    use zbus::zvariant::Value;

    use super::{hints, Hint, Inner};
    use crate::app_id::APP_ID;
    use crate::models::MessageKey;
    use crate::notify::{Note, ACTIONS};

    const NAME: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";
    const IFACE: &str = "org.freedesktop.Notifications";
    /// How long a Notify call may take before it counts as failed.
    const CALL_TIMEOUT: Duration = Duration::from_secs(10);

    /// What a shown notification is about, by the server's id.
    #[derive(Debug, Clone)]
    pub(super) struct Shown {
        target: Option<MessageKey>,
        single: bool,
    }

    #[derive(Debug, Default)]
    pub(super) struct Tracked {
        shown: HashMap<u32, Shown>,
        /// Each account's open summary: its server id.
        pub(super) groups: HashMap<String, u32>,
    }

    fn value(h: Hint) -> Value<'static> {
        match h {
            Hint::Text(s) => Value::from(s),
            Hint::Byte(b) => Value::U8(b),
            Hint::Bool(b) => Value::Bool(b),
        }
    }

    /// The session bus connection, made once and listening for the server's signals; none when
    /// there is no session bus (asked again next time).
    async fn bus(inner: &Arc<Inner>) -> Option<zbus::Connection> {
        let connect = || async {
            match connect(Arc::downgrade(inner)).await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot reach the notification server on the session bus");
                    None
                }
            }
        };
        inner.bus.get_or_init(connect).await.clone()
    }

    async fn connect(inner: Weak<Inner>) -> zbus::Result<zbus::Connection> {
        let conn = zbus::Connection::session().await?;
        let rule = zbus::MatchRule::builder().msg_type(zbus::message::Type::Signal).interface(IFACE)?.path(PATH)?.build();
        // Subscribed before the first Notify, so that no signal of ours is missed.
        let mut signals = zbus::MessageStream::for_match_rule(rule, &conn, None).await?;
        tauri::async_runtime::spawn(async move {
            while let Some(msg) = signals.next().await {
                let Some(inner) = inner.upgrade() else { return };
                match msg {
                    Ok(msg) => on_signal(&inner, &msg).await,
                    Err(e) => tracing::debug!(error = %e, "unreadable signal from the notification server"),
                }
            }
        });
        Ok(conn)
    }

    pub(super) async fn show(inner: &Arc<Inner>, note: &Note, actions: bool, sound: bool) {
        let Some(bus) = bus(inner).await else { return };
        // A click on the notification itself is the action "default" (its label is not shown).
        let mut acts: Vec<String> = vec!["default".into(), String::new()];
        if note.single && actions {
            for (id, label) in ACTIONS {
                acts.extend([id.to_string(), label()]);
            }
        }
        let hints: HashMap<&str, Value<'static>> = hints(APP_ID, sound).into_iter().map(|(k, v)| (k, value(v))).collect();
        // Held while the call is made, so that a signal about the new id waits until it is known.
        let mut tracked = inner.tracked.lock().await;
        let replaces = note.group.as_ref().and_then(|g| tracked.groups.get(g)).copied().unwrap_or(0);
        let args = (APP_ID, replaces, inner.icon.as_str(), note.title.as_str(), note.body.as_str(), acts, hints, -1i32);
        let call = bus.call_method(Some(NAME), PATH, Some(IFACE), "Notify", &args);
        let id = match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(reply)) => match reply.body().deserialize::<u32>() {
                Ok(id) => id,
                Err(e) => {
                    tracing::warn!(error = %e, "the notification server answered Notify with no id");
                    return;
                }
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not show a notification");
                return;
            }
            Err(_) => {
                tracing::warn!("the notification server did not answer within {}s", CALL_TIMEOUT.as_secs());
                return;
            }
        };
        tracing::debug!(id, replaces, "notification shown");
        if replaces != 0 && replaces != id {
            tracked.shown.remove(&replaces);
        }
        tracked.shown.insert(id, Shown { target: note.target.clone(), single: note.single });
        if let Some(group) = &note.group {
            tracked.groups.insert(group.clone(), id);
        }
    }

    /// A click or a button (`ActionInvoked`) on one of our notifications goes to the app; a
    /// closed one (`NotificationClosed`: expired, dismissed or replaced away) is forgotten, and
    /// an account's summary that closed is no longer grown.
    async fn on_signal(inner: &Arc<Inner>, msg: &zbus::Message) {
        let header = msg.header();
        match header.member().map(|m| m.as_str()) {
            Some("ActionInvoked") => {
                let Ok((id, action)) = msg.body().deserialize::<(u32, String)>() else { return };
                let shown = inner.tracked.lock().await.shown.get(&id).cloned();
                if let Some(shown) = shown {
                    let action = if action == "default" { "tap" } else { action.as_str() };
                    crate::on_notification_action(&inner.app, action, shown.target, shown.single);
                }
            }
            Some("NotificationClosed") => {
                let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() else { return };
                let mut tracked = inner.tracked.lock().await;
                tracked.shown.remove(&id);
                tracked.groups.retain(|_, open| *open != id);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notification_says_it_is_mail_whose_app_it_is_and_how_urgent() {
        let h = hints("Mailbell", false);
        assert_eq!(h["category"], Hint::Text("email.arrived".into()));
        assert_eq!(h["desktop-entry"], Hint::Text("Mailbell".into()));
        assert_eq!(h["urgency"], Hint::Byte(1));
        assert_eq!(h.len(), 4, "{h:?}");
    }

    #[test]
    fn the_sound_plays_only_when_turned_on() {
        let quiet = hints("Mailbell", false);
        assert!(!quiet.contains_key("sound-name"));
        assert_eq!(quiet["suppress-sound"], Hint::Bool(true), "the server's default sound is suppressed too");
        let loud = hints("Mailbell", true);
        assert_eq!(loud["sound-name"], Hint::Text("message-new-email".into()));
        assert!(!loud.contains_key("suppress-sound"));
    }

    #[test]
    fn the_icon_is_named_where_a_theme_has_it_else_its_file() {
        let dir = std::env::temp_dir().join(format!("mailbell-icon-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (bare, themed) = (dir.join("bare"), dir.join("themed"));
        std::fs::create_dir_all(bare.join("icons/hicolor/48x48/apps")).unwrap();
        std::fs::create_dir_all(themed.join("icons/hicolor/64x64/apps")).unwrap();
        std::fs::write(themed.join("icons/hicolor/64x64/apps/mailbell.png"), b"png").unwrap();
        let file = Path::new("/data/mailbell-icon.png");
        assert_eq!(icon(std::slice::from_ref(&bare), Some(file)), "/data/mailbell-icon.png", "not installed: the file");
        assert_eq!(icon(&[bare.clone(), themed], Some(file)), "mailbell", "installed: the name");
        assert_eq!(icon(&[bare], None), "", "neither: no icon");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
