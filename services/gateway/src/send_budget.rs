//! The gateway's send budget: at most `max_sends_in_flight` sends (REST and WebSocket
//! together) wait on chat at once. A send over the budget is refused before any work is done
//! for it (no rate-limit count, no call to chat) with 503 `unavailable` and a retry hint, so an
//! overload costs the server almost nothing per refused send and the sends it accepted keep
//! their latency. Refusals are counted (`gochat_sends_refused_total`) and logged as a
//! rate-limited summary.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{error::ApiError, log_summary::LogSummary, metrics::SENDS_REFUSED};

/// How long a refused sender is told to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// At most one log line about refusals per this interval.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The budget; cheap to clone, every clone shares the same permits.
#[derive(Clone, Debug)]
pub struct SendBudget {
    permits: Arc<Semaphore>,
    capacity: usize,
    refusals: Arc<LogSummary>,
}

/// One send's place in the budget, given back when dropped (after chat answered).
#[derive(Debug)]
pub struct SendPermit {
    _permit: OwnedSemaphorePermit,
}

impl SendBudget {
    /// A budget of `capacity` sends in flight (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            permits: Arc::new(Semaphore::new(capacity)),
            capacity,
            refusals: Arc::new(LogSummary::new(LOG_INTERVAL)),
        }
    }

    /// A place for one send, or 503 `unavailable` (retry after a second) when the budget is
    /// spent. Never waits.
    pub fn try_acquire(&self) -> Result<SendPermit, ApiError> {
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => Ok(SendPermit { _permit: permit }),
            Err(_) => {
                SENDS_REFUSED.with_label_values(&["overload"]).inc();
                if let Some(refused) = self.refusals.record(Instant::now()) {
                    tracing::warn!(
                        refused,
                        max_sends_in_flight = self.capacity,
                        "sends refused: the gateway is at its send budget"
                    );
                }
                Err(ApiError {
                    retry_after: Some(RETRY_AFTER),
                    ..ApiError::unavailable("the server is at capacity; retry shortly")
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn sends_over_the_budget_are_refused_at_once_and_given_back_places_are_reused() {
        let budget = SendBudget::new(2);
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
}
