//! The chat domain: conversations and messages as the store keeps them.

use serde::{Deserialize, Serialize};

use crate::MessageId;

/// Whether a conversation is between exactly two people or a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Two members, unique per pair, no title.
    Direct,
    /// The creator plus one or more others, with an optional title.
    Group,
}

/// A conversation and its (fixed) members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// UUID v7 string.
    pub id: String,
    /// Direct or group.
    pub kind: ConversationKind,
    /// Every member, the creator first; no duplicates.
    pub member_ids: Vec<String>,
    /// A group's title; always `None` for a direct conversation.
    pub title: Option<String>,
    /// When it was created, ms since the Unix epoch.
    pub created_at_ms: i64,
}

impl Conversation {
    /// Whether `user_id` is a member.
    pub fn has_member(&self, user_id: &str) -> bool {
        self.member_ids.iter().any(|m| m == user_id)
    }
}

/// One accepted message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Time-ordered id; its time part is `sent_at_ms`.
    pub id: MessageId,
    /// The conversation it was sent in.
    pub conversation_id: String,
    /// Who sent it (a member).
    pub sender_id: String,
    /// The text, as sent.
    pub body: String,
    /// The sender's idempotency key: a retry with the same key returns this message.
    pub client_msg_id: String,
    /// When it was accepted, ms since the Unix epoch (equal to `id.unix_ms()`).
    pub sent_at_ms: i64,
}

/// A conversation in a user's list, with its newest message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The conversation.
    pub conversation: Conversation,
    /// Its newest message, if any was sent.
    pub last_message: Option<Message>,
}

/// What creating a conversation gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedConversation {
    /// The stored conversation: the new one, or the pair's existing direct conversation.
    pub conversation: Conversation,
    /// False when an existing direct conversation was returned instead.
    pub created: bool,
}

/// What storing a message gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// The stored message: the new one, or the first one sent with the same idempotency key.
    pub message: Message,
    /// False when the idempotency key was already used and the first message is returned.
    pub created: bool,
    /// Whether the message's delivery events were published (see `ChatStore::mark_published`).
    pub published: bool,
}
