//! The event log's metrics.

use std::sync::LazyLock;

use prometheus::IntGauge;

/// Notifications in this gateway's Redis inbox that were read but not yet acknowledged,
/// sampled at every heartbeat (only registered when a gateway runs on Redis).
pub(crate) static QUEUE_PENDING: LazyLock<IntGauge> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_gauge(
        "gochat_event_queue_pending_entries",
        "Entries of this gateway's Redis inbox read but not yet acknowledged (XPENDING), sampled at each heartbeat.",
    )
});
