//! Noticing a suspend/resume: the monotonic clock (which tokio's timers use) stops while the
//! machine sleeps, the wall clock does not. When wall time ran far ahead of monotonic time
//! between two checks, the machine slept: timers are late and connections likely dead.

use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone)]
pub struct ClockWatch {
    wall: SystemTime,
    mono: Instant,
    tolerance: Duration,
}

impl ClockWatch {
    pub fn new(tolerance: Duration) -> ClockWatch {
        ClockWatch { wall: SystemTime::now(), mono: Instant::now(), tolerance }
    }

    /// True when, since the last check, the wall clock advanced more than the monotonic clock
    /// by over the tolerance (a sleep), or jumped backwards by over it (a clock reset).
    pub fn check(&mut self) -> bool {
        self.check_at(SystemTime::now(), Instant::now())
    }

    pub fn check_at(&mut self, wall: SystemTime, mono: Instant) -> bool {
        let mono_elapsed = mono.saturating_duration_since(self.mono);
        let jumped = match wall.duration_since(self.wall) {
            Ok(wall_elapsed) => wall_elapsed > mono_elapsed + self.tolerance,
            Err(back) => back.duration() > self.tolerance,
        };
        self.wall = wall;
        self.mono = mono;
        jumped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_a_sleep_and_nothing_else() {
        let t0 = SystemTime::now();
        let m0 = Instant::now();
        let mut c = ClockWatch { wall: t0, mono: m0, tolerance: Duration::from_secs(60) };
        // 30 s pass on both clocks: normal.
        assert!(!c.check_at(t0 + Duration::from_secs(30), m0 + Duration::from_secs(30)));
        // The machine slept 2 hours: the wall clock moved, the monotonic one barely.
        assert!(c.check_at(t0 + Duration::from_secs(30 + 7200), m0 + Duration::from_secs(60)));
        // Back to normal afterwards.
        assert!(!c.check_at(t0 + Duration::from_secs(7260), m0 + Duration::from_secs(90)));
        // A clock set back by an hour.
        assert!(c.check_at(t0 + Duration::from_secs(3660), m0 + Duration::from_secs(120)));
    }
}
