//! The [`EventLog`] conformance suite: the embedded log runs it in this crate's tests, and
//! the Redis implementation runs the same checks, so the two cannot drift apart.
//!
//! Every check uses fresh user ids, so the suite can run against a shared backend. Checks
//! panic (assert) on a violation. [`run_all`] needs a [`LogControl`] for what the trait does
//! not expose (trimming, subscriber bookkeeping); [`run_core`] runs the checks that need
//! nothing but the log.

mod live;
mod order;
mod retention;
mod revocations;
mod signals;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use bytes::Bytes;

use crate::{DeliveryError, Event, EventId, EventLog, Subscription};

pub use live::{
    dropped_subscriptions_are_pruned, every_subscription_of_a_user_receives,
    live_events_arrive_in_order, overflowing_subscription_ends_without_blocking_publish,
};
pub use order::{
    concurrent_publishes_get_unique_increasing_ids, ids_increase_per_user,
    paging_sees_every_event_once, publish_lands_in_every_recipients_log,
    replay_returns_later_events_in_order,
};
pub use retention::{ping_answers, truncation_is_reported_after_trimming};
pub use revocations::revocations_reach_every_reader_in_order;
pub use signals::{presence_follows_subscriptions, signals_reach_present_recipients_only};

/// What the suite needs from an implementation beyond [`EventLog`].
#[async_trait]
pub trait LogControl: Send + Sync {
    /// Trims every event already published to `users` (others may go too), exactly as
    /// retention does once they are old enough, low-water marks included.
    async fn expire_all(&self, users: &[String]) -> Result<(), DeliveryError>;

    /// Live subscriptions of `user` this process still holds.
    fn live_subscribers(&self, user: &str) -> usize;

    /// The most events a live subscription buffers before it is ended.
    fn subscriber_capacity(&self) -> usize;
}

/// Runs every check against `log`, using `control` where a check needs it.
pub async fn run_all(log: Arc<dyn EventLog>, control: Arc<dyn LogControl>) {
    run_core(Arc::clone(&log)).await;
    overflowing_subscription_ends_without_blocking_publish(&log, control.as_ref()).await;
    dropped_subscriptions_are_pruned(&log, control.as_ref()).await;
    truncation_is_reported_after_trimming(&log, control.as_ref()).await;
}

/// Runs the checks that need nothing but the log itself.
pub async fn run_core(log: Arc<dyn EventLog>) {
    ids_increase_per_user(&log).await;
    publish_lands_in_every_recipients_log(&log).await;
    replay_returns_later_events_in_order(&log).await;
    paging_sees_every_event_once(&log).await;
    concurrent_publishes_get_unique_increasing_ids(&log).await;
    live_events_arrive_in_order(&log).await;
    every_subscription_of_a_user_receives(&log).await;
    signals_reach_present_recipients_only(&log).await;
    presence_follows_subscriptions(&log).await;
    ping_answers(&log).await;
}

/// How long a check waits for a live event or a publish before calling it stuck.
const PATIENCE: Duration = Duration::from_secs(10);

/// A user id no other run or check uses.
pub fn fresh_user(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("conformance-{tag}-{nanos:x}-{n}")
}

/// The payload of the `n`th event of a check.
fn payload(n: usize) -> Bytes {
    Bytes::from(format!("event-{n}"))
}

/// Publishes `payload` to `users`, failing the check if it errs or takes too long.
async fn publish(log: &Arc<dyn EventLog>, users: &[String], payload: Bytes) {
    tokio::time::timeout(PATIENCE, log.publish(users, payload))
        .await
        .expect("publish must not block")
        .expect("publish failed");
}

/// Everything retained in `user`'s log.
async fn replay_all(log: &Arc<dyn EventLog>, user: &str) -> Vec<Event> {
    log.replay(user, EventId::ZERO, 100_000)
        .await
        .expect("replay failed")
        .events
}

/// The next live event, or `None` once the subscription has ended; fails the check if
/// neither comes in time.
async fn next_live(sub: &mut Subscription) -> Option<Event> {
    tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("no live event arrived in time")
}

/// Ids of `events`.
fn ids(events: &[Event]) -> Vec<EventId> {
    events.iter().map(|e| e.id).collect()
}

/// Fails unless `ids` strictly increase.
fn assert_increasing(ids: &[EventId]) {
    for pair in ids.windows(2) {
        assert!(
            pair[0] < pair[1],
            "ids must strictly increase: {} then {}",
            pair[0],
            pair[1]
        );
    }
}
