//! A held lease: renewed while the work that needs its node id runs, released after.

use std::time::Instant;

use gochat_redis::TracedRedis;
use redis::aio::ConnectionManager;

use super::{
    LeaseError, Timing,
    error::{timed_out, unavailable},
    scripts,
};

/// The lease on one node id. While it is held no other replica gets this id; dropped
/// without [`NodeLease::release`] it simply expires.
pub struct NodeLease {
    conn: TracedRedis<ConnectionManager>,
    key: String,
    node_id: u16,
    owner: String,
    timing: Timing,
    /// When Redis expires the key at the latest: measured from before the last successful
    /// claim or renewal was sent, so it never runs later than Redis's own clock.
    expires_at: Instant,
}

impl NodeLease {
    pub(super) fn new(
        conn: TracedRedis<ConnectionManager>,
        key: String,
        node_id: u16,
        owner: String,
        timing: Timing,
        expires_at: Instant,
    ) -> Self {
        Self {
            conn,
            key,
            node_id,
            owner,
            timing,
            expires_at,
        }
    }

    /// The leased node id.
    pub fn node_id(&self) -> u16 {
        self.node_id
    }

    /// The owner token stored in the key (`<host>:<random>`).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The Redis key of the lease.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Extends the lease by its TTL if the key still holds our owner token (one attempt).
    /// [`LeaseError::Lost`] when the key is gone or owned by someone else.
    pub async fn renew(&mut self) -> Result<(), LeaseError> {
        let sent = Instant::now();
        let (renewed, holder): (i64, String) = scripts::renew()
            .key(&self.key)
            .arg(&self.owner)
            .arg(self.timing.ttl_ms())
            .invoke_async(&mut self.conn)
            .await
            .map_err(unavailable)?;
        if renewed == 1 {
            self.expires_at = sent + self.timing.ttl;
            Ok(())
        } else {
            Err(LeaseError::Lost {
                node_id: self.node_id,
                holder: (!holder.is_empty()).then_some(holder),
            })
        }
    }

    /// Deletes the key if it still holds our owner token; `Ok(false)` when it did not (then
    /// it is left alone).
    pub async fn release(mut self) -> Result<bool, LeaseError> {
        let deleted: i64 = scripts::release()
            .key(&self.key)
            .arg(&self.owner)
            .invoke_async(&mut self.conn)
            .await
            .map_err(unavailable)?;
        Ok(deleted == 1)
    }

    /// Runs `work` while keeping the lease, then releases it. If the lease is lost, or
    /// cannot be renewed before it would expire, `work` is dropped at once (it must stop
    /// using the node id) and the error is returned.
    pub async fn hold_while<F: Future>(mut self, work: F) -> Result<F::Output, LeaseError> {
        let outcome = tokio::select! {
            out = work => Ok(out),
            lost = self.keep() => Err(lost),
        };
        match outcome {
            Ok(out) => {
                self.release_at_stop().await;
                Ok(out)
            }
            Err(lost) => {
                tracing::error!(
                    node_id = self.node_id,
                    key = %self.key,
                    error = %lost,
                    "chat lost its node id lease: it stops generating message ids and the \
                     process stops, to claim a node id again when restarted"
                );
                Err(lost)
            }
        }
    }

    /// Renews every third of the TTL until that fails; returns why.
    async fn keep(&mut self) -> LeaseError {
        loop {
            tokio::time::sleep(self.timing.renew_every).await;
            if let Err(e) = self.renew_in_time().await {
                return e;
            }
        }
    }

    /// Renews, retrying with short timeouts as long as an attempt can still finish before
    /// the lease comes within the safety margin of its expiry.
    async fn renew_in_time(&mut self) -> Result<(), LeaseError> {
        let t = self.timing;
        loop {
            let last_chance = self.expires_at.checked_sub(t.margin + t.attempt_timeout);
            if last_chance.is_none_or(|at| Instant::now() > at) {
                return Err(LeaseError::Expiring {
                    node_id: self.node_id,
                });
            }
            let failure = match tokio::time::timeout(t.attempt_timeout, self.renew()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(lost @ LeaseError::Lost { .. })) => return Err(lost),
                Ok(Err(e)) => e,
                Err(_) => timed_out("renewing the node id lease"),
            };
            tracing::warn!(
                node_id = self.node_id,
                error = %failure,
                "renewing the chat node id lease failed; retrying"
            );
            tokio::time::sleep(t.retry_pause).await;
        }
    }

    /// Releases the lease after the work stopped, logging the outcome (a lease that cannot
    /// be released expires by itself).
    async fn release_at_stop(self) {
        let node_id = self.node_id;
        let attempt_timeout = self.timing.attempt_timeout;
        match tokio::time::timeout(attempt_timeout, self.release()).await {
            Ok(Ok(true)) => tracing::info!(node_id, "released the chat node id lease"),
            Ok(Ok(false)) => tracing::warn!(
                node_id,
                "the chat node id lease was no longer ours at shutdown; left it alone"
            ),
            Ok(Err(e)) => tracing::warn!(
                node_id,
                error = %e,
                "could not release the chat node id lease; it expires by itself"
            ),
            Err(_) => tracing::warn!(
                node_id,
                "releasing the chat node id lease timed out; it expires by itself"
            ),
        }
    }
}
