//! Builders the suites share.

use crate::{Conversation, ConversationKind, Message, MessageIdGenerator};

/// A fresh, unique user id (UUID v7).
pub fn fresh_user() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new group conversation of `members` (the first is the creator) created at `created_at_ms`.
pub fn group(members: &[&str], created_at_ms: i64) -> Conversation {
    Conversation::new(
        uuid::Uuid::now_v7().to_string(),
        ConversationKind::Group,
        members.iter().map(|m| (*m).to_owned()).collect(),
        Some("conformance".to_owned()),
        created_at_ms,
    )
}

/// A new direct conversation between `a` and `b` created at `created_at_ms`.
pub fn direct(a: &str, b: &str, created_at_ms: i64) -> Conversation {
    Conversation::new(
        uuid::Uuid::now_v7().to_string(),
        ConversationKind::Direct,
        vec![a.to_owned(), b.to_owned()],
        None,
        created_at_ms,
    )
}

/// A message with an id from `ids` as if sent at `unix_ms` (its `sent_at_ms` is the id's time).
pub fn message_at(
    ids: &MessageIdGenerator,
    conversation: &Conversation,
    sender: &str,
    client_msg_id: &str,
    unix_ms: i64,
) -> Message {
    let id = ids.next_at(unix_ms);
    Message::new(
        id,
        conversation.id.clone(),
        sender.to_owned(),
        format!("message {client_msg_id}"),
        client_msg_id.to_owned(),
    )
}
