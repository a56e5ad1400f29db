//! Messages, their idempotency records and publication state.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::{
    conversations::memberships,
    tables::{
        CONVERSATIONS, IDEMPOTENCY, MEMBERSHIPS, MESSAGES, UNPUBLISHED, decode, encode, unavailable,
    },
};
use crate::{Message, MessageId, StoreError, StoredMessage};

/// Stores `message` unless its idempotency key is taken, and publishes the stored message in
/// the same transaction with `publish` unless that already happened; see
/// `ChatStore::store_and_publish`. Returns what `publish` gave, when it ran.
pub(super) fn store_published<P>(
    txn: &WriteTransaction,
    message: Message,
    publish: impl FnOnce(&Message) -> Result<P, StoreError>,
) -> Result<(StoredMessage, Option<P>), StoreError> {
    let mut stored = store(txn, message, false)?;
    if stored.published {
        return Ok((stored, None));
    }
    let published = publish(&stored.message)?;
    if !stored.created {
        txn.open_table(UNPUBLISHED)
            .map_err(unavailable)?
            .remove((
                stored.message.conversation_id.as_str(),
                stored.message.id.raw(),
            ))
            .map_err(unavailable)?;
    }
    stored.published = true;
    Ok((stored, Some(published)))
}

/// Stores `message` unless its idempotency key is taken; see `ChatStore::store_message`. A new
/// message is marked unpublished when `mark_unpublished` is set (its caller publishes it
/// later, in another transaction).
pub(super) fn store(
    txn: &WriteTransaction,
    message: Message,
    mark_unpublished: bool,
) -> Result<StoredMessage, StoreError> {
    let conversation_id = message.conversation_id.as_str();
    let key = (
        conversation_id,
        message.sender_id.as_str(),
        message.client_msg_id.as_str(),
    );
    let mut idempotency = txn.open_table(IDEMPOTENCY).map_err(unavailable)?;
    let mut messages = txn.open_table(MESSAGES).map_err(unavailable)?;
    let mut unpublished = txn.open_table(UNPUBLISHED).map_err(unavailable)?;

    let existing = idempotency
        .get(key)
        .map_err(unavailable)?
        .map(|id| id.value());
    if let Some(raw) = existing {
        let first = match messages.get((conversation_id, raw)).map_err(unavailable)? {
            Some(bytes) => decode::<Message>(bytes.value())?,
            None => {
                return Err(StoreError::Corrupt(format!(
                    "idempotency record points at missing message {}",
                    MessageId::from_raw(raw)
                )));
            }
        };
        let published = unpublished
            .get((conversation_id, raw))
            .map_err(unavailable)?
            .is_none();
        return Ok(StoredMessage {
            message: first,
            created: false,
            published,
        });
    }

    let conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    if conversations
        .get(conversation_id)
        .map_err(unavailable)?
        .is_none()
    {
        return Err(StoreError::ConversationNotFound(conversation_id.to_owned()));
    }
    let raw = message.id.raw();
    if messages
        .get((conversation_id, raw))
        .map_err(unavailable)?
        .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "message id {} is already used",
            message.id
        )));
    }
    messages
        .insert((conversation_id, raw), encode(&message)?.as_slice())
        .map_err(unavailable)?;
    idempotency.insert(key, raw).map_err(unavailable)?;
    if mark_unpublished {
        unpublished
            .insert((conversation_id, raw), ())
            .map_err(unavailable)?;
    }

    Ok(StoredMessage {
        message,
        created: true,
        published: false,
    })
}

/// Up to `limit` messages of the conversation below `before`, newest first.
pub(super) fn before(
    txn: &ReadTransaction,
    conversation_id: &str,
    before: Option<MessageId>,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    let table = txn.open_table(MESSAGES).map_err(unavailable)?;
    let start = (conversation_id, 0u64);
    let range = match before {
        Some(id) => table.range(start..(conversation_id, id.raw())),
        None => table.range(start..=(conversation_id, u64::MAX)),
    }
    .map_err(unavailable)?;
    range
        .rev()
        .take(limit)
        .map(|entry| {
            let (_, value) = entry.map_err(unavailable)?;
            decode(value.value())
        })
        .collect()
}

/// Up to `limit` messages of the user's conversations sent at or after `since_ms`, oldest
/// first.
pub(super) fn since(
    txn: &ReadTransaction,
    user_id: &str,
    since_ms: i64,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let rows = memberships(&txn.open_table(MEMBERSHIPS).map_err(unavailable)?, user_id)?;
    let table = txn.open_table(MESSAGES).map_err(unavailable)?;
    let first = MessageId::first_at(since_ms).raw();
    let mut found: Vec<Message> = Vec::new();
    for (_, conversation_id) in rows {
        let range = table
            .range((conversation_id.as_str(), first)..=(conversation_id.as_str(), u64::MAX))
            .map_err(unavailable)?;
        let mut taken = 0;
        for entry in range {
            let (_, value) = entry.map_err(unavailable)?;
            let message: Message = decode(value.value())?;
            if message.sent_at_ms >= since_ms {
                found.push(message);
                taken += 1;
                if taken == limit {
                    break;
                }
            }
        }
    }
    found.sort_by_key(|m| (m.sent_at_ms, m.id));
    found.truncate(limit);
    Ok(found)
}
