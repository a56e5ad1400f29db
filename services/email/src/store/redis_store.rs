//! The production [`CodeStore`]: Redis, every operation one command or one Lua script on
//! one address's keys, so each is atomic and works on Redis Cluster.
//!
//! Keys (all of one address share the hash tag `{e:<email>}`):
//! - `<prefix>:{e:<email>}:code`: the [`CodeRecord`] in its fixed binary layout, with a TTL
//!   that outlives the code's expiry by a grace period (so an expired code still answers
//!   EXPIRED for a while instead of INVALID);
//! - `<prefix>:{e:<email>}:sends`: a hash `{s: window start ms, n: sends}` expiring with
//!   its window.

mod scripts;

use std::time::Duration;

use async_trait::async_trait;
use gochat_redis::TracedRedis;
use redis::aio::ConnectionManager;

use super::{CodeRecord, CodeStore, StoreError};
use crate::hash::SALT_LEN;

/// The key prefix used when nothing else is configured.
pub const DEFAULT_REDIS_PREFIX: &str = "gochat";

/// How long a code record outlives its `expires_at_ms` by default.
pub const DEFAULT_EXPIRED_GRACE: Duration = Duration::from_secs(60 * 60);

/// The longest TTL a key gets: one year.
const MAX_RECORD_TTL_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// Codes and send counters in Redis. Cheap to clone; the [`ConnectionManager`] reconnects by
/// itself, so the store works again once Redis is back without being rebuilt.
#[derive(Clone)]
pub struct RedisCodeStore {
    conn: TracedRedis<ConnectionManager>,
    prefix: String,
    grace: Duration,
}

impl RedisCodeStore {
    /// A store over `conn` whose keys all start with `<prefix>:` (use a unique prefix per
    /// test; it should not contain `{` or `}`, which would change the hash tag).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn: TracedRedis::new(conn),
            prefix: prefix.into(),
            grace: DEFAULT_EXPIRED_GRACE,
        }
    }

    /// The same store keeping expired codes for `grace` after their expiry (default 1 h).
    pub fn with_expired_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The key holding the address's code record.
    pub fn code_key(&self, email: &str) -> String {
        format!("{}:{{e:{email}}}:code", self.prefix)
    }

    /// The key holding the address's send counter.
    pub fn sends_key(&self, email: &str) -> String {
        format!("{}:{{e:{email}}}:sends", self.prefix)
    }

    /// The TTL for a record expiring at `expires_at_ms`, measured from `now_ms` (this
    /// process's clock): the time left plus the grace, never less than the grace, between
    /// 1 ms and [`MAX_RECORD_TTL_MS`] (Redis refuses expiries past its clock's range).
    fn record_ttl_ms(&self, expires_at_ms: i64, now_ms: i64) -> u64 {
        let left = u64::try_from(expires_at_ms.saturating_sub(now_ms)).unwrap_or(0);
        let grace = u64::try_from(self.grace.as_millis()).unwrap_or(u64::MAX);
        left.saturating_add(grace).clamp(1, MAX_RECORD_TTL_MS)
    }
}

/// A Redis failure as the trait's outage error (Redis errors carry no secrets).
fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Decodes an optional stored record.
fn decode(bytes: Option<Vec<u8>>) -> Result<Option<CodeRecord>, StoreError> {
    bytes
        .map(|b| CodeRecord::decode(&b).map_err(StoreError::from))
        .transpose()
}

#[async_trait]
impl CodeStore for RedisCodeStore {
    async fn put(&self, email: &str, record: &CodeRecord) -> Result<(), StoreError> {
        let ttl = self.record_ttl_ms(record.expires_at_ms, gochat_runtime::clock::now_ms());
        redis::cmd("SET")
            .arg(self.code_key(email))
            .arg(record.encode())
            .arg("PX")
            .arg(ttl)
            .exec_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn get(&self, email: &str) -> Result<Option<CodeRecord>, StoreError> {
        let bytes: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.code_key(email))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        decode(bytes)
    }

    async fn count_attempt(&self, email: &str) -> Result<Option<CodeRecord>, StoreError> {
        let bytes: Option<Vec<u8>> = scripts::count_attempt()
            .key(self.code_key(email))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        decode(bytes)
    }

    async fn consume(&self, email: &str, salt: &[u8; SALT_LEN]) -> Result<bool, StoreError> {
        scripts::consume()
            .key(self.code_key(email))
            .arg(salt.as_slice())
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }

    async fn count_send(
        &self,
        email: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<u32, StoreError> {
        let window_ms = window_ms.max(1);
        let count: i64 = scripts::count_send()
            .key(self.sends_key(email))
            .arg(now_ms)
            .arg(window_ms)
            .arg(window_ms.min(i64::try_from(MAX_RECORD_TTL_MS).unwrap_or(i64::MAX)))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(u32::try_from(count.max(0)).unwrap_or(u32::MAX))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        redis::cmd("PING")
            .exec_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests;
