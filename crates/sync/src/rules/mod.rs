//! What rings (ARCHITECTURE.md § What rings): the user's rules (quiet hours, important
//! senders, muted senders and lists) and the one decision every front end sees. Pure: no
//! store, no I/O; the engine hands it the facts and the local time, read from a
//! [`LocalClock`] (the system's, or a test's).

mod clock;
mod decide;
mod model;
mod schedule;

pub use clock::LocalClock;
pub use decide::{decide, Decision, Facts};
pub use model::{Day, QuietSpan, Ring, Rules, RulesError, RulesField, RulesProblem};
pub use schedule::in_quiet_hours;
