//! The production event log on Redis Streams (Redis >= 7).
//!
//! # Key layout (every key under the configured prefix, hash-tagged for Redis Cluster)
//! - `<prefix>:{u:<user>}:log` — the user's log, a stream; field `p` holds the payload and
//!   the entry id is the [`EventId`]. No TTL: the stream's `max-deleted-entry-id` is the
//!   low-water mark behind `truncated` and must outlive the entries.
//! - `<prefix>:{u:<user>}:gw` — presence, a hash gateway id -> expiry (ms), with a PEXPIRE;
//!   refreshed by each gateway holding live subscriptions of the user.
//! - `<prefix>:{u:<user>}:seen` — when the user was last seen present (ms), stamped with
//!   every presence refresh and when their last subscription on a gateway goes.
//! - `<prefix>:{gw:<id>}:inbox` — one gateway's notifications, a stream of `u = <user>`
//!   entries (no payload; with `s = <signal>` for a signal) read with the consumer group
//!   `gateway`, capped by MAXLEN ~, expiring (2 x the dead-gateway timeout) unless its
//!   gateway keeps heartbeating.
//! - `<prefix>:gateways` — gateway heartbeats, a sorted set id -> ms (expires like an inbox
//!   once no gateway heartbeats).
//! - `<prefix>:origin` — when the dataset began (ms), set when missing by every connect,
//!   heartbeat and replay: a resume point older than it is reported truncated, so a Redis
//!   that lost its data (FLUSHALL, a restart without persistence, whose logs and low-water
//!   marks are gone) sends clients to message history instead of silently skipping.
//! - `<prefix>:revocations` — the revocation feed, a stream of ended sessions
//!   ([`RedisRevocations`]).
//!
//! # Flow
//! `publish` XADDs to each recipient's log, then reads the recipient's presence and XADDs a
//! notification to each present gateway's inbox. A gateway's consumer reads its inbox and,
//! per notified user, reads the USER LOG from the cursors of its local subscriptions, so
//! live order is always log order, a lost notification is healed by the next one, and a
//! periodic sweep heals the last one. `subscribe` writes presence first and only then reads
//! the log's last id as the cursor, so no event falls between the caller's replay and the
//! live stream.
//!
//! Redis errors make calls answer [`DeliveryError::Unavailable`]; the background tasks log,
//! back off and resume by themselves, and subscriptions keep their cursors across an outage.

mod config;
mod consumer;
mod deliver;
mod keys;
mod maintenance;
mod presence;
mod publish;
mod registry;
mod replay;
mod reply;
mod revocations;
mod subscribe;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use ::redis::{
    Client, RedisError,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use async_trait::async_trait;
use bytes::Bytes;
use gochat_redis::TracedRedis;
use tokio_util::sync::{CancellationToken, DropGuard};

pub use config::RedisLogConfig;
pub use revocations::RedisRevocations;

use crate::{DeliveryError, EventId, EventLog, Presence, Replay, Subscription, now_ms};
use config::ms;
use keys::Keys;
use registry::Registry;

/// A Redis command or its reply failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The command failed or Redis could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] RedisError),
    /// Redis answered something the command does not document.
    #[error(transparent)]
    Reply(#[from] reply::ReplyError),
}

impl Failure {
    /// The error Redis answers when a consumer group (or its stream) is missing.
    fn is_no_group(&self) -> bool {
        matches!(self, Failure::Redis(e) if e.code() == Some("NOGROUP"))
    }
}

impl From<Failure> for DeliveryError {
    fn from(failure: Failure) -> Self {
        DeliveryError::Unavailable(failure.to_string())
    }
}

/// How long a last-seen stamp is kept after the user was last present.
pub(crate) const SEEN_TTL: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// A command connection whose commands are traced and timed (the inbox reader's blocking
/// reads are not: their time is mostly waiting).
pub(crate) type Conn = TracedRedis<ConnectionManager>;

/// State shared by the handles and the background tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    conn: Conn,
    keys: Keys,
    config: RedisLogConfig,
    registry: Registry,
    reclaimed: AtomicU64,
}

impl Shared {
    fn gateway_id(&self) -> Option<&str> {
        self.config.gateway_id.as_deref()
    }
}

/// Per-user event logs in Redis Streams, with live delivery to this gateway's
/// subscriptions. Clones share the connections, subscriptions and background tasks, which
/// stop when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct RedisEventLog {
    shared: Arc<Shared>,
    _stop: Arc<DropGuard>,
}

/// Connection settings: fail fast while Redis is down (callers answer `Unavailable`), the
/// manager reconnects in the background.
fn manager_config(
    response_timeout: Duration,
    connect_timeout: Duration,
) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(connect_timeout))
        .set_response_timeout(Some(response_timeout))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(100))
        .set_max_delay(Duration::from_secs(1))
}

