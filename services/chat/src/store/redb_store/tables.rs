//! The redb tables of the chat store and the encoding of their values.

use redb::TableDefinition;
use serde::{Serialize, de::DeserializeOwned};

use crate::StoreError;

/// conversation id -> JSON [`crate::Conversation`].
pub(super) const CONVERSATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("conversations");
/// (smaller user id, larger user id) -> the pair's direct conversation id.
pub(super) const DIRECT_PAIRS: TableDefinition<(&str, &str), &str> =
    TableDefinition::new("direct_pairs");
/// (user id, conversation id) -> (creation ms, newest message id): each user's conversation
/// list. Earlier versions updated both values on every send; now they are written once, at
/// creation, and lists read each conversation's newest message from [`MESSAGES`].
pub(super) const MEMBERSHIPS: TableDefinition<(&str, &str), (i64, Option<u64>)> =
    TableDefinition::new("memberships");
/// (conversation id, message id) -> JSON [`crate::Message`].
pub(super) const MESSAGES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("messages");
/// (conversation id, sender id, client_msg_id) -> message id.
pub(super) const IDEMPOTENCY: TableDefinition<(&str, &str, &str), u64> =
    TableDefinition::new("idempotency");
/// (blocker, blocked) -> since when (ms since the Unix epoch).
pub(super) const BLOCKS: TableDefinition<(&str, &str), i64> = TableDefinition::new("blocks");
/// (conversation id, user id) -> the newest message id the user has read there.
pub(super) const READ_MARKERS: TableDefinition<(&str, &str), u64> =
    TableDefinition::new("read_markers");
/// (conversation id, message id) of messages whose delivery events are not published yet.
/// The table keeps its first name, `undelivered`, so existing data dirs keep their state.
pub(super) const UNPUBLISHED: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("undelivered");

/// Maps any redb failure to [`StoreError::Unavailable`].
pub(super) fn unavailable(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Unavailable(e.into().to_string())
}

/// A value as stored.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}

/// A stored value read back.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}
