//! The auth tables. Every statement is idempotent (`IF NOT EXISTS`), so [`migrate`] runs at
//! every start and from `gochat migrate` alike.

use gochat_cql::{CqlError, scylla::client::session::Session};

/// The auth service's tables, with `{ks}` standing for the keyspace.
///
/// - `accounts_by_email`: the uniqueness index. A row reserves `email` for `account_id`
///   (`INSERT ... IF NOT EXISTS`); `committed` turns true once the account row is written,
///   and only then is the email taken.
/// - `accounts`: one row per account id.
/// - `sessions`: one row per session, written whole with a TTL ending at `expires_at_ms` so
///   dead sessions vanish by themselves; `rotated` holds the rotated-away secret hashes,
///   oldest first (frozen: it is always rewritten whole, which leaves no collection
///   tombstones).
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS {ks}.accounts_by_email (\
        email text PRIMARY KEY, \
        account_id text, \
        committed boolean)",
    "CREATE TABLE IF NOT EXISTS {ks}.accounts (\
        id text PRIMARY KEY, \
        email text, \
        display_name text, \
        status text, \
        password_hash text, \
        created_at_ms bigint)",
    "CREATE TABLE IF NOT EXISTS {ks}.sessions (\
        id text PRIMARY KEY, \
        account_id text, \
        secret_hash blob, \
        rotated frozen<list<blob>>, \
        revoked boolean, \
        created_at_ms bigint, \
        expires_at_ms bigint)",
];

/// Creates the auth tables in `keyspace` (which must exist, see
/// [`gochat_cql::ensure_keyspace`]) if they are missing; changes nothing otherwise.
pub async fn migrate(session: &Session, keyspace: &str) -> Result<(), CqlError> {
    gochat_cql::apply_schema(session, keyspace, SCHEMA).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_is_idempotent_and_keyspace_relative() {
        for statement in SCHEMA {
            assert!(
                statement.starts_with("CREATE TABLE IF NOT EXISTS {ks}."),
                "{statement}"
            );
        }
    }
}
