//! Where verification codes and send counters live: the contract and its implementations.

mod record;
mod redb_store;
mod redis_store;

use async_trait::async_trait;

use crate::hash::{CodeHash, SALT_LEN};

pub use record::RecordDecodeError;
pub use redb_store::RedbCodeStore;
pub use redis_store::{DEFAULT_EXPIRED_GRACE, DEFAULT_REDIS_PREFIX, RedisCodeStore};

/// One issued code for one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    /// The code, salted and hashed.
    pub hash: CodeHash,
    /// When the code stops being accepted (ms since the Unix epoch). Stores may drop the
    /// record some time after this (a TTL with a grace period); they must keep it until then.
    pub expires_at_ms: i64,
    /// Attempts counted against this code so far.
    pub attempts: u32,
}

/// Failures of a code store's backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; retrying later may work.
    #[error("code store unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be read back.
    #[error("code store holds a corrupt record: {0}")]
    Corrupt(#[from] RecordDecodeError),
}

/// Verification codes per (lower-cased) address plus per-address send counters.
///
/// Kept small and TTL-friendly so a key-value store with expiry (Redis) implements it
/// directly: every method is one atomic step on one address.
#[async_trait]
pub trait CodeStore: Send + Sync + 'static {
    /// Stores `record` as the address's code, replacing (killing) any earlier one.
    async fn put(&self, email: &str, record: &CodeRecord) -> Result<(), StoreError>;

    /// The address's current code, if any.
    async fn get(&self, email: &str) -> Result<Option<CodeRecord>, StoreError>;

    /// Atomically counts one attempt against the address's current code and returns the
    /// record as it was *before* this attempt (`None` when there is no code). Counting before
    /// comparing means concurrent guesses can never get more tries than the limit.
    async fn count_attempt(&self, email: &str) -> Result<Option<CodeRecord>, StoreError>;

    /// Deletes the address's code if it is still the one whose salt is `salt` (it was not
    /// replaced or consumed meanwhile). Returns whether it deleted it: only one caller wins.
    async fn consume(&self, email: &str, salt: &[u8; SALT_LEN]) -> Result<bool, StoreError>;

    /// Counts one send to the address in the fixed window of `window_ms` that contains
    /// `now_ms` (a window opens at the first send after the previous one closed) and returns
    /// the sends in that window, this one included. Windows are judged by `now_ms`, not by
    /// the backend's own clock (a TTL of `window_ms` may clean the counter up afterwards).
    async fn count_send(&self, email: &str, now_ms: i64, window_ms: i64)
    -> Result<u32, StoreError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}
