//! The gateway's send budget: at most a limit of sends (REST and WebSocket together) wait on
//! chat at once. A send over the limit is refused before any work is done for it (no
//! rate-limit count, no call to chat) with 503 `unavailable` and a retry hint, so an overload
//! costs the server almost nothing per refused send and the sends it accepted keep their
//! latency. Refusals are counted (`gochat_sends_refused_total`) and logged as a rate-limited
//! summary.
//!
//! The limit follows the backend. Every [`ADJUST_INTERVAL`] it is multiplied by the latency
//! target over the mean latency of the sends completed since (at most halved or doubled per
//! step), and kept between a floor and the configured `max_sends_in_flight`: by Little's law
//! the sends in flight are throughput times latency, so a limit that makes the mean latency
//! meet the target is the queue the backend can work off in that time, whatever its speed.
//! A fast backend runs at the configured maximum; a slower one gets a smaller queue.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    error::ApiError,
    log_summary::LogSummary,
    metrics::{SEND_BUDGET_LIMIT, SENDS_REFUSED},
};

/// How long a refused sender is told to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// At most one log line about refusals per this interval.
const LOG_INTERVAL: Duration = Duration::from_secs(10);
/// How often the limit is adjusted (when sends completed in the meantime).
pub const ADJUST_INTERVAL: Duration = Duration::from_millis(100);
/// The smallest limit adjustment can reach (or the configured maximum, if smaller).
pub const FLOOR: usize = 16;

/// The budget; cheap to clone, every clone shares the same limit and count.
#[derive(Clone, Debug)]
pub struct SendBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    in_flight: AtomicUsize,
    limit: AtomicUsize,
    ceiling: usize,
    floor: usize,
    target: Duration,
    window: Mutex<Window>,
    refusals: LogSummary,
}

/// Sends completed since the last adjustment.
#[derive(Debug)]
struct Window {
    started: Instant,
    total: Duration,
    count: u32,
}

impl Window {
    fn new(started: Instant) -> Self {
        Self {
            started,
            total: Duration::ZERO,
            count: 0,
        }
    }
}

/// One send's place in the budget, given back when dropped (after chat answered); its time
/// in flight feeds the limit.
#[derive(Debug)]
pub struct SendPermit {
    budget: Arc<Inner>,
    started: Instant,
}

impl Drop for SendPermit {
    fn drop(&mut self) {
        self.budget.in_flight.fetch_sub(1, Ordering::AcqRel);
        let now = Instant::now();
        self.budget
            .completed(now.saturating_duration_since(self.started), now);
    }
}

impl SendBudget {
    /// A budget of at most `max_in_flight` sends (at least one), adjusted towards a mean send
    /// latency of `target`. It starts at the maximum.
    pub fn new(max_in_flight: usize, target: Duration) -> Self {
        let ceiling = max_in_flight.max(1);
        SEND_BUDGET_LIMIT.set(i64::try_from(ceiling).unwrap_or(i64::MAX));
        Self {
            inner: Arc::new(Inner {
                in_flight: AtomicUsize::new(0),
                limit: AtomicUsize::new(ceiling),
                ceiling,
                floor: FLOOR.min(ceiling),
                target: target.max(Duration::from_millis(1)),
                window: Mutex::new(Window::new(Instant::now())),
                refusals: LogSummary::new(LOG_INTERVAL),
            }),
        }
    }

    /// A place for one send, or 503 `unavailable` (retry after a second) when the limit is
    /// reached. Never waits.
    pub fn try_acquire(&self) -> Result<SendPermit, ApiError> {
        let inner = &self.inner;
        let limit = inner.limit.load(Ordering::Acquire);
        if inner.in_flight.fetch_add(1, Ordering::AcqRel) < limit {
            return Ok(SendPermit {
                budget: Arc::clone(inner),
                started: Instant::now(),
            });
        }
        inner.in_flight.fetch_sub(1, Ordering::AcqRel);
        SENDS_REFUSED.with_label_values(&["overload"]).inc();
        if let Some(refused) = inner.refusals.record(Instant::now()) {
            tracing::warn!(
                refused,
                limit,
                max_sends_in_flight = inner.ceiling,
                "sends refused: the gateway is at its send budget"
            );
        }
        Err(ApiError {
            retry_after: Some(RETRY_AFTER),
            ..ApiError::unavailable("the server is at capacity; retry shortly")
        })
    }
}

