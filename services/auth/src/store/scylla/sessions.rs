//! Sessions: one row each, always written whole with a TTL that ends at its expiry (so every
//! cell of the row vanishes together; a key left without cells reads as no session, see
//! [`session_from_row`]), and changed only by compare-and-set on its current
//! secret: `IF secret_hash = <read> AND revoked = false`. Every rotation installs a fresh
//! random secret, so an unchanged secret means an unchanged row: the read, the shared
//! [`decide`] rule and the conditional write together act as one atomic step, and of
//! racing rotations with one secret exactly one applies.

use gochat_runtime::clock::now_ms;

use super::{
    ScyllaStore, corrupt,
    lwt::Read,
    rows::{SessionRow, rotated_blobs, session_from_row, ttl_seconds},
};
use crate::store::{RotateOutcome, SecretHash, SessionRecord, StoreError, rotation::decide};

/// Read-decide-write rounds before giving up on a session that keeps changing.
const CAS_ROUNDS: usize = 8;

impl ScyllaStore {
    /// [`SessionStore::create`](crate::store::SessionStore::create).
    pub(super) async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let values = (
            &session.id,
            &session.account_id,
            session.secret_hash.0,
            rotated_blobs(session),
            session.revoked,
            session.created_at_ms,
            session.expires_at_ms,
            ttl_seconds(session.expires_at_ms, now_ms()),
        );
        if self.cas(&self.statements.insert_session, values).await? {
            Ok(())
        } else {
            Err(StoreError::SessionExists)
        }
    }

    /// The session with this id, read at `read`.
    pub(super) async fn session(
        &self,
        id: &str,
        read: Read,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let st = &self.statements;
        let statement = match read {
            Read::Default => &st.session_by_id,
            Read::Serial => &st.session_by_id_serial,
        };
        let result = self.run(statement, (id,)).await?;
        let row = result
            .into_rows_result()
            .map_err(corrupt)?
            .maybe_first_row::<SessionRow>()
            .map_err(corrupt)?;
        row.map_or(Ok(None), |row| session_from_row(id, row))
    }

    /// Rewrites the whole row as `session` if it still holds `expected` and is not revoked;
    /// answers whether it did.
    async fn replace_session(
        &self,
        session: &SessionRecord,
        expected: &SecretHash,
    ) -> Result<bool, StoreError> {
        let values = (
            ttl_seconds(session.expires_at_ms, now_ms()),
            &session.account_id,
            session.secret_hash.0,
            rotated_blobs(session),
            session.revoked,
            session.created_at_ms,
            session.expires_at_ms,
            &session.id,
            expected.0,
        );
        self.cas(&self.statements.replace_session, values).await
    }

    /// [`SessionStore::rotate`](crate::store::SessionStore::rotate). A rotation or a
    /// revocation for reuse is confirmed by its conditional write; an answer that writes
    /// nothing is confirmed by a `SERIAL` read, so a stale read never decides.
    pub(super) async fn rotate_session(
        &self,
        id: &str,
        presented: &SecretHash,
        next: &SecretHash,
        now_ms: i64,
        next_expires_at_ms: i64,
    ) -> Result<RotateOutcome, StoreError> {
        let mut read = Read::Default;
        for _ in 0..CAS_ROUNDS {
            let Some(current) = self.session(id, read).await? else {
                if read == Read::Serial {
                    return Ok(RotateOutcome::Invalid);
                }
                read = Read::Serial;
                continue;
            };
            let expected = current.secret_hash;
            match decide(current, presented, next, now_ms, next_expires_at_ms) {
                (outcome, None) if read == Read::Serial => return Ok(outcome),
                (_, None) => {}
                (outcome, Some(write)) => {
                    if self.replace_session(&write, &expected).await? {
                        return Ok(outcome);
                    }
                }
            }
            read = Read::Serial;
        }
        Err(contended())
    }

    /// [`SessionStore::revoke`](crate::store::SessionStore::revoke).
    pub(super) async fn revoke_session(&self, id: &str) -> Result<bool, StoreError> {
        let mut read = Read::Default;
        for _ in 0..CAS_ROUNDS {
            let Some(current) = self.session(id, read).await? else {
                if read == Read::Serial {
                    return Ok(false);
                }
                read = Read::Serial;
                continue;
            };
            if current.revoked {
                return Ok(true);
            }
            let expected = current.secret_hash;
            let revoked = SessionRecord {
                revoked: true,
                ..current
            };
            if self.replace_session(&revoked, &expected).await? {
                return Ok(true);
            }
            read = Read::Serial;
        }
        Err(contended())
    }
}

fn contended() -> StoreError {
    StoreError::Unavailable("the session kept changing under a compare-and-set".to_owned())
}
