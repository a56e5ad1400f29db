//! Reading the outcome of a lightweight transaction: the `[applied]` column and, when the
//! condition failed, the current values of the row, looked up by column name (their order
//! and presence depend on the server and on whether the condition held).

use gochat_cql::scylla::{
    response::query_result::QueryResult,
    value::{CqlValue, Row},
};

use super::corrupt;
use crate::StoreError;

/// What a conditional statement did.
pub(super) struct Outcome {
    applied: bool,
    columns: Vec<(String, Option<CqlValue>)>,
}

impl Outcome {
    /// Reads the single row a conditional statement answers with.
    pub(super) fn read(result: QueryResult) -> Result<Self, StoreError> {
        let rows = result.into_rows_result().map_err(corrupt)?;
        let names: Vec<String> = rows
            .column_specs()
            .iter()
            .map(|spec| spec.name().to_owned())
            .collect();
        let row: Row = rows.single_row().map_err(corrupt)?;
        let columns: Vec<_> = names.into_iter().zip(row.columns).collect();
        let applied = match find(&columns, "[applied]") {
            Some(CqlValue::Boolean(applied)) => *applied,
            _ => return Err(StoreError::Corrupt("no [applied] column".into())),
        };
        Ok(Self { applied, columns })
    }

    /// Whether the condition held and the write happened.
    pub(super) fn applied(&self) -> bool {
        self.applied
    }

    /// A text column of the current row.
    pub(super) fn text(&self, name: &str) -> Result<String, StoreError> {
        self.optional_text(name)?.ok_or_else(|| missing(name))
    }

    /// A text column of the current row that may be null.
    pub(super) fn optional_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        match find(&self.columns, name) {
            Some(value) => value
                .as_text()
                .cloned()
                .map(Some)
                .ok_or_else(|| mistyped(name)),
            None => Ok(None),
        }
    }

    /// A bigint column of the current row.
    pub(super) fn bigint(&self, name: &str) -> Result<i64, StoreError> {
        find(&self.columns, name)
            .ok_or_else(|| missing(name))?
            .as_bigint()
            .ok_or_else(|| mistyped(name))
    }

    /// A `list<text>` column of the current row.
    pub(super) fn texts(&self, name: &str) -> Result<Vec<String>, StoreError> {
        find(&self.columns, name)
            .ok_or_else(|| missing(name))?
            .as_list()
            .ok_or_else(|| mistyped(name))?
            .iter()
            .map(|item| item.as_text().cloned().ok_or_else(|| mistyped(name)))
            .collect()
    }
}

/// The non-null value of the column `name`, if present.
fn find<'a>(columns: &'a [(String, Option<CqlValue>)], name: &str) -> Option<&'a CqlValue> {
    columns
        .iter()
        .find(|(column, _)| column == name)
        .and_then(|(_, value)| value.as_ref())
}

fn missing(name: &str) -> StoreError {
    StoreError::Corrupt(format!("conditional write answered without {name}"))
}

fn mistyped(name: &str) -> StoreError {
    StoreError::Corrupt(format!("column {name} has an unexpected type"))
}
