//! The event-log contract that the embedded and the Redis implementations both fulfil.

use async_trait::async_trait;
use bytes::Bytes;

use crate::EventId;

/// One event in a user's log: an opaque payload (an encoded `DeliveryEvent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Its position in the user's log; the API's `event_id`.
    pub id: EventId,
    /// The encoded event.
    pub payload: Bytes,
}

/// What a replay found after a resume point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replay {
    /// Retained events after the resume point, oldest first.
    pub events: Vec<Event>,
    /// True when events after the resume point were already trimmed away, so the log alone
    /// cannot say what was missed (the caller falls back to message history).
    pub truncated: bool,
}

/// Failures of the event log's backend.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The backend cannot be reached or failed; retrying later may work.
    #[error("event log unavailable: {0}")]
    Unavailable(String),
}

/// Whether a user is connected anywhere, and when they last were.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Presence {
    /// The user has a live subscription on some process.
    pub online: bool,
    /// While offline: when the user was last seen connected (ms since the Unix epoch), if
    /// known. `None` while online.
    pub last_seen_ms: Option<u64>,
}

/// Live events for one user on this process, in log order, and the signals sent to them.
/// Dropping it ends the subscription. When the subscriber falls too far behind, the stream
/// ends early (the receiver yields `None`) rather than buffering without bound; the client
/// then resumes with `since`.
#[derive(Debug)]
pub struct Subscription {
    events: flume::Receiver<Event>,
    signals: Option<flume::Receiver<Bytes>>,
    came_online: bool,
}

impl Subscription {
    /// Wraps the receiving end of events that an implementation feeds, without signals.
    pub fn new(events: flume::Receiver<Event>) -> Self {
        Self {
            events,
            signals: None,
            came_online: false,
        }
    }

    /// Wraps the receiving ends of events and signals; `came_online` says whether this
    /// subscription made the user present (they had no other live one anywhere).
    pub fn with_signals(
        events: flume::Receiver<Event>,
        signals: flume::Receiver<Bytes>,
        came_online: bool,
    ) -> Self {
        Self {
            events,
            signals: Some(signals),
            came_online,
        }
    }

    /// The next live event, or `None` when the subscription has ended.
    pub async fn next(&self) -> Option<Event> {
        self.events.recv_async().await.ok()
    }

    /// The next signal (see [`EventLog::signal`]). Never resolves once the subscription has
    /// no more signals to give: its end shows in [`Self::next`].
    pub async fn next_signal(&self) -> Bytes {
        match &self.signals {
            Some(signals) => match signals.recv_async().await {
                Ok(signal) => signal,
                Err(_) => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }

    /// Whether the user had no live subscription anywhere when this one started.
    pub fn came_online(&self) -> bool {
        self.came_online
    }
}

/// Per-user ordered, retained, resumable event logs.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Appends `payload` to the log of every user in `recipients`; each gets its own id,
    /// larger than every id already in that user's log. Live subscribers are notified.
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError>;

    /// Up to `limit` retained events of `user` strictly after `after`, oldest first.
    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError>;

    /// Starts live delivery of `user`'s events appended from now on to this process, and
    /// marks the user present here.
    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError>;

    /// Hands `payload` to the live subscriptions of each of `recipients`, on whatever
    /// process they are, without logging it: best-effort, never replayed, dropped for a
    /// subscription whose signal buffer is full (typing, presence changes). Only the
    /// processes where a recipient is present do any work.
    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError>;

    /// Whether each of `users` is present anywhere, and when each was last seen; in order.
    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError>;

    /// Called after dropping a subscription of `user`: when this process holds no other,
    /// the user is no longer present here and is last seen now. Answers the user's presence
    /// afterwards (still online while another subscription lives, here or elsewhere).
    async fn release(&self, user: &str) -> Result<Presence, DeliveryError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), DeliveryError>;
}

/// `recipients` without repeats, in first-seen order, so each user gets an event once
/// whichever implementation publishes.
pub(crate) fn distinct_recipients(recipients: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(recipients.len());
    recipients
        .iter()
        .filter(|user| seen.insert(user.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::distinct_recipients;

    #[test]
    fn recipients_are_deduplicated_in_order() {
        let users: Vec<String> = ["b", "a", "b", "c", "a"].map(str::to_owned).into();
        assert_eq!(distinct_recipients(&users), ["b", "a", "c"]);
        assert!(distinct_recipients(&[]).is_empty());
    }
}
