//! Traced and timed statements: every statement the stores run goes through here, so each
//! gets a client span `"<OPERATION> <table>"` (only when traces are exported) with
//! `db.system=cassandra`, `db.operation`, `db.namespace` (the keyspace) and
//! `db.collection.name`, and a `gochat_cql_query_duration_seconds` sample.

use std::{sync::LazyLock, time::Instant};

use prometheus::HistogramVec;
use tracing::{Instrument as _, Span, field::Empty};

use gochat_telemetry::{self as telemetry, metrics};
use scylla::{
    client::session::Session, errors::ExecutionError, response::query_result::QueryResult,
    serialize::row::SerializeRow, statement::prepared::PreparedStatement,
};

static DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_cql_query_duration_seconds",
        "Time of one CQL statement (or one paged read), by operation, table and outcome.",
        &["operation", "table", "outcome"],
        metrics::COMMAND_BUCKETS,
    )
});

/// The CQL operations that name their statements; anything else is `OTHER`.
const OPERATIONS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "BATCH", "CREATE", "ALTER", "DROP", "TRUNCATE", "USE",
];

/// What one CQL statement does, for its span and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CqlStatement<'a> {
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, ...
    pub operation: &'static str,
    /// The keyspace (`db.namespace`).
    pub keyspace: &'a str,
    /// The table (`db.collection.name`).
    pub table: &'a str,
}

impl<'a> CqlStatement<'a> {
    /// Describes a statement from its text and what the driver knows of its table
    /// (`unknown` where it knows nothing).
    pub fn describe(text: &str, keyspace: Option<&'a str>, table: Option<&'a str>) -> Self {
        let first = text.split_whitespace().next().unwrap_or_default();
        let operation = OPERATIONS
            .iter()
            .find(|op| op.eq_ignore_ascii_case(first))
            .copied()
            .unwrap_or("OTHER");
        Self {
            operation,
            keyspace: keyspace.unwrap_or("unknown"),
            table: table.unwrap_or("unknown"),
        }
    }
}

/// Runs `work` (one statement, or one paged read to its end) inside a client span when
/// traces are exported, and records its latency.
async fn observe_cql<T, E, F>(statement: CqlStatement<'_>, work: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let span = if telemetry::enabled() {
        tracing::info_span!(
            "cql",
            otel.name = format_args!("{} {}", statement.operation, statement.table),
            otel.kind = "client",
            otel.status_code = Empty,
            db.system = "cassandra",
            db.operation = statement.operation,
            db.namespace = statement.keyspace,
            db.collection.name = statement.table,
        )
    } else {
        Span::none()
    };
    let started = Instant::now();
    let result = work.instrument(span.clone()).await;
    let outcome = metrics::outcome(&result);
    if result.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    DURATION
        .with_label_values(&[statement.operation, statement.table, outcome])
        .observe(started.elapsed().as_secs_f64());
    result
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use gochat_telemetry::testing::SpanCapture;

    #[test]
    fn statements_are_described_by_their_first_word() {
        let s = CqlStatement::describe("  select id FROM ks.t WHERE id = ?", Some("ks"), Some("t"));
        assert_eq!(
            s,
            CqlStatement {
                operation: "SELECT",
                keyspace: "ks",
                table: "t"
            }
        );
        let odd = CqlStatement::describe("GRANT ALL", None, None);
        assert_eq!((odd.operation, odd.table), ("OTHER", "unknown"));
    }

    #[tokio::test]
    async fn a_statement_gets_a_client_span_and_a_latency_sample() {
        let capture = SpanCapture::new();
        let _default = tracing::subscriber::set_default(capture.subscriber());
        let statement =
            CqlStatement::describe("INSERT INTO x.cql_probe", Some("x"), Some("cql_probe"));
        let ok: Result<u8, ()> = observe_cql(statement, async { Ok(1) }).await;
        assert_eq!(ok, Ok(1));
        let failed: Result<u8, &str> = observe_cql(statement, async { Err("down") }).await;
        assert!(failed.is_err());

        let span = capture
            .span("INSERT cql_probe")
            .expect("a span per statement");
        assert_eq!(span.span_kind, opentelemetry::trace::SpanKind::Client);
        let has = |k: &str, v: &str| {
            span.attributes
                .iter()
                .any(|kv| kv.key.as_str() == k && kv.value.as_str() == v)
        };
        assert!(has("db.system", "cassandra") && has("db.namespace", "x"));
        assert!(has("db.operation", "INSERT") && has("db.collection.name", "cql_probe"));
        let ok_count = DURATION
            .with_label_values(&["INSERT", "cql_probe", "ok"])
            .get_sample_count();
        let error_count = DURATION
            .with_label_values(&["INSERT", "cql_probe", "error"])
            .get_sample_count();
        assert_eq!((ok_count, error_count), (1, 1));
    }
}
