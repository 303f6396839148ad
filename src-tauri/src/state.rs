//! What the app keeps while it runs: the store, the engine once it is up, the latest account
//! statuses, the settings in force, and the tray handle.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use mailbell_sync::{AccountState, AccountStatusEvent, Engine, Store};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::models::Settings;
use crate::tray::{HostId, Look, Tray};

pub struct AppState {
    pub store: Store,
    pub data_dir: PathBuf,
    pub log_file: PathBuf,
    engine: RwLock<Option<Arc<Engine>>>,
    engine_error: Mutex<Option<String>>,
    statuses: Mutex<BTreeMap<String, AccountStatusEvent>>,
    settings: Mutex<Settings>,
    tray: Mutex<Option<Tray>>,
    /// The tray host that shows the icon now (none: Mailbell is trayless meanwhile).
    host: Mutex<Option<HostId>>,
    /// What the tray showed last (a tray registered with a new host starts from it).
    look: Mutex<Option<Look>>,
    /// The window is open only because there was no tray to start in (or the tray host went
    /// away): a tray host that turns up puts it back in the tray.
    shown_for_no_tray: AtomicBool,
    /// The "no tray on this desktop" help was logged (once per run).
    no_host_said: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const KEY_NOTIFICATIONS: &str = "notifications";
const KEY_PAUSED: &str = "notifications_paused";
const KEY_AUTOSTART: &str = "start_at_login";
const KEY_START_IN_TRAY: &str = "start_in_tray";
const KEY_SOUND: &str = "notification_sound";

fn flag(store: &Store, key: &str, default: bool) -> bool {
    match store.setting(key) {
        Ok(Some(v)) => v == "on",
        Ok(None) => default,
        Err(e) => {
            tracing::warn!(key, error = %e, "cannot read a setting");
            default
        }
    }
}

impl AppState {
    pub fn new(store: Store, data_dir: PathBuf, log_file: PathBuf) -> AppState {
        let d = Settings::default();
        let settings = Settings {
            notifications: flag(&store, KEY_NOTIFICATIONS, d.notifications),
            paused: flag(&store, KEY_PAUSED, d.paused),
            autostart: flag(&store, KEY_AUTOSTART, d.autostart),
            start_in_tray: flag(&store, KEY_START_IN_TRAY, d.start_in_tray),
            sound: flag(&store, KEY_SOUND, d.sound),
        };
        AppState {
            store,
            data_dir,
            log_file,
            engine: RwLock::new(None),
            engine_error: Mutex::new(None),
            statuses: Mutex::new(BTreeMap::new()),
            settings: Mutex::new(settings),
            tray: Mutex::new(None),
            host: Mutex::new(None),
            look: Mutex::new(None),
            shown_for_no_tray: AtomicBool::new(false),
            no_host_said: AtomicBool::new(false),
        }
    }

    pub fn engine(&self) -> AppResult<Arc<Engine>> {
        let engine = self.engine.read().unwrap_or_else(|p| p.into_inner()).clone();
        engine.ok_or_else(|| {
            let why = self.engine_error().unwrap_or_else(|| "the engine is starting: try again in a moment".into());
            AppError::new(ErrorKind::Unavailable, why)
        })
    }

    pub fn engine_if_running(&self) -> Option<Arc<Engine>> {
        self.engine.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_engine(&self, engine: Arc<Engine>) {
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = Some(engine);
        *lock(&self.engine_error) = None;
    }

    pub fn take_engine(&self) -> Option<Arc<Engine>> {
        self.engine.write().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub fn engine_error(&self) -> Option<String> {
        lock(&self.engine_error).clone()
    }

    pub fn set_engine_error(&self, e: String) {
        *lock(&self.engine_error) = Some(e);
    }

    pub fn record_status(&self, s: &AccountStatusEvent) {
        lock(&self.statuses).insert(s.account.clone(), s.clone());
    }

    pub fn forget_status(&self, account: &str) {
        lock(&self.statuses).remove(account);
    }

    pub fn status_of(&self, account: &str) -> Option<AccountStatusEvent> {
        lock(&self.statuses).get(account).cloned()
    }

    /// Takes the state of start-at-login from the system (the user may have removed it there).
    pub fn adopt_autostart(&self, enabled: bool) {
        let mut s = self.settings();
        if s.autostart != enabled {
            s.autostart = enabled;
            if let Err(e) = self.save_settings(s) {
                tracing::warn!(error = %e, "cannot save a setting");
            }
        }
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    /// Keeps new settings in memory and in the store (blocking: call off the async reactor).
    pub fn save_settings(&self, s: Settings) -> AppResult<()> {
        let on = |b: bool| if b { "on" } else { "off" };
        self.store.set_setting(KEY_NOTIFICATIONS, on(s.notifications))?;
        self.store.set_setting(KEY_PAUSED, on(s.paused))?;
        self.store.set_setting(KEY_AUTOSTART, on(s.autostart))?;
        self.store.set_setting(KEY_START_IN_TRAY, on(s.start_in_tray))?;
        self.store.set_setting(KEY_SOUND, on(s.sound))?;
        *lock(&self.settings) = s;
        Ok(())
    }

    /// Whether a new message should be announced now.
    pub fn notifying(&self) -> bool {
        let s = self.settings();
        s.notifications && !s.paused
    }

    /// Whether there is a tray icon that a host shows (else closing the window minimises it).
    pub fn tray_present(&self) -> bool {
        lock(&self.tray).is_some() && lock(&self.host).is_some()
    }

    pub fn set_host(&self, host: Option<HostId>) {
        *lock(&self.host) = host;
    }

    /// The tray, to drive it (a clone: the lock is not held while it waits for the main thread).
    pub fn tray(&self) -> Option<Tray> {
        lock(&self.tray).clone()
    }

    pub fn set_tray(&self, tray: Tray) {
        *lock(&self.tray) = Some(tray);
    }

    pub fn last_look(&self) -> Option<Look> {
        lock(&self.look).clone()
    }

    pub fn set_last_look(&self, look: Look) {
        *lock(&self.look) = Some(look);
    }

    pub fn set_shown_for_no_tray(&self, on: bool) {
        self.shown_for_no_tray.store(on, Ordering::SeqCst);
    }

    /// Whether the window was opened for want of a tray (and clears it).
    pub fn take_shown_for_no_tray(&self) -> bool {
        self.shown_for_no_tray.swap(false, Ordering::SeqCst)
    }

    /// True the first time only: whether to log the "no tray" help now.
    pub fn first_no_host(&self) -> bool {
        !self.no_host_said.swap(true, Ordering::SeqCst)
    }

    /// The latest state of every account: the engine's, overlaid with the events the app has
    /// received since (the newest).
    pub fn account_states(&self) -> BTreeMap<String, AccountState> {
        let mut states: BTreeMap<String, AccountState> = BTreeMap::new();
        if let Some(engine) = self.engine_if_running() {
            states.extend(engine.account_states().into_iter().map(|s| (s.account, s.state)));
        }
        states.extend(lock(&self.statuses).values().map(|s| (s.account.clone(), s.state)));
        states
    }
}
