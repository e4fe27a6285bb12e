//! When a server that stopped is started again.
//!
//! After each failure the wait doubles from 1 s up to 30 s. A connection that stayed ready
//! for a while ([`STABLE_AFTER`]) starts the doubling over. Starts that fail before the
//! server is ready count apart: after five in a row the server stays `failed` until the
//! person retries or changes it (a command that does not exist fails every time; a server
//! that crashes now and then after working is restarted every time).

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(30);
/// Failed starts in a row after which the server is left failed.
pub const MAX_FAILED_STARTS: u32 = 5;
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
    /// Failures since the last stable connection: the wait's exponent.
    failures: u32,
    failed_starts: u32,
}

impl Backoff {
    /// A start failed before the server was ready.
    pub fn start_failed(&mut self) -> Next {
        self.failed_starts += 1;
        if self.failed_starts >= MAX_FAILED_STARTS {
            return Next::GiveUp;
        }
        Next::RetryIn(self.next_wait())
    }

    /// A ready connection ended (the server crashed or closed), after `ready_for`.
    pub fn connection_ended(&mut self, ready_for: Duration) -> Next {
        self.failed_starts = 0;
        if ready_for >= STABLE_AFTER {
            self.failures = 0;
        }
        Next::RetryIn(self.next_wait())
    }

    fn next_wait(&mut self) -> Duration {
        let wait = FIRST
            .checked_mul(1 << self.failures.min(16))
            .map_or(MAX, |w| w.min(MAX));
        self.failures += 1;
        wait
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
    fn crashes_after_working_double_to_thirty_seconds_and_never_give_up() {
        let mut b = Backoff::default();
        let waits: Vec<Next> = (0..8).map(|_| b.connection_ended(Duration::from_secs(2))).collect();
        assert_eq!(
            waits,
            [
                secs(1),
                secs(2),
                secs(4),
                secs(8),
                secs(16),
                secs(30),
                secs(30),
                secs(30)
            ]
        );
    }

    #[test]
    fn a_stable_connection_starts_over_and_a_ready_one_clears_failed_starts() {
        let mut b = Backoff::default();
        for _ in 0..4 {
            b.start_failed();
        }
        // It came up, then crashed quickly: failed starts are cleared, the wait keeps growing.
        assert_eq!(b.connection_ended(Duration::from_secs(1)), secs(16));
        for _ in 0..4 {
            assert_ne!(b.start_failed(), Next::GiveUp);
        }
        assert_eq!(b.start_failed(), Next::GiveUp);
        // Ready for long enough: the next crash waits a second again.
        let mut b = Backoff::default();
        for _ in 0..6 {
            b.connection_ended(Duration::ZERO);
        }
        assert_eq!(b.connection_ended(STABLE_AFTER), secs(1));
        assert_eq!(b.connection_ended(Duration::ZERO), secs(2));
    }
}
