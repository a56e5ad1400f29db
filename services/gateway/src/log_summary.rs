//! Log lines for things that can happen thousands of times a second (refused sends, failed
//! peer calls): the first occurrence after a quiet spell is logged at once, the rest are
//! counted and reported together at most once per interval, so an overload does not also
//! flood the log.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// A rate-limited summary for one kind of event.
#[derive(Debug)]
pub struct LogSummary {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// When the last line was written.
    last_line: Option<Instant>,
    /// Occurrences since then.
    unreported: u64,
}

impl LogSummary {
    /// A summary writing at most one line per `interval`.
    pub const fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(State {
                last_line: None,
                unreported: 0,
            }),
        }
    }

    /// Counts one occurrence at `now`; returns how many occurrences the caller should log
    /// now (this one included), or `None` while the interval since the last line runs.
    pub fn record(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.unreported += 1;
        let due = state
            .last_line
            .is_none_or(|last| now.duration_since(last) >= self.interval);
        if !due {
            return None;
        }
        state.last_line = Some(now);
        Some(std::mem::take(&mut state.unreported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_occurrence_is_logged_and_the_rest_once_per_interval() {
        let summary = LogSummary::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(summary.record(t0), Some(1));
        for ms in 1..=999 {
            assert_eq!(summary.record(t0 + Duration::from_millis(ms * 10)), None);
        }
        assert_eq!(summary.record(t0 + Duration::from_secs(10)), Some(1000));
        assert_eq!(summary.record(t0 + Duration::from_secs(11)), None);
        assert_eq!(summary.record(t0 + Duration::from_secs(25)), Some(2));
    }
}
