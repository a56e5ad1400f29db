//! Settings of the Redis event log, with production defaults.

use std::time::Duration;

/// How a [`RedisEventLog`](super::RedisEventLog) names its keys, retains events and runs its
/// gateway side. Build it with struct update syntax over `Default::default()`.
#[derive(Clone, Debug)]
pub struct RedisLogConfig {
    /// First part of every key, so deployments (and tests) sharing a Redis stay apart.
    pub prefix: String,
    /// How long events stay in a user's log at least (trimmed as later events arrive).
    pub retention: Duration,
    /// This gateway's id. `None` builds a log that only publishes and replays (the chat
    /// service); `Some` also runs the consumer that feeds live subscriptions.
    pub gateway_id: Option<String>,
    /// Events a live subscription buffers before it is ended (at least 1).
    pub subscriber_capacity: usize,
    /// How long a gateway's presence for a user lasts without a refresh; it is refreshed
    /// every third of that.
    pub presence_ttl: Duration,
    /// A gateway whose heartbeat is older than this is dead: its inbox is deleted.
    pub dead_gateway_after: Duration,
    /// How often the sweep re-reads the logs of local subscriptions, healing lost
    /// notifications.
    pub sweep_interval: Duration,
    /// Users one sweep pass visits at most (round robin over the local users).
    pub sweep_batch: usize,
    /// Notifications read per XREADGROUP, and log entries read per XRANGE page.
    pub read_batch: usize,
    /// How long one XREADGROUP blocks waiting for notifications.
    pub block: Duration,
    /// Approximate length cap of a gateway's inbox stream.
    pub inbox_max_len: usize,
    /// Expired events one publish removes at most from each recipient's log.
    pub trim_batch: usize,
    /// How long a command may take before it fails (and the call answers `Unavailable`).
    pub command_timeout: Duration,
}

impl Default for RedisLogConfig {
    fn default() -> Self {
        Self {
            prefix: "gochat".to_owned(),
            retention: Duration::from_secs(24 * 60 * 60),
            gateway_id: None,
            subscriber_capacity: 1024,
            presence_ttl: Duration::from_secs(30),
            dead_gateway_after: Duration::from_secs(60),
            sweep_interval: Duration::from_secs(3),
            sweep_batch: 512,
            read_batch: 128,
            block: Duration::from_secs(2),
            inbox_max_len: 10_000,
            trim_batch: 64,
            command_timeout: Duration::from_secs(2),
        }
    }
}

/// `d` in whole milliseconds, at least 1, saturating.
pub(crate) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
