//! Database client instrumentation: a client span with the OpenTelemetry database
//! semantic-convention attributes around each CQL statement and Redis command (only when
//! traces are exported), and their latency histograms (always).

mod cql;
mod redis;

pub use cql::{CqlStatement, observe_cql};
pub use redis::TracedRedis;

/// The `outcome` label of a finished command.
fn outcome<T, E>(result: &Result<T, E>) -> &'static str {
    if result.is_ok() { "ok" } else { "error" }
}
