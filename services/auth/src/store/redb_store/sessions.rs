//! [`SessionStore`] on redb: each rotation is one read-check-write transaction.

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable};

use super::{RedbStore, SESSIONS, decode, encode, unavailable};
use crate::store::{
    RotateOutcome, SecretHash, SessionRecord, SessionStore, StoreError, rotation::decide,
};

#[async_trait]
impl SessionStore for RedbStore {
    async fn create(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let id = session.id.clone();
        let bytes = encode(session)?;
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            {
                let mut table = txn.open_table(SESSIONS).map_err(unavailable)?;
                if table.get(id.as_str()).map_err(unavailable)?.is_some() {
                    return Err(StoreError::SessionExists);
                }
                table
                    .insert(id.as_str(), bytes.as_slice())
                    .map_err(unavailable)?;
            }
            txn.commit().map_err(unavailable)
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(SESSIONS).map_err(unavailable)?;
            let found = table.get(id.as_str()).map_err(unavailable)?;
            found.map(|bytes| decode(bytes.value())).transpose()
        })
        .await
    }

    async fn rotate(
        &self,
        id: &str,
        presented: &SecretHash,
        next: &SecretHash,
        now_ms: i64,
        next_expires_at_ms: i64,
    ) -> Result<RotateOutcome, StoreError> {
        let (id, presented, next) = (id.to_owned(), *presented, *next);
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let outcome = {
                let mut table = txn.open_table(SESSIONS).map_err(unavailable)?;
                let current: Option<SessionRecord> = {
                    let found = table.get(id.as_str()).map_err(unavailable)?;
                    found.map(|bytes| decode(bytes.value())).transpose()?
                };
                let Some(session) = current else {
                    return Ok(RotateOutcome::Invalid);
                };
                let (outcome, write) =
                    decide(session, &presented, &next, now_ms, next_expires_at_ms);
                if let Some(updated) = write {
                    let bytes = encode(&updated)?;
                    table
                        .insert(id.as_str(), bytes.as_slice())
                        .map_err(unavailable)?;
                }
                outcome
            };
            txn.commit().map_err(unavailable)?;
            Ok(outcome)
        })
        .await
    }

    async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let existed = {
                let mut table = txn.open_table(SESSIONS).map_err(unavailable)?;
                let current: Option<SessionRecord> = {
                    let found = table.get(id.as_str()).map_err(unavailable)?;
                    found.map(|bytes| decode(bytes.value())).transpose()?
                };
                match current {
                    Some(mut session) if !session.revoked => {
                        session.revoked = true;
                        let bytes = encode(&session)?;
                        table
                            .insert(id.as_str(), bytes.as_slice())
                            .map_err(unavailable)?;
                        true
                    }
                    Some(_) => true,
                    None => false,
                }
            };
            txn.commit().map_err(unavailable)?;
            Ok(existed)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping_db().await
    }
}
