//! The embedded store: accounts and sessions in one redb file, every operation one
//! transaction (redb serializes write transactions, which makes each check-and-write atomic).

mod accounts;
mod sessions;

use std::{path::Path, sync::Arc};

use redb::{Database, ReadableDatabase, TableDefinition};
use serde::{Serialize, de::DeserializeOwned};

use super::StoreError;

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "auth.redb";

/// account id -> JSON [`super::AccountRecord`].
const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
/// normalized email -> account id: the uniqueness index.
const EMAILS: TableDefinition<&str, &str> = TableDefinition::new("accounts_by_email");
/// session id -> JSON [`super::SessionRecord`].
const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");

/// Accounts and sessions in a redb file (`<data_dir>/auth.redb` in local mode); implements
/// both [`super::AccountStore`] and [`super::SessionStore`].
#[derive(Clone)]
pub struct RedbStore {
    db: Arc<Database>,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens (or creates) the store file at `path` and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = gochat_group_commit::open_database(path).map_err(unavailable)?;
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(ACCOUNTS).map_err(unavailable)?;
        txn.open_table(EMAILS).map_err(unavailable)?;
        txn.open_table(SESSIONS).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Deletes sessions that can no longer be used (revoked, or expired before `now_ms`);
    /// returns how many. Presenting a deleted session's token is refused all the same.
    pub fn purge_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        let txn = self.db.begin_write().map_err(unavailable)?;
        let mut purged = 0;
        {
            let mut table = txn.open_table(SESSIONS).map_err(unavailable)?;
            table
                .retain(|_, bytes| {
                    let keep = decode::<super::SessionRecord>(bytes)
                        .map_or(true, |session| session.is_live(now_ms));
                    purged += u64::from(!keep);
                    keep
                })
                .map_err(unavailable)?;
        }
        txn.commit().map_err(unavailable)?;
        Ok(purged)
    }

    /// Runs blocking redb work off the async runtime.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }

    /// A cheap read transaction, for readiness.
    async fn ping_db(&self) -> Result<(), StoreError> {
        self.run(|db| db.begin_read().map(drop).map_err(unavailable))
            .await
    }
}

fn unavailable(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Unavailable(e.into().to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests;
