//! Ordering of opaque event ids, and deduplication of replayed events.
//!
//! `api-v1.md` says event ids "increase for a user" but also that ids are opaque strings. The
//! comparison used here: ids made only of decimal numbers joined by `-` (a plain counter, or a
//! Redis-stream-style `millis-seq`) compare number by number; any other ids compare as strings.

use std::cmp::Ordering;

use crate::MessageEvent;

/// The decimal segments of an id such as `17-3`, or `None` when it is not of that form.
fn numeric_segments(id: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = id.split('-').collect();
    segments
        .iter()
        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then_some(segments)
}

/// Compares two decimal strings of any length by value.
fn compare_decimal(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Orders two event ids (see the module docs).
pub fn compare_event_ids(a: &str, b: &str) -> Ordering {
    match (numeric_segments(a), numeric_segments(b)) {
        (Some(x), Some(y)) => x
            .iter()
            .zip(&y)
            .map(|(p, q)| compare_decimal(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        _ => a.cmp(b),
    }
}

/// Whether every id is greater than the one before it.
pub fn strictly_increasing<S: AsRef<str>>(ids: &[S]) -> bool {
    ids.windows(2)
        .all(|w| compare_event_ids(w[0].as_ref(), w[1].as_ref()) == Ordering::Less)
}

/// The events with repeats of an already-seen `message.id` dropped (first occurrence kept).
pub fn dedupe(events: &[MessageEvent]) -> Vec<MessageEvent> {
    let mut seen = std::collections::HashSet::new();
    events
        .iter()
        .filter(|e| seen.insert(e.message_id().to_owned()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_compare_by_value() {
        assert_eq!(compare_event_ids("999-0", "1000-0"), Ordering::Less);
        assert_eq!(compare_event_ids("5-10", "5-9"), Ordering::Greater);
        assert_eq!(compare_event_ids("42", "042"), Ordering::Equal);
        assert!(strictly_increasing(&["9", "10", "11"]));
        assert!(!strictly_increasing(&["9", "9"]));
    }

    #[test]
    fn other_ids_compare_as_strings() {
        assert_eq!(compare_event_ids("01HZX", "01HZY"), Ordering::Less);
        assert!(strictly_increasing(&["a", "b", "c"]));
        assert!(!strictly_increasing(&["b", "a"]));
    }

    #[test]
    fn dedupe_keeps_first_occurrence() {
        let event = |event_id: &str, id: &str| MessageEvent {
            event_id: event_id.into(),
            message: serde_json::json!({"id": id}),
        };
        let events = [event("1", "a"), event("2", "b"), event("3", "a")];
        let kept: Vec<String> = dedupe(&events).iter().map(|e| e.event_id.clone()).collect();
        assert_eq!(kept, ["1", "2"]);
    }
}
