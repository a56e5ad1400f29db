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

/// Adds each `(table, column, type)` of `columns` that its table in `keyspace` lacks
/// (`ALTER TABLE ... ADD` is not idempotent, so the schema is asked first), then waits until
/// the nodes agree on the schema. Names are interpolated, so only plain identifiers pass.
pub async fn add_columns(
    session: &Session,
    keyspace: &str,
    columns: &[(&str, &str, &str)],
) -> Result<(), CqlError> {
    check_identifier(keyspace)?;
    for &(table, column, kind) in columns {
        check_identifier(table)?;
        check_identifier(column)?;
        check_type(kind)?;
        let present = session
            .query_unpaged(
                "SELECT column_name FROM system_schema.columns \
                 WHERE keyspace_name = ? AND table_name = ? AND column_name = ?",
                (keyspace, table, column),
            )
            .await?
            .into_rows_result()
            .map_err(|e| CqlError::Schema(e.to_string()))?
            .rows_num()
            > 0;
        if !present {
            let statement = format!("ALTER TABLE {keyspace}.{table} ADD {column} {kind}");
            tracing::debug!(%statement, "adding a column");
            session.query_unpaged(statement, &[]).await?;
        }
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

/// Column types are interpolated too: plain type names, possibly parameterized
/// (`map<text, bigint>`), pass; nothing that could end the statement does.
fn check_type(kind: &str) -> Result<(), CqlError> {
    let ok = kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '<' | '>' | ',' | ' '));
    if ok {
        Ok(())
    } else {
        Err(CqlError::InvalidIdentifier(kind.to_owned()))
    }
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
    fn column_types_may_be_parameterized_but_not_statements() {
        for kind in ["bigint", "map<text, bigint>", "list<text>"] {
            assert!(check_type(kind).is_ok(), "{kind}");
        }
        for kind in ["", "int; DROP TABLE x", "text)", "<text>"] {
            assert!(check_type(kind).is_err(), "{kind}");
        }
    }

    #[test]
    fn only_plain_identifiers_are_keyspaces() {
        assert!(check_identifier("gochat_test_1").is_ok());
        for bad in ["", "1abc", "a-b", "a;DROP", &"k".repeat(49)] {
            assert!(check_identifier(bad).is_err(), "{bad:?} accepted");
        }
    }
}
