//! Records to CQL values and back, and the TTL of a session row.

use crate::store::{AccountRecord, AccountStatus, SecretHash, SessionRecord, StoreError};

/// An `accounts` row: id, email, display_name, status, password_hash, created_at_ms.
pub(super) type AccountRow = (String, String, String, String, String, i64);

/// A `sessions` row without its key: account_id, secret_hash, rotated, revoked,
/// created_at_ms, expires_at_ms. All nullable: see [`session_from_row`].
pub(super) type SessionRow = (
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<Vec<u8>>>,
    Option<bool>,
    Option<i64>,
    Option<i64>,
);

/// The longest TTL CQL accepts (20 years).
const MAX_TTL_SECONDS: i64 = 20 * 365 * 24 * 3600;

/// How `status` is stored.
pub(super) fn status_text(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Pending => "pending",
        AccountStatus::Active => "active",
    }
}

fn parse_status(text: &str) -> Result<AccountStatus, StoreError> {
    match text {
        "pending" => Ok(AccountStatus::Pending),
        "active" => Ok(AccountStatus::Active),
        other => Err(StoreError::Corrupt(format!(
            "unknown account status {other:?}"
        ))),
    }
}

/// An account read back.
pub(super) fn account_from_row(row: AccountRow) -> Result<AccountRecord, StoreError> {
    let (id, email, display_name, status, password_hash, created_at_ms) = row;
    Ok(AccountRecord {
        id,
        email,
        display_name,
        status: parse_status(&status)?,
        password_hash,
        created_at_ms,
    })
}

fn hash_from_blob(blob: Vec<u8>) -> Result<SecretHash, StoreError> {
    <[u8; 32]>::try_from(blob)
        .map(SecretHash)
        .map_err(|blob| StoreError::Corrupt(format!("a secret hash of {} bytes", blob.len())))
}

/// A session read back; `None` for a row whose cells have expired. Every write sets all
/// cells with one TTL, but the row marker keeps the TTL of the insert, so after a rotation
/// that shortened the expiry the key can outlive the cells: such a row is no session.
pub(super) fn session_from_row(
    id: &str,
    row: SessionRow,
) -> Result<Option<SessionRecord>, StoreError> {
    let (account_id, secret_hash, rotated, revoked, created_at_ms, expires_at_ms) = row;
    let Some(secret_hash) = secret_hash else {
        return Ok(None);
    };
    let (Some(account_id), Some(revoked), Some(created_at_ms), Some(expires_at_ms)) =
        (account_id, revoked, created_at_ms, expires_at_ms)
    else {
        return Err(StoreError::Corrupt(format!("session {id} lacks a column")));
    };
    let rotated_hashes = rotated
        .unwrap_or_default()
        .into_iter()
        .map(hash_from_blob)
        .collect::<Result<_, _>>()?;
    Ok(Some(SessionRecord {
        id: id.to_owned(),
        account_id,
        secret_hash: hash_from_blob(secret_hash)?,
        rotated_hashes,
        revoked,
        created_at_ms,
        expires_at_ms,
    }))
}

/// The rotated-away hashes as a `list<blob>` value.
pub(super) fn rotated_blobs(session: &SessionRecord) -> Vec<[u8; 32]> {
    session.rotated_hashes.iter().map(|hash| hash.0).collect()
}

/// Seconds a session row written at `now_ms` lives: until `expires_at_ms`, rounded up, at
/// least one second (a TTL of 0 would mean forever) and at most what CQL accepts.
pub(super) fn ttl_seconds(expires_at_ms: i64, now_ms: i64) -> i32 {
    let remaining_ms = expires_at_ms.saturating_sub(now_ms);
    let seconds = remaining_ms.saturating_add(999) / 1000;
    i32::try_from(seconds.clamp(1, MAX_TTL_SECONDS)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{sample_account, sample_session};

    #[test]
    fn ttl_ends_at_the_expiry_and_is_never_zero_or_huge() {
        assert_eq!(ttl_seconds(10_000, 0), 10);
        assert_eq!(ttl_seconds(10_001, 0), 11, "rounds up");
        assert_eq!(ttl_seconds(5, 10), 1, "already expired");
        assert_eq!(ttl_seconds(i64::MIN, i64::MAX), 1);
        assert_eq!(ttl_seconds(i64::MAX, 0), 630_720_000);
    }

    #[test]
    fn accounts_round_trip_and_unknown_status_is_corrupt() {
        for status in [AccountStatus::Pending, AccountStatus::Active] {
            let account = AccountRecord {
                status,
                ..sample_account()
            };
            let row = (
                account.id.clone(),
                account.email.clone(),
                account.display_name.clone(),
                status_text(status).to_owned(),
                account.password_hash.clone(),
                account.created_at_ms,
            );
            assert_eq!(account_from_row(row).unwrap(), account);
        }
        let bad = (
            "a".to_owned(),
            "e".to_owned(),
            "d".to_owned(),
            "banned".to_owned(),
            "h".to_owned(),
            1,
        );
        assert!(matches!(account_from_row(bad), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn sessions_round_trip_and_bad_rows_are_told_apart() {
        let mut session = sample_session();
        session.rotated_hashes = vec![SecretHash([7; 32]), SecretHash([9; 32])];
        let row = |rotated: Option<Vec<Vec<u8>>>, secret: Option<Vec<u8>>| {
            (
                Some(session.account_id.clone()),
                secret,
                rotated,
                Some(session.revoked),
                Some(session.created_at_ms),
                Some(session.expires_at_ms),
            )
        };
        let secret = Some(session.secret_hash.0.to_vec());
        let rotated = rotated_blobs(&session).iter().map(|h| h.to_vec()).collect();
        let back = session_from_row(&session.id, row(Some(rotated), secret.clone()));
        assert_eq!(back.unwrap(), Some(session.clone()));
        let none = session_from_row(&session.id, row(None, secret)).unwrap();
        assert!(
            none.unwrap().rotated_hashes.is_empty(),
            "null list is empty"
        );
        let short = session_from_row(&session.id, row(None, Some(vec![1, 2, 3])));
        assert!(matches!(short, Err(StoreError::Corrupt(_))));
        let expired = session_from_row(&session.id, (None, None, None, None, None, None));
        assert_eq!(expired.unwrap(), None, "only the key is left");
        let partial = (None, Some(vec![0; 32]), None, Some(false), Some(1), Some(2));
        assert!(matches!(
            session_from_row(&session.id, partial),
            Err(StoreError::Corrupt(_))
        ));
    }
}
