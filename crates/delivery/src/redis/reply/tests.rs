use bytes::Bytes;
use redis::Value;

use super::*;

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn entry(id: &str, fields: &[&str]) -> Value {
    Value::Array(vec![
        bulk(id),
        Value::Array(fields.iter().map(|f| bulk(f)).collect()),
    ])
}

#[test]
fn log_entries_become_events() {
    let reply = Value::Array(vec![
        entry("5-0", &["p", "hello"]),
        entry("5-1", &["x", "y", "p", "again"]),
        entry("6-0", &[]),
    ]);
    let read = events(reply).unwrap();
    assert_eq!(read.len(), 3);
    assert_eq!(read[0].id, EventId::new(5, 0));
    assert_eq!(read[0].payload, Bytes::from_static(b"hello"));
    assert_eq!(read[1].payload, Bytes::from_static(b"again"));
    assert!(read[2].payload.is_empty());
    assert!(events(Value::Array(Vec::new())).unwrap().is_empty());
}

#[test]
fn malformed_log_replies_are_errors() {
    assert!(events(Value::Int(3)).is_err());
    assert!(events(Value::Array(vec![entry("nope", &["p", "x"])])).is_err());
    assert!(events(Value::Array(vec![Value::Array(Vec::new())])).is_err());
    assert!(added_id(&Value::Nil).is_err());
    assert_eq!(added_id(&bulk("7-3")).unwrap(), EventId::new(7, 3));
}

#[test]
fn the_low_water_mark_comes_from_xinfo_stream() {
    let info = Value::Array(vec![
        bulk("length"),
        Value::Int(2),
        bulk("max-deleted-entry-id"),
        bulk("9-2"),
        bulk("first-entry"),
        entry("10-0", &["p", "x"]),
    ]);
    assert_eq!(max_deleted_id(info).unwrap(), EventId::new(9, 2));
    let map = Value::Map(vec![(bulk("max-deleted-entry-id"), bulk("0-0"))]);
    assert_eq!(max_deleted_id(map).unwrap(), EventId::ZERO);
    let old_redis = Value::Array(vec![bulk("length"), Value::Int(2)]);
    assert!(max_deleted_id(old_redis).is_err());
}

#[test]
fn presence_reads_expiries_and_tolerates_garbage() {
    let reply = Value::Array(vec![bulk("gw-a"), bulk("1000"), bulk("gw-b"), bulk("soon")]);
    assert_eq!(
        presence(reply).unwrap(),
        [("gw-a".to_owned(), 1000), ("gw-b".to_owned(), 0)]
    );
    assert!(presence(Value::Array(Vec::new())).unwrap().is_empty());
    assert!(presence(Value::Array(vec![Value::Int(1), bulk("2")])).is_err());
}

#[test]
fn inbox_reads_and_claims_become_notifications() {
    let read = Value::Array(vec![Value::Array(vec![
        bulk("gochat:{gw:a}:inbox"),
        Value::Array(vec![
            entry("1-0", &["u", "ada"]),
            entry("1-1", &["z", "q"]),
            entry("1-2", &["u", "eve", "s", "typing"]),
        ]),
    ])]);
    assert_eq!(
        read_group(read).unwrap(),
        [
            Notification {
                id: "1-0".to_owned(),
                user: Some("ada".to_owned()),
                signal: None,
            },
            Notification {
                id: "1-1".to_owned(),
                user: None,
                signal: None,
            },
            Notification {
                id: "1-2".to_owned(),
                user: Some("eve".to_owned()),
                signal: Some(Bytes::from_static(b"typing")),
            },
        ]
    );
    assert!(read_group(Value::Nil).unwrap().is_empty());

    let claimed = Value::Array(vec![
        bulk("0-0"),
        Value::Array(vec![
            entry("2-0", &["u", "bob"]),
            Value::Array(vec![bulk("2-1"), Value::Nil]),
        ]),
        Value::Array(Vec::new()),
    ]);
    let (cursor, notes) = autoclaim(claimed).unwrap();
    assert_eq!(cursor, "0-0");
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].user.as_deref(), Some("bob"));
    assert_eq!(notes[1].user, None);
    assert!(autoclaim(Value::Array(vec![bulk("0-0")])).is_err());
}