fn unavailable(e: RedisError) -> DeliveryError {
    DeliveryError::Unavailable(format!("redis: {e}"))
}

impl RedisEventLog {
    /// Connects to the Redis at `url` (`redis://host:port/db`). With a gateway id it also
    /// creates this gateway's inbox, records its first heartbeat, and starts its consumer
    /// and its maintenance (heartbeat, presence refresh, sweep, dead-gateway cleanup).
    pub async fn connect(url: &str, config: RedisLogConfig) -> Result<Self, DeliveryError> {
        if config.gateway_id.as_deref() == Some("") {
            return Err(DeliveryError::Unavailable(
                "the gateway id must not be empty".to_owned(),
            ));
        }
        let client = Client::open(url).map_err(unavailable)?;
        let timeout = config.command_timeout.max(Duration::from_millis(1));
        let conn =
            ConnectionManager::new_with_config(client.clone(), manager_config(timeout, timeout))
                .await
                .map_err(unavailable)?;
        let shared = Arc::new(Shared {
            conn: TracedRedis::new(conn),
            keys: Keys::new(&config.prefix),
            registry: Registry::new(config.subscriber_capacity),
            reclaimed: AtomicU64::new(0),
            config,
        });
        replay::origin(&shared.conn, &shared.keys).await?;
        let stop = CancellationToken::new();
        if let Some(id) = shared.gateway_id() {
            // The inbox exists before `connect` returns: publishers only append to an
            // existing inbox, so a subscription made right after would otherwise wait for
            // the sweep until the consumer task got round to creating it.
            consumer::ensure_group(&shared, &shared.keys.inbox(id)).await?;
            // Likewise, other gateways see this one alive from the start.
            maintenance::beat(&shared).await?;
            let reader_config = manager_config(shared.config.block + timeout, timeout);
            let reader = ConnectionManager::new_lazy_with_config(client, reader_config)
                .map_err(unavailable)?;
            tokio::spawn(consumer::run(Arc::clone(&shared), reader, stop.clone()));
            tokio::spawn(maintenance::run(Arc::clone(&shared), stop.clone()));
        }
        Ok(Self {
            shared,
            _stop: Arc::new(stop.drop_guard()),
        })
    }

    /// This gateway's id, if it runs the gateway side.
    pub fn gateway_id(&self) -> Option<&str> {
        self.shared.gateway_id()
    }

    /// Live subscriptions of `user` on this process (for metrics and tests).
    pub fn live_subscribers(&self, user: &str) -> usize {
        self.shared.registry.count(user)
    }

    /// The most events a live subscription buffers before it is ended.
    pub fn subscriber_capacity(&self) -> usize {
        self.shared.registry.capacity()
    }

    /// Inbox notifications this process took over from pending lists (a previous
    /// incarnation of this gateway, or its own reads that failed before the ack).
    pub fn reclaimed_notifications(&self) -> u64 {
        self.shared.reclaimed.load(Ordering::Relaxed)
    }

    /// Removes up to `max` events older than `before_ms` from `user`'s log, as retention
    /// does, advancing the low-water mark behind `truncated`; returns how many went.
    pub async fn trim_older_than(
        &self,
        user: &str,
        before_ms: u64,
        max: usize,
    ) -> Result<usize, DeliveryError> {
        let shared = &self.shared;
        Ok(publish::trim(&shared.conn, &shared.keys, user, before_ms, max).await?)
    }
}

#[async_trait]
impl EventLog for RedisEventLog {
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        let users = crate::log::distinct_recipients(recipients);
        if users.is_empty() {
            return Ok(());
        }
        let shared = &self.shared;
        let settings = publish::PublishSettings {
            keys: &shared.keys,
            now_ms: now_ms(),
            retention_ms: ms(shared.config.retention),
            trim_batch: shared.config.trim_batch,
            inbox_max_len: shared.config.inbox_max_len,
        };
        Ok(publish::publish(&shared.conn, &settings, &users, &payload).await?)
    }

    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError> {
        let shared = &self.shared;
        Ok(replay::replay(&shared.conn, &shared.keys, user, after, limit).await?)
    }

    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError> {
        subscribe::subscribe(&self.shared, user).await
    }

    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        let users = crate::log::distinct_recipients(recipients);
        Ok(presence::signal(&self.shared, &users, &payload).await?)
    }

    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError> {
        Ok(presence::presence(&self.shared, users).await?)
    }

    async fn release(&self, user: &str) -> Result<Presence, DeliveryError> {
        Ok(presence::release(&self.shared, user).await?)
    }

    async fn ping(&self) -> Result<(), DeliveryError> {
        ::redis::cmd("PING")
            .query_async::<String>(&mut self.shared.conn.clone())
            .await
            .map(drop)
            .map_err(unavailable)
    }
}
