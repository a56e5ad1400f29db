//! Send claims in Redis: what makes concurrent sends of one idempotency key agree on one
//! message without a lightweight transaction.
//!
//! A send first claims (conversation, sender, `client_msg_id`) with `SET NX` for a short
//! time. The claimer then reads the key's idempotency row, which decides for keys whose
//! claim has expired or was lost (the tiebreak), and writes the rows with plain writes. A
//! send that finds the key claimed gets the claimer's message id and, if the claimer's rows
//! are not there yet, writes the same rows under that id. Two sends of one key can both
//! store a message only if Redis loses the first one's claim in the milliseconds between
//! that claim and its idempotency row being written (a restart without persistence, or a
//! failover to a replica that had not yet received it).

use std::time::Duration;

use gochat_redis::TracedRedis;
use redis::aio::ConnectionManager;

use crate::{MessageId, StoreError};

/// How long a claim is kept by default: long enough to cover a send's writes, with the
/// idempotency row deciding after it.
pub const DEFAULT_CLAIM_TTL: Duration = Duration::from_secs(60);

/// The claims of one deployment, under a key prefix shared by every chat replica.
#[derive(Clone, Debug)]
pub struct SendClaims {
    conn: TracedRedis<ConnectionManager>,
    prefix: String,
    ttl_ms: u64,
}

/// What claiming a key found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Claim {
    /// This send holds the claim.
    Claimed,
    /// Another send claimed the key first, for this message id.
    Taken(MessageId),
}

impl SendClaims {
    /// Claims under `prefix` (the deployment's Redis key prefix, as `--redis-prefix`) on
    /// `conn`, kept for [`DEFAULT_CLAIM_TTL`]; keys as [`claim_key`] makes them.
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self {
            conn: TracedRedis::new(conn),
            prefix: prefix.to_owned(),
            ttl_ms: u64::try_from(DEFAULT_CLAIM_TTL.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Keeps claims for `ttl` (at least 1 ms).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self
    }

    /// Claims the key for message `id`, or finds the id of the send that claimed it first.
    pub(super) async fn claim(
        &self,
        conversation_id: &str,
        sender_id: &str,
        client_msg_id: &str,
        id: MessageId,
    ) -> Result<Claim, StoreError> {
        let key = claim_key(&self.prefix, conversation_id, sender_id, client_msg_id);
        let previous: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(id.to_string())
            .arg("NX")
            .arg("PX")
            .arg(self.ttl_ms)
            .arg("GET")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| StoreError::Unavailable(format!("claiming a send: {e}")))?;
        let claim = match previous {
            None => Claim::Claimed,
            Some(first) => first.parse().map(Claim::Taken).map_err(|e| {
                StoreError::Corrupt(format!("send claim {key:?} holds {first:?}: {e}"))
            })?,
        };
        let outcome = match claim {
            Claim::Claimed => "claimed",
            Claim::Taken(_) => "taken",
        };
        crate::metrics::SEND_CLAIMS
            .with_label_values(&[outcome])
            .inc();
        Ok(claim)
    }
}

/// `<prefix>:{c:<conversation>}:claim:<sender>:<client_msg_id>`: the conversation is the hash
/// tag, like every gochat key (one slot per key in Redis Cluster). Conversation and sender
/// ids never contain ':', so the key is unambiguous.
pub fn claim_key(
    prefix: &str,
    conversation_id: &str,
    sender_id: &str,
    client_msg_id: &str,
) -> String {
    format!("{prefix}:{{c:{conversation_id}}}:claim:{sender_id}:{client_msg_id}")
}
