//! Where accounts and sessions live: the contracts (atomic steps a CQL database with
//! lightweight transactions can implement), the embedded redb implementation and the
//! production one on ScyllaDB.

mod record;
mod redb_store;
mod rotation;
pub mod scylla;

use async_trait::async_trait;

pub use record::{AccountRecord, AccountStatus, SecretHash, SessionRecord};
pub use redb_store::{RedbStore, STORE_FILE};
pub use scylla::ScyllaStore;

/// Most rotated-away secret hashes a session remembers for reuse detection; an older
/// secret is still refused, it just no longer revokes the session.
pub const MAX_ROTATED_HASHES: usize = 512;

/// Failures of a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `AccountStore::create` only: an account with that email exists.
    #[error("an account with that email exists")]
    EmailTaken,
    /// `SessionStore::create` only: a session with that id exists.
    #[error("a session with that id exists")]
    SessionExists,
    /// The backend cannot be reached or failed; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be read back.
    #[error("store holds a corrupt record: {0}")]
    Corrupt(String),
}

/// Accounts, unique by (normalized) email.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Inserts `account` if no account has its email, atomically (an insert-if-absent such
    /// as `IF NOT EXISTS`); [`StoreError::EmailTaken`] otherwise.
    async fn create(&self, account: &AccountRecord) -> Result<(), StoreError>;

    /// The account with this id.
    async fn get(&self, id: &str) -> Result<Option<AccountRecord>, StoreError>;

    /// The account with this normalized email.
    async fn get_by_email(&self, email: &str) -> Result<Option<AccountRecord>, StoreError>;

    /// The accounts among `ids` that exist, in the order asked, each at most once.
    async fn get_many(&self, ids: &[String]) -> Result<Vec<AccountRecord>, StoreError>;

    /// Marks the account active (idempotent) and returns it; `None` when there is none.
    async fn activate(&self, id: &str) -> Result<Option<AccountRecord>, StoreError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// What presenting a refresh secret to [`SessionStore::rotate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RotateOutcome {
    /// It was the current secret: the session now holds the new one (returned as stored).
    Rotated(SessionRecord),
    /// It was a secret rotated away earlier: the token leaked, so the session is revoked.
    Reused,
    /// Unknown session or secret, revoked or expired session: nothing changed.
    Invalid,
}

/// Sessions with rotating refresh secrets.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session; [`StoreError::SessionExists`] if its id is taken.
    async fn create(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// The session with this id, whatever its state.
    async fn get(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Atomically: if `presented` is the current secret of a live session (not revoked,
    /// `expires_at_ms` after `now_ms`), replace it by `next`, remember `presented` as rotated
    /// away and move the expiry to `next_expires_at_ms`; if it is a rotated-away secret,
    /// revoke the session.
    async fn rotate(
        &self,
        id: &str,
        presented: &SecretHash,
        next: &SecretHash,
        now_ms: i64,
        next_expires_at_ms: i64,
    ) -> Result<RotateOutcome, StoreError>;

    /// Revokes the session; returns whether it existed.
    async fn revoke(&self, id: &str) -> Result<bool, StoreError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}
