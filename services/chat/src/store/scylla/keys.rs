//! How domain values map to CQL keys: buckets, message ids as `bigint`, pair keys and the
//! write timestamps that keep a user's last activity monotonic.

use crate::{EPOCH_MS, MessageId, StoreError};

/// The time window of one `messages` partition: 10 days of message-id time. A busy
/// conversation's partition then stays bounded, and a quiet one's history spans few of them.
pub const BUCKET_MS: i64 = 10 * 24 * 60 * 60 * 1000;

/// The bucket holding messages sent at `unix_ms` (times before the id epoch fall in bucket 0).
pub fn bucket_at(unix_ms: i64) -> i32 {
    let elapsed = unix_ms.saturating_sub(EPOCH_MS).max(0) / BUCKET_MS;
    i32::try_from(elapsed).unwrap_or(i32::MAX)
}

/// The bucket of the message with `id`.
pub fn bucket_of(id: MessageId) -> i32 {
    bucket_at(id.unix_ms())
}

/// A message id as stored (`bigint`). Ids past `i64::MAX` (time parts after the year 2094)
/// would sort wrongly as signed values, so they are refused.
pub(super) fn stored_id(id: MessageId) -> Result<i64, StoreError> {
    i64::try_from(id.raw())
        .map_err(|_| StoreError::Invalid(format!("message id {id} is beyond the stored range")))
}

/// The partitions of the outbox (`pending_publications`).
pub(super) const PENDING_SHARDS: i32 = 16;

/// The outbox partition of a message.
pub(super) fn pending_shard(id: MessageId) -> i32 {
    // The remainder is below 16, so it always fits.
    i32::try_from(id.raw() % PENDING_SHARDS.unsigned_abs() as u64).unwrap_or(0)
}

/// A message id read back; negative values are not ids this store writes.
pub(super) fn read_id(raw: i64) -> Result<MessageId, StoreError> {
    u64::try_from(raw)
        .map(MessageId::from_raw)
        .map_err(|_| StoreError::Corrupt(format!("negative message id {raw}")))
}

/// An exclusive upper bound for `message_id < ?`, or `None` when every stored id is below it.
pub(super) fn upper_bound(before: MessageId) -> Option<i64> {
    i64::try_from(before.raw()).ok()
}

/// The write timestamp (µs) of a message's activity update: its send time. Memberships are
/// created at [`MEMBERSHIP_TIMESTAMP`], below every message, so whichever order concurrent
/// or repeated writes land in, the newest message's activity is what stays (the usual
/// last-write-wins, ordered by message time rather than arrival).
pub(super) fn activity_timestamp(id: MessageId) -> i64 {
    id.unix_ms().saturating_mul(1000)
}

/// The write timestamp of a membership row's creation (see [`activity_timestamp`]).
pub(super) const MEMBERSHIP_TIMESTAMP: i64 = 1;

/// A direct conversation's pair key: both member ids, smaller first, length-prefixed so no
/// two pairs share a key; `Invalid` unless there are exactly two distinct members.
pub(super) fn pair_key(member_ids: &[String]) -> Result<String, StoreError> {
    match member_ids {
        [a, b] if a != b => Ok(direct_pair(a, b)),
        _ => Err(StoreError::Invalid(
            "a direct conversation has exactly two distinct members".into(),
        )),
    }
}

/// The `direct_pairs` key of `a` and `b`, in either order.
pub fn direct_pair(a: &str, b: &str) -> String {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    format!("{}:{low}{high}", low.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_fixed_windows_of_id_time() {
        assert_eq!(bucket_at(EPOCH_MS), 0);
        assert_eq!(bucket_at(EPOCH_MS - 5), 0);
        assert_eq!(bucket_at(EPOCH_MS + BUCKET_MS - 1), 0);
        assert_eq!(bucket_at(EPOCH_MS + BUCKET_MS), 1);
        assert_eq!(
            bucket_at(i64::MAX),
            i32::try_from((i64::MAX - EPOCH_MS) / BUCKET_MS).unwrap_or(i32::MAX)
        );
        let id = MessageId::first_at(EPOCH_MS + 3 * BUCKET_MS + 7);
        assert_eq!(bucket_of(id), 3);
    }

    #[test]
    fn ids_round_trip_and_huge_ids_are_refused() {
        let id = MessageId::from_parts(123_456, 7, 8);
        assert_eq!(read_id(stored_id(id).unwrap()).unwrap(), id);
        let huge = MessageId::from_raw(u64::MAX);
        assert!(matches!(stored_id(huge), Err(StoreError::Invalid(_))));
        assert_eq!(upper_bound(huge), None);
        assert!(matches!(read_id(-1), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn activity_timestamps_follow_message_time() {
        let older = MessageId::first_at(EPOCH_MS + 1_000);
        let newer = MessageId::first_at(EPOCH_MS + 1_001);
        assert!(activity_timestamp(older) < activity_timestamp(newer));
        assert!(MEMBERSHIP_TIMESTAMP < activity_timestamp(MessageId::from_raw(0)));
    }

    #[test]
    fn pair_keys_ignore_order_and_cannot_collide() {
        assert_eq!(direct_pair("a", "b"), direct_pair("b", "a"));
        assert_ne!(direct_pair("ab", "c"), direct_pair("a", "bc"));
        let members = |m: &[&str]| m.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            pair_key(&members(&["x", "y"])).unwrap(),
            direct_pair("y", "x")
        );
        for bad in [
            members(&["x"]),
            members(&["x", "x"]),
            members(&["x", "y", "z"]),
        ] {
            assert!(matches!(pair_key(&bad), Err(StoreError::Invalid(_))));
        }
    }
}
