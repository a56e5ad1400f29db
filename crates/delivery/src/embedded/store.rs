//! The redb side of the embedded log: tables and the blocking transactions over them.
//! Callers run these inside `spawn_blocking`.

use std::ops::Bound;

use bytes::Bytes;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use crate::{DeliveryError, Event, EventId, Replay};

/// (user, ms, seq) -> payload: each user's log, in id order.
const EVENTS: TableDefinition<(&str, u64, u64), &[u8]> = TableDefinition::new("events");
/// (ms, user, seq) -> (): every event in time order, so trimming finds expired events
/// without visiting every user.
const BY_TIME: TableDefinition<(u64, &str, u64), ()> = TableDefinition::new("events_by_time");
/// user -> (ms, seq) of the largest trimmed id: the low-water mark behind `truncated`. With
/// the user's last retained event it also says where the next id must start: the largest id
/// ever handed out is the one or the other, so no table of last ids is written per event.
/// (Earlier versions wrote one, `last_ids`; it is no longer read.)
const TRIMMED: TableDefinition<&str, (u64, u64)> = TableDefinition::new("trimmed_through");

/// What one trim pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Events removed.
    pub events: usize,
    /// True when the pass stopped at its bound with expired events possibly left: call again.
    pub more: bool,
}

/// What an import copied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Events copied.
    pub events: usize,
    /// Users whose low-water mark was copied.
    pub marks: usize,
}

pub(crate) fn unavailable(e: impl Into<redb::Error>) -> DeliveryError {
    DeliveryError::Unavailable(e.into().to_string())
}

fn id((ms, seq): (u64, u64)) -> EventId {
    EventId::new(ms, seq)
}

/// Creates the tables that do not exist yet.
pub(crate) fn create_tables(db: &Database) -> Result<(), DeliveryError> {
    let txn = db.begin_write().map_err(unavailable)?;
    txn.open_table(EVENTS).map_err(unavailable)?;
    txn.open_table(BY_TIME).map_err(unavailable)?;
    txn.open_table(TRIMMED).map_err(unavailable)?;
    txn.commit().map_err(unavailable)
}

/// Appends `payload` to the log of each of `users` in `txn` and returns the id each got,
/// in the order of `users`.
pub(crate) fn append(
    txn: &WriteTransaction,
    users: &[String],
    payload: &[u8],
    now_ms: u64,
) -> Result<Vec<EventId>, DeliveryError> {
    let mut ids = Vec::with_capacity(users.len());
    {
        let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
        let mut by_time = txn.open_table(BY_TIME).map_err(unavailable)?;
        let trimmed = txn.open_table(TRIMMED).map_err(unavailable)?;
        for user in users {
            let user = user.as_str();
            let last_event = events
                .range((user, 0, 0)..=(user, u64::MAX, u64::MAX))
                .map_err(unavailable)?
                .next_back()
                .transpose()
                .map_err(unavailable)?
                .map(|(key, _)| {
                    let (_, ms, seq) = key.value();
                    EventId::new(ms, seq)
                });
            let last_trimmed = trimmed
                .get(user)
                .map_err(unavailable)?
                .map(|v| id(v.value()));
            let last = last_event.max(last_trimmed).unwrap_or(EventId::ZERO);
            let next = last.next_after(now_ms);
            events
                .insert((user, next.ms, next.seq), payload)
                .map_err(unavailable)?;
            by_time
                .insert((next.ms, user, next.seq), ())
                .map_err(unavailable)?;
            ids.push(next);
        }
    }
    Ok(ids)
}

/// Up to `limit` events of `user` after `after`, and whether anything after `after` was
/// trimmed, read in one snapshot.
pub(crate) fn replay(
    db: &Database,
    user: &str,
    after: EventId,
    limit: usize,
) -> Result<Replay, DeliveryError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let trimmed = txn.open_table(TRIMMED).map_err(unavailable)?;
    let low_water = trimmed
        .get(user)
        .map_err(unavailable)?
        .map(|v| id(v.value()));
    let truncated = low_water.is_some_and(|mark| after < mark);

    let events = txn.open_table(EVENTS).map_err(unavailable)?;
    let range = (
        Bound::Excluded((user, after.ms, after.seq)),
        Bound::Included((user, u64::MAX, u64::MAX)),
    );
    let mut out = Vec::with_capacity(limit.min(256));
    for entry in events.range(range).map_err(unavailable)?.take(limit) {
        let (key, payload) = entry.map_err(unavailable)?;
        let (_, ms, seq) = key.value();
        out.push(Event {
            id: EventId::new(ms, seq),
            payload: Bytes::copy_from_slice(payload.value()),
        });
    }
    Ok(Replay {
        events: out,
        truncated,
    })
}

