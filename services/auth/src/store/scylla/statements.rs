//! Every statement the store runs, prepared once per store.

use gochat_cql::scylla::{
    client::session::Session,
    frame::types::{Consistency, SerialConsistency},
    statement::prepared::PreparedStatement,
};

use super::unavailable;
use crate::store::StoreError;

/// Columns of an `accounts` row, in the order `rows::AccountRow` reads them.
const ACCOUNT_COLUMNS: &str = "id, email, display_name, status, password_hash, created_at_ms";
/// Columns of a `sessions` row (without the key), in the order `rows::SessionRow` reads them.
const SESSION_COLUMNS: &str =
    "account_id, secret_hash, rotated, revoked, created_at_ms, expires_at_ms";

/// How a statement is run.
#[derive(Clone, Copy)]
enum Kind {
    /// A read at the default consistency; safe to retry.
    Read,
    /// A read at `SERIAL`: sees lightweight transactions still in flight.
    SerialRead,
    /// A plain write whose retry changes nothing.
    IdempotentWrite,
    /// A lightweight transaction (`IF ...`), Paxos at `SERIAL`; not retried by the driver.
    Conditional,
}

/// The prepared statements of one keyspace.
pub(super) struct Statements {
    /// The keyspace they were prepared for.
    pub keyspace: String,
    /// `(email, account_id)`: reserves an email, uncommitted, if nobody has.
    pub reserve_email: PreparedStatement,
    /// `(new_account_id, email, old_account_id)`: takes over an uncommitted reservation.
    pub take_over_email: PreparedStatement,
    /// `(email, account_id)`: commits the reservation if it is still that account's.
    pub commit_email: PreparedStatement,
    /// `(email)` -> `(account_id, committed)`.
    pub email_owner: PreparedStatement,
    /// [`Self::email_owner`] at `SERIAL`.
    pub email_owner_serial: PreparedStatement,
    /// All account columns, id first.
    pub insert_account: PreparedStatement,
    /// `(id)`: drops the row of a create that lost its reservation.
    pub delete_account: PreparedStatement,
    /// `(id)` -> an account row.
    pub account_by_id: PreparedStatement,
    /// `(status, id)`.
    pub set_account_status: PreparedStatement,
    /// `(id, session columns..., ttl)`: inserts a session if its id is free.
    pub insert_session: PreparedStatement,
    /// `(id)` -> a session row.
    pub session_by_id: PreparedStatement,
    /// [`Self::session_by_id`] at `SERIAL`.
    pub session_by_id_serial: PreparedStatement,
    /// `(ttl, session columns..., id, expected_secret_hash)`: rewrites a whole session row
    /// if it still holds that secret and is not revoked.
    pub replace_session: PreparedStatement,
    /// A query any node answers cheaply.
    pub ping: PreparedStatement,
}

impl Statements {
    /// Prepares every statement for the tables of `keyspace`.
    pub async fn prepare(session: &Session, keyspace: &str) -> Result<Self, StoreError> {
        if !is_plain_identifier(keyspace) {
            return Err(StoreError::Unavailable(format!(
                "invalid keyspace name {keyspace:?}"
            )));
        }
        let ks = keyspace;
        let p = |cql: String, kind: Kind| prepare(session, cql, kind);
        let account_select = format!("SELECT {ACCOUNT_COLUMNS} FROM {ks}.accounts WHERE id = ?");
        let session_select = format!("SELECT {SESSION_COLUMNS} FROM {ks}.sessions WHERE id = ?");
        let owner_select =
            format!("SELECT account_id, committed FROM {ks}.accounts_by_email WHERE email = ?");
        Ok(Self {
            keyspace: keyspace.to_owned(),
            reserve_email: p(
                format!(
                    "INSERT INTO {ks}.accounts_by_email (email, account_id, committed) \
                     VALUES (?, ?, false) IF NOT EXISTS"
                ),
                Kind::Conditional,
            )
            .await?,
            take_over_email: p(
                format!(
                    "UPDATE {ks}.accounts_by_email SET account_id = ? WHERE email = ? \
                     IF account_id = ? AND committed = false"
                ),
                Kind::Conditional,
            )
            .await?,
            commit_email: p(
                format!(
                    "UPDATE {ks}.accounts_by_email SET committed = true WHERE email = ? \
                     IF account_id = ?"
                ),
                Kind::Conditional,
            )
            .await?,
            email_owner: p(owner_select.clone(), Kind::Read).await?,
            email_owner_serial: p(owner_select, Kind::SerialRead).await?,
            insert_account: p(
                format!("INSERT INTO {ks}.accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"),
                Kind::IdempotentWrite,
            )
            .await?,
            delete_account: p(
                format!("DELETE FROM {ks}.accounts WHERE id = ?"),
                Kind::IdempotentWrite,
            )
            .await?,
            account_by_id: p(account_select, Kind::Read).await?,
            set_account_status: p(
                format!("UPDATE {ks}.accounts SET status = ? WHERE id = ?"),
                Kind::IdempotentWrite,
            )
            .await?,
            insert_session: p(
                format!(
                    "INSERT INTO {ks}.sessions (id, {SESSION_COLUMNS}) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS USING TTL ?"
                ),
                Kind::Conditional,
            )
            .await?,
            session_by_id: p(session_select.clone(), Kind::Read).await?,
            session_by_id_serial: p(session_select, Kind::SerialRead).await?,
            replace_session: p(
                format!(
                    "UPDATE {ks}.sessions USING TTL ? SET account_id = ?, secret_hash = ?, \
                     rotated = ?, revoked = ?, created_at_ms = ?, expires_at_ms = ? \
                     WHERE id = ? IF secret_hash = ? AND revoked = false"
                ),
                Kind::Conditional,
            )
            .await?,
            ping: p(
                "SELECT release_version FROM system.local".to_owned(),
                Kind::Read,
            )
            .await?,
        })
    }
}

async fn prepare(
    session: &Session,
    cql: String,
    kind: Kind,
) -> Result<PreparedStatement, StoreError> {
    let mut statement = session.prepare(cql).await.map_err(unavailable)?;
    match kind {
        Kind::Read | Kind::IdempotentWrite => statement.set_is_idempotent(true),
        Kind::SerialRead => {
            statement.set_consistency(Consistency::Serial);
            statement.set_is_idempotent(true);
        }
        Kind::Conditional => {
            statement.set_serial_consistency(Some(SerialConsistency::Serial));
            statement.set_is_idempotent(false);
        }
    }
    Ok(statement)
}

/// Keyspace names are interpolated into statements, so only plain identifiers pass.
fn is_plain_identifier(name: &str) -> bool {
    name.len() <= 48
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_keyspaces() {
        assert!(is_plain_identifier("gochat_auth_1"));
        for bad in ["", "1abc", "a-b", "a;DROP TABLE x", &"k".repeat(49)] {
            assert!(!is_plain_identifier(bad), "{bad:?} accepted");
        }
    }
}
