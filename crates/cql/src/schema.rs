//! Idempotent schema: every statement is `CREATE ... IF NOT EXISTS`, so applying it again
//! (at every start, or by `gochat migrate`) changes nothing.

use scylla::client::session::Session;

use crate::CqlError;

/// Creates `keyspace` with SimpleStrategy and `replication_factor` if it does not exist.
pub async fn ensure_keyspace(
    session: &Session,
    keyspace: &str,
    replication_factor: u32,
) -> Result<(), CqlError> {
    check_identifier(keyspace)?;
    let statement = format!(
        "CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = \
         {{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}"
    );
    session.query_unpaged(statement, &[]).await?;
    agree(session).await
}

/// Applies `statements` in order, each with `{ks}` replaced by `keyspace`, then waits until
/// the nodes agree on the schema.
pub async fn apply_schema(
    session: &Session,
    keyspace: &str,
    statements: &[&str],
) -> Result<(), CqlError> {
    check_identifier(keyspace)?;
    for statement in statements {
        let statement = statement.replace("{ks}", keyspace);
        tracing::debug!(%statement, "applying schema");
        session.query_unpaged(statement, &[]).await?;
    }
    agree(session).await
}

async fn agree(session: &Session) -> Result<(), CqlError> {
    session
        .await_schema_agreement()
        .await
        .map(drop)
        .map_err(|e| CqlError::SchemaAgreement(e.to_string()))
}

/// Keyspace names are interpolated into statements, so only plain identifiers pass.
fn check_identifier(name: &str) -> Result<(), CqlError> {
    let ok = !name.is_empty()
        && name.len() <= 48
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CqlError::InvalidIdentifier(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_keyspaces() {
        assert!(check_identifier("gochat_test_1").is_ok());
        for bad in ["", "1abc", "a-b", "a;DROP", &"k".repeat(49)] {
            assert!(check_identifier(bad).is_err(), "{bad:?} accepted");
        }
    }
}