/// Removes up to `batch` events appended before `cutoff_ms` (oldest first) in one write
/// transaction, raising each affected user's low-water mark.
pub(crate) fn trim(db: &Database, cutoff_ms: u64, batch: usize) -> Result<Trimmed, DeliveryError> {
    let txn = db.begin_write().map_err(unavailable)?;
    let trimmed = {
        let mut by_time = txn.open_table(BY_TIME).map_err(unavailable)?;
        let mut expired: Vec<(u64, String, u64)> = Vec::new();
        for entry in by_time
            .range((0, "", 0)..(cutoff_ms, "", 0))
            .map_err(unavailable)?
            .take(batch)
        {
            let (key, _) = entry.map_err(unavailable)?;
            let (ms, user, seq) = key.value();
            expired.push((ms, user.to_owned(), seq));
        }
        let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
        let mut marks = txn.open_table(TRIMMED).map_err(unavailable)?;
        for (ms, user, seq) in &expired {
            let user = user.as_str();
            by_time.remove((*ms, user, *seq)).map_err(unavailable)?;
            events.remove((user, *ms, *seq)).map_err(unavailable)?;
            let mark = marks.get(user).map_err(unavailable)?.map(|v| id(v.value()));
            let this = EventId::new(*ms, *seq);
            if mark.is_none_or(|mark| mark < this) {
                marks
                    .insert(user, (this.ms, this.seq))
                    .map_err(unavailable)?;
            }
        }
        Trimmed {
            events: expired.len(),
            more: batch > 0 && expired.len() == batch,
        }
    };
    txn.commit().map_err(unavailable)?;
    Ok(trimmed)
}

/// Copies the log kept in the file at `path` into `db` in one write transaction; low-water
/// marks keep the larger of the two values.
pub(crate) fn import(db: &Database, path: &std::path::Path) -> Result<Imported, DeliveryError> {
    let source = Database::open(path).map_err(unavailable)?;
    let read = source.begin_read().map_err(unavailable)?;
    let txn = db.begin_write().map_err(unavailable)?;
    let mut imported = Imported::default();
    {
        let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
        let mut by_time = txn.open_table(BY_TIME).map_err(unavailable)?;
        for entry in read
            .open_table(EVENTS)
            .map_err(unavailable)?
            .iter()
            .map_err(unavailable)?
        {
            let (key, payload) = entry.map_err(unavailable)?;
            let (user, ms, seq) = key.value();
            events
                .insert((user, ms, seq), payload.value())
                .map_err(unavailable)?;
            by_time.insert((ms, user, seq), ()).map_err(unavailable)?;
            imported.events += 1;
        }
        let mut marks = txn.open_table(TRIMMED).map_err(unavailable)?;
        for entry in read
            .open_table(TRIMMED)
            .map_err(unavailable)?
            .iter()
            .map_err(unavailable)?
        {
            let (user, mark) = entry.map_err(unavailable)?;
            let (user, mark) = (user.value(), mark.value());
            let current = marks.get(user).map_err(unavailable)?.map(|v| v.value());
            if current.is_none_or(|current| current < mark) {
                marks.insert(user, mark).map_err(unavailable)?;
            }
            imported.marks += 1;
        }
    }
    txn.commit().map_err(unavailable)?;
    Ok(imported)
}

/// Opens a read transaction and a table: the database answers.
pub(crate) fn ping(db: &Database) -> Result<(), DeliveryError> {
    let txn = db.begin_read().map_err(unavailable)?;
    txn.open_table(EVENTS).map_err(unavailable)?;
    Ok(())
}
