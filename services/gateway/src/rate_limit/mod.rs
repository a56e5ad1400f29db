//! Fixed-window rate limits behind a store trait, so the in-memory store used by one
//! gateway can be swapped for Redis (`INCR` + `PEXPIRE` on first hit, `PTTL` for the
//! wait) when several gateways must share counts.

use std::time::Duration;

use async_trait::async_trait;

mod memory;
mod redis;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use self::redis::{DEFAULT_REDIS_PREFIX, RedisRateLimitStore};
pub use memory::MemoryRateLimitStore;

/// The outcome of one hit on a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether this hit is within the limit.
    pub allowed: bool,
    /// Time until the current window ends (when a refused caller may try again).
    pub retry_after: Duration,
}

/// Failures of a rate-limit store's backend.
#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    /// The backend cannot be reached or failed.
    #[error("rate-limit store unavailable: {0}")]
    Unavailable(String),
}

/// Counters of hits per key in fixed windows.
#[async_trait]
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one hit on `key`. The first hit opens a window of length `window`; hits in
    /// that window are allowed while their count is at most `limit`. When the window ends
    /// the count starts again from zero.
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, RateLimitError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), RateLimitError>;
}
