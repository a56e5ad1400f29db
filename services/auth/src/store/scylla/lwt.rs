//! Lightweight-transaction plumbing: reading `[applied]` and choosing how fresh a read is.

use gochat_cql::scylla::{
    response::query_result::QueryResult,
    value::{CqlValue, Row},
};

use super::corrupt;
use crate::store::StoreError;

/// The column every conditional statement answers with.
const APPLIED: &str = "[applied]";

/// How a read before or after a lightweight transaction is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Read {
    /// The session's default consistency: cheap, sees every completed write.
    Default,
    /// `SERIAL`: also settles and sees transactions still in flight (a Paxos round).
    Serial,
}

/// Whether a conditional statement applied. Found by column name, since Cassandra and
/// ScyllaDB differ in which current values they return beside `[applied]` when it did not.
pub(super) fn applied(result: QueryResult) -> Result<bool, StoreError> {
    let rows = result.into_rows_result().map_err(corrupt)?;
    let (index, _) = rows
        .column_specs()
        .get_by_name(APPLIED)
        .ok_or_else(|| corrupt("a conditional statement answered without [applied]"))?;
    let row = rows
        .maybe_first_row::<Row>()
        .map_err(corrupt)?
        .ok_or_else(|| corrupt("a conditional statement answered no row"))?;
    match row.columns.into_iter().nth(index).flatten() {
        Some(CqlValue::Boolean(applied)) => Ok(applied),
        other => Err(corrupt(format!("[applied] is not a boolean: {other:?}"))),
    }
}
