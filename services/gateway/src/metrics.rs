//! The gateway's metrics: HTTP requests per route, open sockets, messages delivered and
//! how long after their send they were pushed.

use std::sync::LazyLock;

use gochat_telemetry::metrics;
use prometheus::{Histogram, HistogramVec, IntCounterVec, IntGauge};

/// HTTP requests answered, by method, route template and status.
pub(crate) static HTTP_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_http_requests_total",
        "HTTP requests answered by the gateway, by method, route template and status code.",
        &["method", "route", "status"],
    )
});

/// HTTP request durations, by method and route template.
pub(crate) static HTTP_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_http_request_duration_seconds",
        "Time from an HTTP request's arrival to its response headers, by method and route template.",
        &["method", "route"],
        metrics::REQUEST_BUCKETS,
    )
});

/// WebSocket connections open right now.
pub(crate) static OPEN_SOCKETS: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::int_gauge(
        "gochat_ws_open_sockets",
        "WebSocket connections currently open on this gateway.",
    )
});

/// Message frames pushed to sockets, by where they came from.
pub(crate) static DELIVERED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_messages_delivered_total",
        "Message frames pushed to a socket, by source (live, replay, history).",
        &["source"],
    )
});

/// Seconds from a message's send to its live push.
pub(crate) static DELIVERY_LAG: LazyLock<Histogram> = LazyLock::new(|| {
    metrics::histogram(
        "gochat_delivery_lag_seconds",
        "Time from a message's send (its sent_at_ms) to its live push to a socket.",
        &[
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ],
    )
});

/// Sends refused before any work, by reason (`overload`: the gateway's send budget was spent).
pub(crate) static SENDS_REFUSED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_sends_refused_total",
        "Sends refused by the gateway before any work, by reason (overload).",
        &["reason"],
    )
});

/// The send budget's current limit of sends in flight (it follows the backend's latency).
pub(crate) static SEND_BUDGET_LIMIT: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::int_gauge(
        "gochat_send_budget_limit",
        "Sends the gateway currently lets wait on chat at once (adjusted towards the send latency target).",
    )
});

/// Registers the socket, delivery, lag and refusal metrics (every label at zero), so they are
/// scraped before the first socket opens.
pub(crate) fn register() {
    LazyLock::force(&OPEN_SOCKETS);
    LazyLock::force(&DELIVERY_LAG);
    for source in ["live", "replay", "history"] {
        DELIVERED.with_label_values(&[source]);
    }
    SENDS_REFUSED.with_label_values(&["overload"]);
    LazyLock::force(&SEND_BUDGET_LIMIT);
}

/// Counts one open socket until dropped.
pub(crate) struct OpenSocket(());

impl OpenSocket {
    /// Counts a socket that just opened.
    pub(crate) fn open() -> Self {
        OPEN_SOCKETS.inc();
        Self(())
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        OPEN_SOCKETS.dec();
    }
}
