//! The embedded [`CodeStore`]: one redb file, every operation one transaction.

use std::{path::Path, sync::Arc};

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::{CodeRecord, CodeStore, StoreError};
use crate::hash::SALT_LEN;

/// address -> encoded [`CodeRecord`].
const CODES: TableDefinition<&str, &[u8]> = TableDefinition::new("codes");
/// address -> (window start ms, sends in that window).
const SENDS: TableDefinition<&str, (i64, u32)> = TableDefinition::new("sends");

/// Codes and send counters in a redb file (`<data_dir>/email.redb` in local mode).
/// redb serializes write transactions, which makes each read-modify-write atomic.
#[derive(Clone)]
pub struct RedbCodeStore {
    db: Arc<Database>,
}

impl RedbCodeStore {
    /// Opens (or creates) the store file at `path` and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = gochat_group_commit::open_database(path).map_err(unavailable)?;
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(CODES).map_err(unavailable)?;
        txn.open_table(SENDS).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
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
}

fn unavailable(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Unavailable(e.into().to_string())
}

/// Applies `change` to the address's record inside one write transaction; `change` gets the
/// current record and returns what to return plus whether to write back or delete.
fn update<T>(
    db: &Database,
    email: &str,
    change: impl FnOnce(Option<CodeRecord>) -> (T, Write),
) -> Result<T, StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let out = {
        let mut table = txn.open_table(CODES).map_err(unavailable)?;
        let current = match table.get(email).map_err(unavailable)? {
            Some(bytes) => Some(CodeRecord::decode(bytes.value())?),
            None => None,
        };
        let (out, write) = change(current);
        match write {
            Write::Keep => {}
            Write::Put(record) => {
                table
                    .insert(email, record.encode().as_slice())
                    .map_err(unavailable)?;
            }
            Write::Delete => {
                table.remove(email).map_err(unavailable)?;
            }
        }
        out
    };
    txn.commit().map_err(unavailable)?;
    Ok(out)
}

/// What [`update`] does with the record after the change.
enum Write {
    Keep,
    Put(CodeRecord),
    Delete,
}

#[async_trait]
impl CodeStore for RedbCodeStore {
    async fn put(&self, email: &str, record: &CodeRecord) -> Result<(), StoreError> {
        let (email, record) = (email.to_owned(), *record);
        self.run(move |db| update(db, &email, |_| ((), Write::Put(record))))
            .await
    }

    async fn get(&self, email: &str) -> Result<Option<CodeRecord>, StoreError> {
        let email = email.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(CODES).map_err(unavailable)?;
            match table.get(email.as_str()).map_err(unavailable)? {
                Some(bytes) => Ok(Some(CodeRecord::decode(bytes.value())?)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn count_attempt(&self, email: &str) -> Result<Option<CodeRecord>, StoreError> {
        let email = email.to_owned();
        self.run(move |db| {
            update(db, &email, |current| match current {
                Some(before) => {
                    let after = CodeRecord {
                        attempts: before.attempts.saturating_add(1),
                        ..before
                    };
                    (Some(before), Write::Put(after))
                }
                None => (None, Write::Keep),
            })
        })
        .await
    }

    async fn consume(&self, email: &str, salt: &[u8; SALT_LEN]) -> Result<bool, StoreError> {
        let (email, salt) = (email.to_owned(), *salt);
        self.run(move |db| {
            update(db, &email, |current| match current {
                Some(record) if record.hash.salt == salt => (true, Write::Delete),
                _ => (false, Write::Keep),
            })
        })
        .await
    }

    async fn count_send(
        &self,
        email: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<u32, StoreError> {
        let email = email.to_owned();
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let count = {
                let mut table = txn.open_table(SENDS).map_err(unavailable)?;
                let current = table
                    .get(email.as_str())
                    .map_err(unavailable)?
                    .map(|v| v.value());
                let (start, count) = match current {
                    Some((start, count))
                        if now_ms >= start && now_ms.saturating_sub(start) < window_ms =>
                    {
                        (start, count.saturating_add(1))
                    }
                    _ => (now_ms, 1),
                };
                table
                    .insert(email.as_str(), (start, count))
                    .map_err(unavailable)?;
                count
            };
            txn.commit().map_err(unavailable)?;
            Ok(count)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(CODES).map_err(unavailable)?;
            table.len().map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests;
