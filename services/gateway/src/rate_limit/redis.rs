//! The shared rate-limit store: fixed windows in Redis, so every gateway counts the same
//! hits. One key per limited key, `<prefix>:{rl:<key>}`, counted by one atomic script
//! (`INCR`, `PEXPIRE` when the key is new, `PTTL`), so it also works on Redis Cluster.

use std::{sync::LazyLock, time::Duration};

use async_trait::async_trait;
use gochat_redis::TracedRedis;
use redis::{Script, aio::ConnectionManager};

use super::{RateDecision, RateLimitError, RateLimitStore};

/// The key prefix used when nothing else is configured.
pub const DEFAULT_REDIS_PREFIX: &str = "gochat";

/// Counts a hit on `KEYS[1]`; a new key (or one that somehow lost its expiry) gets a TTL of
/// `ARGV[1]` ms, which is the window. Returns `{count, ms left in the window}`.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

static HIT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(HIT));

/// Fixed-window counters in Redis. Cheap to clone; the [`ConnectionManager`] reconnects by
/// itself, so the store works again once Redis is back without being rebuilt.
#[derive(Clone)]
pub struct RedisRateLimitStore {
    conn: TracedRedis<ConnectionManager>,
    prefix: String,
}

impl RedisRateLimitStore {
    /// A store over `conn` whose keys all start with `<prefix>:` (use a unique prefix per
    /// test; it should not contain `{` or `}`, which would change the hash tag).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn: TracedRedis::new(conn),
            prefix: prefix.into(),
        }
    }

    /// The Redis key counting hits on `key`.
    pub fn redis_key(&self, key: &str) -> String {
        format!("{}:{{rl:{key}}}", self.prefix)
    }
}

/// A window as whole milliseconds for `PEXPIRE`: at least 1, at most `i64::MAX`.
fn window_ms(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1)
}

fn unavailable(e: redis::RedisError) -> RateLimitError {
    RateLimitError::Unavailable(e.to_string())
}

#[async_trait]
impl RateLimitStore for RedisRateLimitStore {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, RateLimitError> {
        let (count, left_ms): (i64, i64) = HIT_SCRIPT
            .key(self.redis_key(key))
            .arg(window_ms(window))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)?;
        Ok(RateDecision {
            allowed: count <= i64::from(limit),
            retry_after: Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)).min(window),
        })
    }

    async fn ping(&self) -> Result<(), RateLimitError> {
        redis::cmd("PING")
            .exec_async(&mut self.conn.clone())
            .await
            .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_positive_milliseconds() {
        assert_eq!(window_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(window_ms(Duration::ZERO), 1);
        assert_eq!(window_ms(Duration::from_micros(10)), 1);
        assert_eq!(window_ms(Duration::MAX), i64::MAX);
    }

    #[tokio::test]
    async fn keys_are_hash_tagged_under_the_prefix() {
        let client = redis::Client::open("redis://127.0.0.1:1/").unwrap();
        let conn = ConnectionManager::new_lazy_with_config(client, Default::default()).unwrap();
        let store = RedisRateLimitStore::new(conn, "gw-test");
        assert_eq!(store.redis_key("ip:10.0.0.1"), "gw-test:{rl:ip:10.0.0.1}");
    }
}
