//! Reading Redis replies into the log's types, without intermediate maps. A reply of an
//! unexpected shape is an error, never a panic.

use bytes::Bytes;
use redis::Value;

use super::keys::{PAYLOAD_FIELD, SIGNAL_FIELD, USER_FIELD};
use crate::{Event, EventId};

/// A reply that does not have the shape the command documents.
#[derive(Debug, thiserror::Error)]
#[error("unexpected Redis reply: {0}")]
pub(crate) struct ReplyError(pub(crate) String);

type Parsed<T> = Result<T, ReplyError>;

/// One notification in a gateway inbox: its entry id and the user it is about (`None` when
/// the entry was deleted or malformed: it is acknowledged and skipped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Notification {
    pub(crate) id: String,
    pub(crate) user: Option<String>,
    /// The payload of a signal for `user` (see `EventLog::signal`); `None` for a plain
    /// "the user's log has new events".
    pub(crate) signal: Option<Bytes>,
}

fn bad<T>(what: &str, value: &Value) -> Parsed<T> {
    Err(ReplyError(format!("{what}: {value:?}")))
}

/// The bytes of a string-like value.
fn text(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(s) => Some(s.as_bytes()),
        Value::VerbatimString { text, .. } => Some(text.as_bytes()),
        _ => None,
    }
}

/// The elements of an array-like value; a map is flattened to key, value, key, value.
fn items(value: Value) -> Parsed<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        other => bad("expected an array", &other),
    }
}

fn event_id(value: &Value) -> Parsed<EventId> {
    text(value)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|s| s.parse().ok())
        .map_or_else(|| bad("expected a stream id", value), Ok)
}

/// The id XADD answered with.
pub(crate) fn added_id(value: &Value) -> Parsed<EventId> {
    event_id(value)
}

/// Splits a stream entry `[id, [field, value, ...]]` into its id and field list (`Nil`
/// fields for an entry deleted while pending).
fn entry(value: Value) -> Parsed<(Value, Vec<Value>)> {
    let mut parts = items(value)?.into_iter();
    match (parts.next(), parts.next()) {
        (Some(id), Some(Value::Nil)) => Ok((id, Vec::new())),
        (Some(id), Some(fields)) => Ok((id, items(fields)?)),
        (Some(id), None) => Ok((id, Vec::new())),
        _ => Err(ReplyError("empty stream entry".to_owned())),
    }
}

/// The value of `name` in a field list.
fn field(fields: Vec<Value>, name: &str) -> Option<Value> {
    let mut fields = fields.into_iter();
    while let (Some(key), Some(value)) = (fields.next(), fields.next()) {
        if text(&key) == Some(name.as_bytes()) {
            return Some(value);
        }
    }
    None
}

/// Log entries (an XRANGE / XREVRANGE reply) as events; an entry without a payload field
/// has an empty payload.
pub(crate) fn events(value: Value) -> Parsed<Vec<Event>> {
    items(value)?
        .into_iter()
        .map(|raw| {
            let (id, fields) = entry(raw)?;
            let payload = match field(fields, PAYLOAD_FIELD) {
                Some(Value::BulkString(bytes)) => Bytes::from(bytes),
                Some(other) => Bytes::copy_from_slice(text(&other).unwrap_or_default()),
                None => Bytes::new(),
            };
            Ok(Event {
                id: event_id(&id)?,
                payload,
            })
        })
        .collect()
}

/// The `max-deleted-entry-id` of an XINFO STREAM reply: the largest id ever removed.
pub(crate) fn max_deleted_id(value: Value) -> Parsed<EventId> {
    let mut fields = items(value)?.into_iter();
    while let (Some(key), Some(value)) = (fields.next(), fields.next()) {
        if text(&key) == Some(b"max-deleted-entry-id") {
            return event_id(&value);
        }
    }
    Err(ReplyError(
        "XINFO STREAM has no max-deleted-entry-id (Redis >= 7 is required)".to_owned(),
    ))
}

/// An HGETALL of a presence hash: (gateway id, expiry ms) pairs; malformed expiries read
/// as 0 (expired).
pub(crate) fn presence(value: Value) -> Parsed<Vec<(String, u64)>> {
    let mut fields = items(value)?.into_iter();
    let mut gateways = Vec::new();
    while let (Some(key), Some(value)) = (fields.next(), fields.next()) {
        let Some(gateway) = text(&key).and_then(|b| std::str::from_utf8(b).ok()) else {
            return bad("expected a gateway id", &key);
        };
        let expiry = match &value {
            Value::Int(n) => u64::try_from(*n).unwrap_or(0),
            other => text(other)
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
        };
        gateways.push((gateway.to_owned(), expiry));
    }
    Ok(gateways)
}

/// Inbox entries as notifications.
pub(crate) fn notifications(value: Value) -> Parsed<Vec<Notification>> {
    items(value)?
        .into_iter()
        .map(|raw| {
            let (id, fields) = entry(raw)?;
            let id = text(&id)
                .and_then(|b| std::str::from_utf8(b).ok())
                .map_or_else(|| bad("expected an entry id", &id), |s| Ok(s.to_owned()))?;
            let (mut user, mut signal) = (None, None);
            let mut fields = fields.into_iter();
            while let (Some(key), Some(value)) = (fields.next(), fields.next()) {
                match text(&key) {
                    Some(name) if name == USER_FIELD.as_bytes() => {
                        user = text(&value).and_then(|b| String::from_utf8(b.to_vec()).ok());
                    }
                    Some(name) if name == SIGNAL_FIELD.as_bytes() => {
                        signal = text(&value).map(Bytes::copy_from_slice);
                    }
                    _ => {}
                }
            }
            Ok(Notification { id, user, signal })
        })
        .collect()
}

/// An XREADGROUP reply: `Nil` when the block timed out, else entries per stream.
pub(crate) fn read_group(value: Value) -> Parsed<Vec<Notification>> {
    let per_stream: Vec<Value> = match value {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs.into_iter().map(|(_, entries)| entries).collect(),
        other => items(other)?
            .into_iter()
            .map(|stream| {
                items(stream)?
                    .into_iter()
                    .nth(1)
                    .ok_or_else(|| ReplyError("XREADGROUP stream without entries".to_owned()))
            })
            .collect::<Parsed<_>>()?,
    };
    let mut found = Vec::new();
    for entries in per_stream {
        found.extend(notifications(entries)?);
    }
    Ok(found)
}

/// An XAUTOCLAIM reply: the cursor to continue from (`0-0` when done) and the claimed
/// notifications.
pub(crate) fn autoclaim(value: Value) -> Parsed<(String, Vec<Notification>)> {
    let mut parts = items(value)?.into_iter();
    let (Some(cursor), Some(entries)) = (parts.next(), parts.next()) else {
        return Err(ReplyError("XAUTOCLAIM reply too short".to_owned()));
    };
    let cursor = text(&cursor)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map_or_else(|| bad("expected a cursor", &cursor), |s| Ok(s.to_owned()))?;
    Ok((cursor, notifications(entries)?))
}

#[cfg(test)]
mod tests;
