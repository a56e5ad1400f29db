//! The operator's Prometheus metrics.

use std::sync::LazyLock;

use gochat_telemetry::metrics::{REQUEST_BUCKETS, histogram, int_counter_vec, int_gauge};
use prometheus::{Histogram, IntCounterVec, IntGauge};

/// Reconciles finished, by result (`ok`, `error`).
pub static RECONCILES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    int_counter_vec(
        "gochat_operator_reconciles_total",
        "ChatCluster reconciles, by result.",
        &["result"],
    )
});

/// Reconcile failures by kind (`api`, `client`, `signing_key`, ...).
pub static RECONCILE_ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    int_counter_vec(
        "gochat_operator_reconcile_errors_total",
        "ChatCluster reconcile failures, by kind.",
        &["kind"],
    )
});

/// How long reconciles take.
pub static RECONCILE_DURATION: LazyLock<Histogram> = LazyLock::new(|| {
    histogram(
        "gochat_operator_reconcile_duration_seconds",
        "Duration of one ChatCluster reconcile.",
        REQUEST_BUCKETS,
    )
});

/// Status writes (only made when the status differs).
pub static STATUS_WRITES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    int_counter_vec(
        "gochat_operator_status_writes_total",
        "ChatCluster status patches sent (made only when the status changed).",
        &["result"],
    )
});

/// 1 while this replica holds the leader lease.
pub static LEADER: LazyLock<IntGauge> = LazyLock::new(|| {
    int_gauge(
        "gochat_operator_leader",
        "1 while this operator replica is the leader.",
    )
});

/// Registers every metric (with a zero series per label value), so `/metrics` lists them
/// before the first reconcile.
pub fn register() {
    for result in ["ok", "error"] {
        RECONCILES.with_label_values(&[result]);
    }
    for kind in crate::error::Error::KINDS {
        RECONCILE_ERRORS.with_label_values(&[kind]);
    }
    LazyLock::force(&RECONCILE_DURATION);
    LazyLock::force(&STATUS_WRITES);
    LazyLock::force(&LEADER);
}
