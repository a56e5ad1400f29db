//! The per-user event log behind real-time delivery.
//!
//! Every user has an ordered, retained log of events (a message in one of their
//! conversations). The chat service appends to the logs of a message's members; a gateway
//! subscribes for the users connected to it, replays what a reconnecting client missed
//! (`since`), and streams the rest live. Event ids increase within one user's log, and say
//! when the event was appended, so a resume point older than what is retained is detected
//! and the gateway can fall back to message history.
#![forbid(unsafe_code)]

mod event_id;
mod log;
mod metrics;
pub mod revocation;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod embedded;
pub mod redis;

pub use event_id::{EventId, ParseEventIdError};
/// Milliseconds since the Unix epoch (0 before it, `u64::MAX` past it).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Signals a subscription buffers before further ones are dropped.
pub(crate) const SIGNAL_CAPACITY: usize = 64;

pub use log::{DeliveryError, Event, EventLog, Presence, Replay, Subscription};
pub use revocation::{MemoryRevocations, Revocation, RevocationBatch, RevocationFeed};
