//! The service's settings.

use std::time::Duration;

/// Plain typed settings of the chat service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// This replica's node id (`0..=1023`), part of every message id it hands out; replicas
    /// sharing a store must each have their own.
    pub node_id: u16,
    /// How long a send waits for the event log before answering `unavailable`. The message
    /// stays stored unpublished, and a retry with its `client_msg_id` publishes it again.
    pub publish_timeout: Duration,
    /// How often the republisher looks for stored messages whose publish failed (their
    /// senders may never retry); it takes those older than twice `publish_timeout`.
    pub republish_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            node_id: 0,
            publish_timeout: Duration::from_secs(5),
            republish_interval: Duration::from_secs(5),
        }
    }
}
