//! Time as a parameter (a leaf: it uses nothing of the crate).
//!
//! Certificate validity, expiry warnings, revocation freshness, signing times, outbox and cache
//! time stamps all read the time through a [`Clock`], so tests can fix it ([`FixedClock`]) and
//! judge a certificate "on 2030-01-01" without waiting for it. [`SystemClock`] is the only
//! place in the crate that reads the operating system's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Seconds since the Unix epoch (UTC), the unit every layer uses.
pub type Seconds = u64;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now, in seconds since the Unix epoch.
    fn now(&self) -> Seconds;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Seconds {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that says what it is told: for tests at fixed times.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    pub fn new(at: Seconds) -> FixedClock {
        FixedClock(AtomicU64::new(at))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: Seconds) {
        self.0.store(at, Ordering::SeqCst);
    }

    /// Moves the clock forward by `secs`.
    pub fn advance(&self, secs: Seconds) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Seconds {
        self.0.load(Ordering::SeqCst)
    }
}

/// A clock shared by everything one data directory does.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Seconds since the epoch as RFC 3339 UTC (`2017-01-01T00:00:00Z`).
pub fn rfc3339(secs: Seconds) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian), H. Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_says_what_it_is_told() {
        let c = FixedClock::new(1_483_228_800);
        assert_eq!(rfc3339(c.now()), "2017-01-01T00:00:00Z");
        c.advance(86_400 + 61);
        assert_eq!(rfc3339(c.now()), "2017-01-02T00:01:01Z");
        c.set(0);
        assert_eq!(rfc3339(c.now()), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_system_clock_is_after_this_code_was_written() {
        // 2026-01-01: a system clock before it is broken, not a time to judge certificates at.
        assert!(SystemClock.now() > 1_767_225_600);
    }
}
