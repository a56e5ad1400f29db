//! The chat service's metrics.

use std::sync::LazyLock;

use prometheus::{IntCounter, IntCounterVec};

/// Messages stored by a send (an idempotent repeat of a send is not counted again).
pub(crate) static MESSAGES_SENT: LazyLock<IntCounter> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_counter(
        "gochat_messages_sent_total",
        "Messages accepted and stored by chat; a repeated send with the same client_msg_id counts once.",
    )
});

/// Messages the republisher published because their send's own publish had failed.
pub(crate) static MESSAGES_REPUBLISHED: LazyLock<IntCounter> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_counter(
        "gochat_messages_republished_total",
        "Stored messages whose send could not publish them, published later by chat's republisher.",
    )
});

/// Claims of sends' idempotency keys in Redis, by outcome: `claimed` (this send was first to
/// claim), `taken` (another send of the same key claimed it first), and `decided_by_row`
/// (the key's idempotency row already existed: a retry after its claim expired or was lost).
pub(crate) static SEND_CLAIMS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_counter_vec(
        "gochat_chat_send_claims_total",
        "Claims of sends' idempotency keys in Redis by outcome (claimed, taken, decided_by_row).",
        &["outcome"],
    )
});
