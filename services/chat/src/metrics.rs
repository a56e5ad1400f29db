//! The chat service's metrics.

use std::sync::LazyLock;

use prometheus::IntCounter;

/// Messages stored by a send (an idempotent repeat of a send is not counted again).
pub(crate) static MESSAGES_SENT: LazyLock<IntCounter> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_counter(
        "gochat_messages_sent_total",
        "Messages accepted and stored by chat; a repeated send with the same client_msg_id counts once.",
    )
});
