//! Helpers of the Redis backend tests: configs with unique prefixes, the conformance
//! hooks, raw Redis inspection, and a private redis-server for outage tests.

mod server;

use std::{future::Future, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use gochat_delivery::{
    DeliveryError, Event, EventId, EventLog, Presence, Replay, Subscription,
    conformance::LogControl,
    redis::{RedisEventLog, RedisLogConfig},
};
use gochat_tests::servers::{redis_url, unique_name};

pub use server::outage;

/// How long a test waits for something that should happen promptly.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A gateway (or, without `gateway`, a publisher) config under a prefix of its own, with
/// timings short enough for tests.
pub fn config(tag: &str, gateway: Option<&str>) -> RedisLogConfig {
    RedisLogConfig {
        prefix: unique_name(&format!("delivery_{tag}")),
        gateway_id: gateway.map(str::to_owned),
        subscriber_capacity: 64,
        sweep_interval: Duration::from_millis(500),
        block: Duration::from_secs(1),
        command_timeout: Duration::from_secs(1),
        ..RedisLogConfig::default()
    }
}

/// A publisher sharing `config`'s prefix.
pub fn publisher_of(config: &RedisLogConfig) -> RedisLogConfig {
    RedisLogConfig {
        gateway_id: None,
        ..config.clone()
    }
}

/// Another gateway sharing `config`'s prefix.
pub fn gateway_of(config: &RedisLogConfig, id: &str) -> RedisLogConfig {
    RedisLogConfig {
        gateway_id: Some(id.to_owned()),
        ..config.clone()
    }
}

/// A log on the test Redis.
pub async fn connect(config: RedisLogConfig) -> RedisEventLog {
    RedisEventLog::connect(&redis_url(), config)
        .await
        .expect("connecting to the test Redis")
}

/// A plain connection to the test Redis, for looking at keys.
pub async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The conformance hooks for a Redis log.
pub struct RedisControl {
    pub log: RedisEventLog,
}

#[async_trait]
impl LogControl for RedisControl {
    async fn expire_all(&self, users: &[String]) -> Result<(), DeliveryError> {
        for user in users {
            while self.log.trim_older_than(user, u64::MAX, 1000).await? > 0 {}
        }
        Ok(())
    }

    fn live_subscribers(&self, user: &str) -> usize {
        self.log.live_subscribers(user)
    }

    fn subscriber_capacity(&self) -> usize {
        self.log.subscriber_capacity()
    }
}

/// Publishes and replays through one instance, subscribes through another: the chat
/// service and a gateway.
pub struct Split {
    pub publisher: RedisEventLog,
    pub gateway: RedisEventLog,
}

#[async_trait]
impl EventLog for Split {
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        self.publisher.publish(recipients, payload).await
    }

    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError> {
        self.publisher.replay(user, after, limit).await
    }

    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError> {
        self.gateway.subscribe(user).await
    }

    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        self.publisher.signal(recipients, payload).await
    }

    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError> {
        self.publisher.presence(users).await
    }

    async fn release(&self, user: &str) -> Result<Presence, DeliveryError> {
        self.gateway.release(user).await
    }

    async fn ping(&self) -> Result<(), DeliveryError> {
        self.publisher.ping().await?;
        self.gateway.ping().await
    }
}

/// The next live event; fails the test if none comes in time or the subscription ended.
pub async fn next_event(sub: &mut Subscription) -> Event {
    tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("no live event arrived in time")
        .expect("the subscription ended")
}

/// Everything retained in `user`'s log.
pub async fn replay_all(log: &impl EventLog, user: &str) -> Vec<Event> {
    log.replay(user, EventId::ZERO, 100_000)
        .await
        .expect("replay failed")
        .events
}

/// The users named by the notifications in `inbox`, oldest first.
pub async fn inbox_users(
    redis: &mut redis::aio::MultiplexedConnection,
    inbox: &str,
) -> Vec<String> {
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(inbox)
        .arg("-")
        .arg("+")
        .query_async(redis)
        .await
        .unwrap();
    entries
        .into_iter()
        .flat_map(|(_, fields)| fields.into_iter().filter(|(k, _)| k == "u").map(|(_, v)| v))
        .collect()
}

/// How many notifications of `inbox` were read and not acknowledged.
pub async fn pending(redis: &mut redis::aio::MultiplexedConnection, inbox: &str) -> i64 {
    let summary: redis::Value = redis::cmd("XPENDING")
        .arg(inbox)
        .arg("gateway")
        .query_async(redis)
        .await
        .unwrap();
    match summary {
        redis::Value::Array(parts) => match parts.first() {
            Some(redis::Value::Int(n)) => *n,
            other => panic!("unexpected XPENDING count: {other:?}"),
        },
        other => panic!("unexpected XPENDING reply: {other:?}"),
    }
}

/// Polls `check` until it holds, failing the test after [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deletes every key under `prefix` from the shared test Redis (user logs have no TTL).
pub async fn cleanup(prefix: &str) {
    let mut redis = raw().await;
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut redis)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("UNLINK")
                .arg(keys)
                .exec_async(&mut redis)
                .await
                .unwrap();
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}
