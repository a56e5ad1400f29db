//! Conversation records, the direct-pair index and per-user conversation lists.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::tables::{
    CONVERSATIONS, DIRECT_PAIRS, MEMBERSHIPS, MESSAGES, decode, encode, unavailable,
};
use crate::{
    Conversation, ConversationKind, ConversationSummary, CreatedConversation, Message, StoreError,
};

/// The conversation with `id` from an open conversations table.
pub(super) fn load(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<Conversation>, StoreError> {
    match table.get(id).map_err(unavailable)? {
        Some(bytes) => decode::<Conversation>(bytes.value()).map(|c| Some(c.with_creator())),
        None => Ok(None),
    }
}

/// A direct conversation's index key: its two members, smaller first.
fn pair_key(member_ids: &[String]) -> Result<(&str, &str), StoreError> {
    match member_ids {
        [a, b] if a != b => Ok(if a < b { (a, b) } else { (b, a) }),
        _ => Err(StoreError::Invalid(
            "a direct conversation has exactly two distinct members".into(),
        )),
    }
}

/// Stores `conversation` (insert-if-absent per pair when direct) and the memberships.
pub(super) fn create(
    txn: &WriteTransaction,
    conversation: Conversation,
) -> Result<CreatedConversation, StoreError> {
    let mut conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    if conversation.kind == ConversationKind::Direct {
        let mut pairs = txn.open_table(DIRECT_PAIRS).map_err(unavailable)?;
        let key = pair_key(&conversation.member_ids)?;
        let existing = pairs
            .get(key)
            .map_err(unavailable)?
            .map(|id| id.value().to_owned());
        if let Some(id) = existing {
            let found = load(&conversations, &id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("direct pair points at missing conversation {id}"))
            })?;
            return Ok(CreatedConversation {
                conversation: found,
                created: false,
            });
        }
        pairs
            .insert(key, conversation.id.as_str())
            .map_err(unavailable)?;
    }
    if conversations
        .get(conversation.id.as_str())
        .map_err(unavailable)?
        .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "conversation id {} is already used",
            conversation.id
        )));
    }
    conversations
        .insert(conversation.id.as_str(), encode(&conversation)?.as_slice())
        .map_err(unavailable)?;
    let mut memberships = txn.open_table(MEMBERSHIPS).map_err(unavailable)?;
    for member in &conversation.member_ids {
        memberships
            .insert(
                (member.as_str(), conversation.id.as_str()),
                (conversation.created_at_ms, None),
            )
            .map_err(unavailable)?;
    }
    Ok(CreatedConversation {
        conversation,
        created: true,
    })
}

/// Writes `updated` over its stored version if that still has the `expected` members, and
/// adds and removes the list rows of who joined and left; false (nothing written) when the
/// members changed meanwhile.
pub(super) fn replace_members(
    txn: &WriteTransaction,
    expected: &[String],
    updated: &Conversation,
) -> Result<bool, StoreError> {
    let mut conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    let stored = load(&conversations, &updated.id)?
        .ok_or_else(|| StoreError::ConversationNotFound(updated.id.clone()))?;
    if stored.member_ids != expected {
        return Ok(false);
    }
    conversations
        .insert(updated.id.as_str(), encode(updated)?.as_slice())
        .map_err(unavailable)?;
    let mut memberships = txn.open_table(MEMBERSHIPS).map_err(unavailable)?;
    let (joined, left) = crate::store::joined_and_left(expected, &updated.member_ids);
    for member in joined {
        memberships
            .insert((member, updated.id.as_str()), (updated.created_at_ms, None))
            .map_err(unavailable)?;
    }
    for member in left {
        memberships
            .remove((member, updated.id.as_str()))
            .map_err(unavailable)?;
    }
    Ok(true)
}

/// The direct conversation between `a` and `b`, if any.
pub(super) fn direct(
    txn: &ReadTransaction,
    a: &str,
    b: &str,
) -> Result<Option<Conversation>, StoreError> {
    let key = if a < b { (a, b) } else { (b, a) };
    let pairs = txn.open_table(DIRECT_PAIRS).map_err(unavailable)?;
    let Some(id) = pairs
        .get(key)
        .map_err(unavailable)?
        .map(|id| id.value().to_owned())
    else {
        return Ok(None);
    };
    let conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    load(&conversations, &id)
}

/// One row of a user's list: (when the conversation was created, ms; conversation id).
pub(super) type Membership = (i64, String);

/// The user's memberships, in key order. (The value's second field, the newest message id,
/// was kept up to date by earlier versions on every send; it is no longer read: the messages
/// table says which message is newest.)
pub(super) fn memberships(
    table: &impl ReadableTable<(&'static str, &'static str), (i64, Option<u64>)>,
    user_id: &str,
) -> Result<Vec<Membership>, StoreError> {
    let mut rows = Vec::new();
    for entry in table.range((user_id, "")..).map_err(unavailable)? {
        let (key, value) = entry.map_err(unavailable)?;
        let (user, conversation) = key.value();
        if user != user_id {
            break;
        }
        rows.push((value.value().0, conversation.to_owned()));
    }
    Ok(rows)
}

/// Every conversation `user_id` is a member of.
pub(super) fn of_member(
    txn: &ReadTransaction,
    user_id: &str,
) -> Result<Vec<Conversation>, StoreError> {
    let rows = memberships(&txn.open_table(MEMBERSHIPS).map_err(unavailable)?, user_id)?;
    let conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    rows.into_iter()
        .map(|(_, id)| {
            load(&conversations, &id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("membership points at missing conversation {id}"))
            })
        })
        .collect()
}

/// The newest message of the conversation, if any.
fn newest_message(
    messages: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    conversation_id: &str,
) -> Result<Option<Message>, StoreError> {
    let newest = messages
        .range((conversation_id, 0)..=(conversation_id, u64::MAX))
        .map_err(unavailable)?
        .next_back()
        .transpose()
        .map_err(unavailable)?;
    newest.map(|(_, bytes)| decode(bytes.value())).transpose()
}

/// The user's conversations with their newest messages, most recently active first.
pub(super) fn list(
    txn: &ReadTransaction,
    user_id: &str,
) -> Result<Vec<ConversationSummary>, StoreError> {
    let rows = memberships(&txn.open_table(MEMBERSHIPS).map_err(unavailable)?, user_id)?;
    let conversations = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    let messages = txn.open_table(MESSAGES).map_err(unavailable)?;
    let mut summaries = rows
        .into_iter()
        .map(|(_, id)| {
            let conversation = load(&conversations, &id)?.ok_or_else(|| {
                StoreError::Corrupt(format!("membership points at missing conversation {id}"))
            })?;
            Ok(ConversationSummary {
                last_message: newest_message(&messages, &id)?,
                read: super::changes::read_state(txn, &id, user_id)?,
                conversation,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    summaries.sort_by(|a, b| activity(b).cmp(&activity(a)));
    Ok(summaries)
}

/// How recent a conversation is: its newest message's time (its creation time when it has
/// none), then that message's id, then the conversation id.
fn activity(summary: &ConversationSummary) -> (i64, u64, &str) {
    match &summary.last_message {
        Some(m) => (m.sent_at_ms, m.id.raw(), summary.conversation.id.as_str()),
        None => (
            summary.conversation.created_at_ms,
            0,
            summary.conversation.id.as_str(),
        ),
    }
}
