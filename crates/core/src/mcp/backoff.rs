//! When a server that stopped is started again.
//!
//! After each failure the wait doubles from 1 s (capped at 30 s, which five tries never
//! reach). Failures in a row are counted: a start that fails before the server is ready, and a
//! crash of a server that had been ready for less than [`STABLE_AFTER`] (a crash loop is no
//! better than a failed start). After five the server stays `failed` until the person retries
//! or changes it. A connection that stayed ready for [`STABLE_AFTER`] or more starts the count
//! and the wait over, so a server that crashes now and then after working is restarted every
//! time.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(30);
/// Failures in a row after which the server is left failed.
pub const MAX_FAILURES_IN_A_ROW: u32 = 5;
/// How long a connection must have been ready for its end to count as a fresh failure.
pub const STABLE_AFTER: Duration = Duration::from_secs(60);

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Start again after this long.
    RetryIn(Duration),
    /// Stay failed.
    GiveUp,
}

#[derive(Debug, Clone, Default)]
pub struct Backoff {
    /// Failures since the last stable connection: the wait's exponent and the give-up count.
    failures: u32,
}

impl Backoff {
    /// A start failed before the server was ready.
    pub fn start_failed(&mut self) -> Next {
        self.failed()
    }

    /// A ready connection ended (the server crashed or closed), after `ready_for`.
    pub fn connection_ended(&mut self, ready_for: Duration) -> Next {
        if ready_for >= STABLE_AFTER {
            self.failures = 0;
        }
        self.failed()
    }

    fn failed(&mut self) -> Next {
        if self.failures + 1 >= MAX_FAILURES_IN_A_ROW {
            return Next::GiveUp;
        }
        let wait = FIRST
            .checked_mul(1 << self.failures.min(16))
            .map_or(MAX, |w| w.min(MAX));
        self.failures += 1;
        Next::RetryIn(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Next {
        Next::RetryIn(Duration::from_secs(n))
    }

    #[test]
    fn five_failed_starts_in_a_row_give_up() {
        let mut b = Backoff::default();
        assert_eq!(b.start_failed(), secs(1));
        assert_eq!(b.start_failed(), secs(2));
        assert_eq!(b.start_failed(), secs(4));
        assert_eq!(b.start_failed(), secs(8));
        assert_eq!(b.start_failed(), Next::GiveUp);
    }

    #[test]
    fn five_quick_crashes_after_ready_in_a_row_give_up() {
        let mut b = Backoff::default();
        let ready_for = STABLE_AFTER - Duration::from_secs(1);
        let waits: Vec<Next> = (0..5).map(|_| b.connection_ended(ready_for)).collect();
        assert_eq!(waits, [secs(1), secs(2), secs(4), secs(8), Next::GiveUp]);
    }

    #[test]
    fn failed_starts_and_quick_crashes_count_together() {
        let mut b = Backoff::default();
        for _ in 0..3 {
            assert_ne!(b.start_failed(), Next::GiveUp);
        }
        // It came up, then crashed quickly: still failing, the fourth in a row.
        assert_eq!(b.connection_ended(Duration::from_secs(1)), secs(8));
        assert_eq!(b.start_failed(), Next::GiveUp);
    }

    #[test]
    fn a_stable_connection_starts_the_count_and_the_wait_over() {
        let mut b = Backoff::default();
        for _ in 0..4 {
            assert_ne!(b.connection_ended(Duration::ZERO), Next::GiveUp);
        }
        // Ready for long enough: the next crash waits a second again, and four more may follow.
        assert_eq!(b.connection_ended(STABLE_AFTER), secs(1));
        assert_eq!(b.connection_ended(Duration::ZERO), secs(2));
        assert_eq!(b.start_failed(), secs(4));
        assert_eq!(b.start_failed(), secs(8));
        assert_eq!(b.start_failed(), Next::GiveUp);
    }

    #[test]
    fn a_server_that_crashes_after_working_each_time_is_always_restarted() {
        let mut b = Backoff::default();
        for _ in 0..20 {
            assert_eq!(b.connection_ended(STABLE_AFTER * 2), secs(1));
        }
    }
}
