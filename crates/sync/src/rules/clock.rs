//! The local clock the rules read: the system's (`chrono::Local`) in production, a settable
//! one in tests, so that quiet hours can begin and end on a test's word.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

type Now = dyn Fn() -> DateTime<FixedOffset> + Send + Sync;

/// Local wall-clock time with its UTC offset.
#[derive(Clone)]
pub struct LocalClock(Arc<Now>);

impl LocalClock {
    /// The machine's local time.
    pub fn system() -> LocalClock {
        LocalClock(Arc::new(|| chrono::Local::now().fixed_offset()))
    }

    /// A clock that reads `now` (a test's).
    pub fn new(now: impl Fn() -> DateTime<FixedOffset> + Send + Sync + 'static) -> LocalClock {
        LocalClock(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        (self.0)()
    }
}

impl Default for LocalClock {
    fn default() -> Self {
        LocalClock::system()
    }
}

impl std::fmt::Debug for LocalClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LocalClock").field(&self.now()).finish()
    }
}
