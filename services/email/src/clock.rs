//! Injectable time, so expiry and rate windows are tested without sleeping.

use std::sync::Arc;

/// A source of "now" in milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock ([`gochat_runtime::clock::now_ms`]).
pub fn system_clock() -> Clock {
    Arc::new(gochat_runtime::clock::now_ms)
}
