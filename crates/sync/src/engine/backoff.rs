//! Capped exponential backoff with jitter, so that a server coming back is not met by every
//! client at the same instant.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempts: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff { min, max: max.max(min), attempts: 0 }
    }

    /// Failures in a row so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// The wait before the next attempt: min·2^attempts, capped at max, ±25 % jitter (never
    /// above max).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.min.saturating_mul(1u32 << self.attempts.min(20)).min(self.max);
        self.attempts = self.attempts.saturating_add(1);
        let factor: f64 = rand::rng().random_range(0.75..=1.25);
        base.mul_f64(factor).min(self.max)
    }
}

/// A pass interval with ±10 % jitter, so that many accounts don't fire together.
pub fn jittered(interval: Duration) -> Duration {
    let factor: f64 = rand::rng().random_range(0.9..=1.1);
    interval.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_bounded_jitter() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
        let mut last_base = Duration::ZERO;
        for i in 0..12 {
            let d = b.next_delay();
            let base = Duration::from_secs(2).saturating_mul(1 << i).min(Duration::from_secs(300));
            assert!(d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25).min(Duration::from_secs(300)), "{i}: {d:?}");
            assert!(base >= last_base);
            last_base = base;
        }
        assert_eq!(b.attempts(), 12);
        assert!(b.next_delay() <= Duration::from_secs(300));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(2500));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let d = jittered(Duration::from_secs(300));
            assert!(d >= Duration::from_secs(270) && d <= Duration::from_secs(330));
        }
    }
}
