//! [`SessionStore`] on redb: each rotation is one read-check-write transaction.

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable};

use super::{RedbStore, SESSIONS, decode, encode, unavailable};
use crate::store::{
    MAX_ROTATED_HASHES, RotateOutcome, SecretHash, SessionRecord, SessionStore, StoreError,
};

/// Decides what presenting `presented` does to `session` at `now_ms`; returns the outcome
/// and the record to write back, if any.
fn decide(
    mut session: SessionRecord,
    presented: &SecretHash,
    next: &SecretHash,
    now_ms: i64,
    next_expires_at_ms: i64,
) -> (RotateOutcome, Option<SessionRecord>) {
    if session.revoked {
        return (RotateOutcome::Invalid, None);
    }
    if session.rotated_hashes.contains(presented) {
        session.revoked = true;
        return (RotateOutcome::Reused, Some(session));
    }
    if session.secret_hash != *presented || !session.is_live(now_ms) {
        return (RotateOutcome::Invalid, None);
    }
    session.rotated_hashes.push(session.secret_hash);
    let excess = session
        .rotated_hashes
        .len()
        .saturating_sub(MAX_ROTATED_HASHES);
    session.rotated_hashes.drain(..excess);
    session.secret_hash = *next;
    session.expires_at_ms = next_expires_at_ms;
    (RotateOutcome::Rotated(session.clone()), Some(session))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_hashes_are_bounded_oldest_first() {
        let mut session = crate::conformance::sample_session();
        let mut history = Vec::new();
        for _ in 0..MAX_ROTATED_HASHES + 3 {
            let next = SecretHash(rand::random());
            history.push(session.secret_hash);
            let (outcome, write) = decide(session.clone(), &session.secret_hash, &next, 0, 1);
            assert!(matches!(outcome, RotateOutcome::Rotated(_)));
            session = write.expect("rotation writes");
        }
        assert_eq!(session.rotated_hashes.len(), MAX_ROTATED_HASHES);
        assert_eq!(session.rotated_hashes, history[3..]);
        let (forgotten, write) = decide(session.clone(), &history[0], &SecretHash([0; 32]), 0, 1);
        assert_eq!((forgotten, write), (RotateOutcome::Invalid, None));
        let (reused, write) = decide(session, &history[3], &SecretHash([0; 32]), 0, 1);
        assert_eq!(reused, RotateOutcome::Reused);
        assert!(write.expect("revocation writes").revoked);
    }
}
