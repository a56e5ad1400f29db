//! Traced and timed statements: every statement the stores run goes through here, so each
//! gets a client span (`db.system=cassandra`, `db.operation`, `db.namespace`,
//! `db.collection.name`) and a `gochat_cql_query_duration_seconds` sample.

use gochat_common::db::{CqlStatement, observe_cql};
use scylla::{
    client::session::Session, errors::ExecutionError, response::query_result::QueryResult,
    serialize::row::SerializeRow, statement::prepared::PreparedStatement,
};

/// What `statement` does: its operation (first keyword), keyspace and table.
pub fn describe(statement: &PreparedStatement) -> CqlStatement<'_> {
    CqlStatement::describe(
        statement.get_statement(),
        statement.get_keyspace_name(),
        statement.get_table_name(),
    )
}

/// `session.execute_unpaged(statement, values)`, traced and timed.
pub async fn execute_unpaged(
    session: &Session,
    statement: &PreparedStatement,
    values: impl SerializeRow,
) -> Result<QueryResult, ExecutionError> {
    observe_cql(
        describe(statement),
        session.execute_unpaged(statement, values),
    )
    .await
}

/// Runs `work` (e.g. a paged read of `statement` to its end) traced and timed as one
/// operation on `statement`'s table.
pub async fn observed<T, E>(
    statement: &PreparedStatement,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    observe_cql(describe(statement), work).await
}
