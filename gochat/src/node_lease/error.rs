//! Why a lease could not be claimed or kept.

/// A failure to claim or keep a node id lease.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Every node id is leased by a live (or recently stopped) replica.
    #[error(
        "every chat node id (0..={max}) is leased in Redis under `{prefix}`: run fewer chat \
         replicas, or wait for the leases of stopped ones to expire",
        max = gochat_chat::MAX_NODE_ID
    )]
    Exhausted {
        /// The Redis key prefix the leases live under.
        prefix: String,
    },
    /// Redis did not answer (in time); the caller may try again.
    #[error("Redis did not answer: {0}")]
    Unavailable(String),
    /// The key is gone or holds another owner: someone else may be using the node id now.
    #[error(
        "the lease on chat node id {node_id} was lost: {}",
        describe_holder(holder)
    )]
    Lost {
        /// The node id whose lease was lost.
        node_id: u16,
        /// Who holds the key now (`None`: nobody, the key is gone).
        holder: Option<String>,
    },
    /// Renewals failed until the lease was about to expire, after which another replica may
    /// claim the node id.
    #[error(
        "could not renew the lease on chat node id {node_id} before it would expire (is Redis \
         reachable?)"
    )]
    Expiring {
        /// The node id whose lease is running out.
        node_id: u16,
    },
}

fn describe_holder(holder: &Option<String>) -> String {
    match holder {
        Some(owner) => format!("its key is now held by {owner:?}"),
        None => "its key is gone".to_owned(),
    }
}

/// A Redis failure as the outage error (Redis errors carry no secrets).
pub(super) fn unavailable(e: redis::RedisError) -> LeaseError {
    LeaseError::Unavailable(e.to_string())
}

/// A Redis call that did not answer within the attempt timeout.
pub(super) fn timed_out(what: &str) -> LeaseError {
    LeaseError::Unavailable(format!("{what} timed out"))
}