impl Inner {
    /// Records a send that took `latency`, completed at `now`; adjusts the limit when an
    /// interval has passed.
    fn completed(&self, latency: Duration, now: Instant) {
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        window.total += latency;
        window.count += 1;
        if now.saturating_duration_since(window.started) < ADJUST_INTERVAL {
            return;
        }
        let mean = window.total / window.count;
        *window = Window::new(now);
        drop(window);
        let factor = (self.target.as_secs_f64() / mean.as_secs_f64().max(1e-6)).clamp(0.5, 2.0);
        let limit = self.limit.load(Ordering::Acquire);
        // Rounded up, so a limit of one can still grow.
        let next = ((limit as f64 * factor).ceil() as usize).clamp(self.floor, self.ceiling);
        self.limit.store(next, Ordering::Release);
        SEND_BUDGET_LIMIT.set(i64::try_from(next).unwrap_or(i64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const TARGET: Duration = Duration::from_millis(40);

    impl SendBudget {
        fn limit(&self) -> usize {
            self.inner.limit.load(Ordering::Acquire)
        }
    }

    #[test]
    fn sends_over_the_limit_are_refused_at_once_and_given_back_places_are_reused() {
        let budget = SendBudget::new(2, TARGET);
        let first = budget.try_acquire().unwrap();
        let _second = budget.try_acquire().unwrap();
        let refused_before = SENDS_REFUSED.with_label_values(&["overload"]).get();
        let refused = budget.try_acquire().unwrap_err();
        assert_eq!(refused.code, ErrorCode::Unavailable);
        assert_eq!(refused.retry_after_secs(), Some(1));
        assert!(SENDS_REFUSED.with_label_values(&["overload"]).get() > refused_before);
        drop(first);
        let _third = budget
            .try_acquire()
            .expect("a returned place is free again");
        budget.try_acquire().unwrap_err();
    }

    /// Feeds `count` completions of `latency` to the budget, the last one an interval after
    /// `start`, and returns the next interval's start.
    fn feed(budget: &SendBudget, start: Instant, latency: Duration, count: u32) -> Instant {
        for n in 1..=count {
            let at = start + ADJUST_INTERVAL * n / count;
            budget.inner.completed(latency, at);
        }
        start + ADJUST_INTERVAL
    }

    #[test]
    fn a_slow_backend_shrinks_the_limit_to_the_floor_and_a_fast_one_grows_it_back() {
        let budget = SendBudget::new(256, TARGET);
        let mut at = budget.inner.window.lock().unwrap().started;
        assert_eq!(budget.limit(), 256);

        at = feed(&budget, at, TARGET * 2, 10);
        assert_eq!(budget.limit(), 128, "twice the target halves the limit");
        at = feed(&budget, at, TARGET * 10, 10);
        assert_eq!(budget.limit(), 64, "a step at most halves it");
        for _ in 0..10 {
            at = feed(&budget, at, TARGET * 10, 10);
        }
        assert_eq!(budget.limit(), FLOOR, "never below the floor");

        at = feed(&budget, at, TARGET / 2, 10);
        assert_eq!(budget.limit(), FLOOR * 2, "half the target doubles it");
        at = feed(&budget, at, TARGET, 10);
        assert_eq!(budget.limit(), FLOOR * 2, "on target it stays");
        for _ in 0..10 {
            at = feed(&budget, at, TARGET / 10, 10);
        }
        assert_eq!(budget.limit(), 256, "never above the configured maximum");
    }

    #[test]
    fn completions_within_an_interval_do_not_adjust_the_limit() {
        let budget = SendBudget::new(256, TARGET);
        let start = budget.inner.window.lock().unwrap().started;
        for n in 0..100 {
            budget
                .inner
                .completed(TARGET * 100, start + Duration::from_micros(n));
        }
        assert_eq!(budget.limit(), 256);
    }

    #[test]
    fn a_smaller_maximum_than_the_floor_is_kept() {
        let budget = SendBudget::new(1, TARGET);
        let start = budget.inner.window.lock().unwrap().started;
        budget.inner.completed(TARGET * 10, start + ADJUST_INTERVAL);
        assert_eq!(budget.limit(), 1);
        let _only = budget.try_acquire().unwrap();
        budget.try_acquire().unwrap_err();
    }
}
