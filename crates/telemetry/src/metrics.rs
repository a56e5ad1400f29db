//! Prometheus metrics, all in the default registry that `/metrics` serves. Each metric is
//! a `LazyLock` static defined in exactly one crate, so it is registered once per process
//! however many services run in it; a name clash is logged instead of panicking.

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    core::Collector,
};

/// The `outcome` label of a finished command: `ok` or `error`.
pub fn outcome<T, E>(result: &Result<T, E>) -> &'static str {
    if result.is_ok() { "ok" } else { "error" }
}

/// Seconds buckets for requests (1 ms to 10 s).
pub const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Seconds buckets for single database commands (100 µs to 5 s).
pub const COMMAND_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A registered counter family. `name` and `labels` are constants of the calling crate.
pub fn int_counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric definition"))
}

/// A registered counter.
pub fn int_counter(name: &str, help: &str) -> IntCounter {
    register(IntCounter::new(name, help).expect("a valid metric definition"))
}

/// A registered gauge.
pub fn int_gauge(name: &str, help: &str) -> IntGauge {
    register(IntGauge::new(name, help).expect("a valid metric definition"))
}

/// A registered histogram with `buckets` (seconds, ascending).
pub fn histogram(name: &str, help: &str, buckets: &[f64]) -> Histogram {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(Histogram::with_opts(opts).expect("a valid metric definition"))
}

/// A registered histogram family with `buckets` (seconds, ascending).
pub fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    register(HistogramVec::new(opts, labels).expect("a valid metric definition"))
}

/// Registers `collector` in the default registry; a clash is logged and the collector
/// still works, unexported.
fn register<C: Collector + Clone + 'static>(collector: C) -> C {
    if let Err(e) = prometheus::register(Box::new(collector.clone())) {
        tracing::warn!(error = %e, "a metric could not be registered");
    }
    collector
}

/// The Prometheus text exposition of every registered metric (what `/metrics` serves).
pub fn render() -> Result<String, prometheus::Error> {
    prometheus::TextEncoder::new().encode_to_string(&prometheus::gather())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_metrics_are_rendered_and_a_clash_does_not_panic() {
        let counter = int_counter_vec("gochat_test_things_total", "Things.", &["kind"]);
        counter.with_label_values(&["a"]).inc_by(2);
        let again = int_counter_vec("gochat_test_things_total", "Things.", &["kind"]);
        again.with_label_values(&["a"]).inc();
        let text = render().unwrap();
        assert!(
            text.contains("gochat_test_things_total{kind=\"a\"} 2"),
            "{text}"
        );
    }
}
