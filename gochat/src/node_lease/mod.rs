//! `--node-id auto`: chat replicas lease distinct message-id node ids through Redis.
//!
//! One key per node id, `<prefix>:{chat-node:<id>}`, holding the owner (`<host>:<random>`)
//! with a TTL. A replica claims the first free id of a scan from a random offset with
//! `SET NX PX`, renews it every third of the TTL with a compare-and-pexpire script, and
//! deletes it at shutdown with a compare-and-delete script. Each command touches one key,
//! so this also works on Redis Cluster.

mod error;
mod lease;
mod scripts;

use std::time::{Duration, Instant};

use gochat_chat::MAX_NODE_ID;
use gochat_redis::TracedRedis;
use redis::{Value, aio::ConnectionManager};

pub use error::LeaseError;
pub use lease::NodeLease;

/// How long a lease lives without renewal.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// The shortest TTL [`NodeLeases::with_ttl`] accepts.
const MIN_TTL: Duration = Duration::from_millis(300);

/// The pace of a lease, all derived from its TTL (30 s: renew every 10 s, each try at most
/// 2 s apart by 1 s, give up 5 s before the lease would expire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timing {
    ttl: Duration,
    renew_every: Duration,
    attempt_timeout: Duration,
    retry_pause: Duration,
    margin: Duration,
}

impl Timing {
    fn for_ttl(ttl: Duration) -> Self {
        let ttl = ttl.max(MIN_TTL);
        Self {
            ttl,
            renew_every: ttl / 3,
            attempt_timeout: ttl / 15,
            retry_pause: ttl / 30,
            margin: ttl / 6,
        }
    }

    /// The TTL in whole milliseconds for `PX` / `PEXPIRE`.
    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

/// Claims node id leases under one key prefix. Cheap to clone.
#[derive(Clone)]
pub struct NodeLeases {
    conn: TracedRedis<ConnectionManager>,
    prefix: String,
    timing: Timing,
}

impl NodeLeases {
    /// Leases under `<prefix>:` (the installation's Redis prefix; it should not contain `{`
    /// or `}`), living [`DEFAULT_TTL`] without renewal.
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn: TracedRedis::new(conn),
            prefix: prefix.into(),
            timing: Timing::for_ttl(DEFAULT_TTL),
        }
    }

    /// The same claimer with leases living `ttl` (at least 300 ms; tests use short ones).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.timing = Timing::for_ttl(ttl);
        self
    }

    /// The key holding the lease on `node_id`.
    pub fn key(&self, node_id: u16) -> String {
        format!("{}:{{chat-node:{node_id}}}", self.prefix)
    }

    /// Claims a free node id for a new owner token, scanning from a random offset so that
    /// replicas starting together rarely contend for the same keys.
    pub async fn claim(&self) -> Result<NodeLease, LeaseError> {
        self.claim_from(rand::random_range(0..=MAX_NODE_ID), new_owner())
            .await
    }

    /// Claims the first free node id at or after `start` (wrapping) for `owner`.
    async fn claim_from(&self, start: u16, owner: String) -> Result<NodeLease, LeaseError> {
        let mut conn = self.conn.clone();
        for step in 0..=MAX_NODE_ID {
            let node_id = (start % (MAX_NODE_ID + 1) + step) % (MAX_NODE_ID + 1);
            let key = self.key(node_id);
            let mut set = redis::cmd("SET");
            set.arg(&key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(self.timing.ttl_ms());
            let sent = Instant::now();
            let reply = tokio::time::timeout(
                self.timing.attempt_timeout,
                set.query_async::<Value>(&mut conn),
            )
            .await
            .map_err(|_| error::timed_out("claiming a node id"))?
            .map_err(error::unavailable)?;
            if !matches!(reply, Value::Nil) {
                return Ok(NodeLease::new(
                    conn,
                    key,
                    node_id,
                    owner,
                    self.timing,
                    sent + self.timing.ttl,
                ));
            }
        }
        Err(LeaseError::Exhausted {
            prefix: self.prefix.clone(),
        })
    }
}

/// A token that names this process in Redis: the host name (the pod, on Kubernetes) and a
/// random part, so two processes on one host never share it.
fn new_owner() -> String {
    let host = crate::host::host_name().unwrap_or_else(|| "unknown-host".to_owned());
    format!("{host}:{:016x}", rand::random::<u64>())
}

#[cfg(test)]
mod tests;
