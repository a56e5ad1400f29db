//! Edits and deletes of sent messages, read markers and unread counts.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::tables::{MESSAGES, READ_MARKERS, decode, encode, unavailable};
use crate::{
    ChangeOutcome, ChangeRequest, Message, MessageId, ReadState, StoreError, UNREAD_COUNT_CAP,
};

/// Messages an unread count looks at after a marker before it stops, so a long run of the
/// user's own messages cannot make a list slow.
pub(super) const UNREAD_SCAN_LIMIT: usize = 4 * UNREAD_COUNT_CAP as usize;

/// Applies `request` to its message; see `ChatStore::change_message` (`published` is left
/// false: the caller publishes, in this transaction or after it).
pub(super) fn change(
    txn: &WriteTransaction,
    request: &ChangeRequest,
) -> Result<ChangeOutcome, StoreError> {
    let mut messages = txn.open_table(MESSAGES).map_err(unavailable)?;
    let key = (request.conversation_id.as_str(), request.message_id.raw());
    let Some(current) = messages
        .get(key)
        .map_err(unavailable)?
        .map(|bytes| decode::<Message>(bytes.value()))
        .transpose()?
    else {
        return Ok(ChangeOutcome::NotFound);
    };
    let outcome = request.outcome_for(&current);
    if let ChangeOutcome::Applied {
        message,
        changed: true,
        ..
    } = &outcome
    {
        messages
            .insert(key, encode(message)?.as_slice())
            .map_err(unavailable)?;
    }
    Ok(outcome)
}

/// Moves the user's marker to `message_id` if that is newer; whether it moved.
pub(super) fn mark_read(
    txn: &WriteTransaction,
    conversation_id: &str,
    user_id: &str,
    message_id: MessageId,
) -> Result<bool, StoreError> {
    let mut markers = txn.open_table(READ_MARKERS).map_err(unavailable)?;
    let current = markers
        .get((conversation_id, user_id))
        .map_err(unavailable)?
        .map(|raw| raw.value());
    if current.is_some_and(|raw| raw >= message_id.raw()) {
        return Ok(false);
    }
    markers
        .insert((conversation_id, user_id), message_id.raw())
        .map_err(unavailable)?;
    Ok(true)
}

/// Every marker set in the conversation, by user id.
pub(super) fn markers(
    txn: &ReadTransaction,
    conversation_id: &str,
) -> Result<Vec<(String, MessageId)>, StoreError> {
    let table = txn.open_table(READ_MARKERS).map_err(unavailable)?;
    let mut found = Vec::new();
    for entry in table.range((conversation_id, "")..).map_err(unavailable)? {
        let (key, value) = entry.map_err(unavailable)?;
        let (conversation, user) = key.value();
        if conversation != conversation_id {
            break;
        }
        found.push((user.to_owned(), MessageId::from_raw(value.value())));
    }
    Ok(found)
}

/// The user's marker in the conversation and the messages from others after it.
pub(super) fn read_state(
    txn: &ReadTransaction,
    conversation_id: &str,
    user_id: &str,
) -> Result<ReadState, StoreError> {
    let markers = txn.open_table(READ_MARKERS).map_err(unavailable)?;
    let read_up_to = markers
        .get((conversation_id, user_id))
        .map_err(unavailable)?
        .map(|raw| MessageId::from_raw(raw.value()));
    let messages = txn.open_table(MESSAGES).map_err(unavailable)?;
    let after = read_up_to.map_or(0, |id| id.raw().saturating_add(1));
    let mut unread_count = 0;
    for entry in messages
        .range((conversation_id, after)..=(conversation_id, u64::MAX))
        .map_err(unavailable)?
        .take(UNREAD_SCAN_LIMIT)
    {
        let (_, bytes) = entry.map_err(unavailable)?;
        let message: Message = decode(bytes.value())?;
        if message.sender_id != user_id && !message.deleted {
            unread_count += 1;
            if unread_count == UNREAD_COUNT_CAP {
                break;
            }
        }
    }
    Ok(ReadState {
        read_up_to,
        unread_count,
    })
}
