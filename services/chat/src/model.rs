//! The chat domain: conversations and messages as the store keeps them.

use std::collections::BTreeMap;

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

/// A conversation and its members. A direct conversation's two members never change; a
/// group's members may add others, leave, or be removed by its creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// UUID v7 string.
    pub id: String,
    /// Direct or group.
    pub kind: ConversationKind,
    /// Every current member, in the order they joined (the creator first while still a
    /// member); no duplicates.
    pub member_ids: Vec<String>,
    /// A group's title; always `None` for a direct conversation.
    pub title: Option<String>,
    /// When it was created, ms since the Unix epoch.
    pub created_at_ms: i64,
    /// Who created it (empty in records written before it was kept: then the first
    /// member, see [`Conversation::with_creator`]).
    #[serde(default)]
    pub created_by: String,
    /// Members who left or were removed, with when (ms since the Unix epoch): each may read
    /// the history before that time and nothing after.
    #[serde(default)]
    pub former_members: BTreeMap<String, i64>,
}

impl Conversation {
    /// A new conversation of `member_ids` (the creator first), with nobody gone yet.
    pub fn new(
        id: String,
        kind: ConversationKind,
        member_ids: Vec<String>,
        title: Option<String>,
        created_at_ms: i64,
    ) -> Self {
        let created_by = member_ids.first().cloned().unwrap_or_default();
        Self {
            id,
            kind,
            member_ids,
            title,
            created_at_ms,
            created_by,
            former_members: BTreeMap::new(),
        }
    }

    /// This conversation with `created_by` filled in from the first member when a record
    /// from before it was kept left it empty (no member could leave back then, so the
    /// first member is the creator).
    pub fn with_creator(mut self) -> Self {
        if self.created_by.is_empty() {
            self.created_by = self.member_ids.first().cloned().unwrap_or_default();
        }
        self
    }

    /// Whether `user_id` is a member.
    pub fn has_member(&self, user_id: &str) -> bool {
        self.member_ids.iter().any(|m| m == user_id)
    }

    /// When `user_id` left or was removed, if they are a former member.
    pub fn left_at(&self, user_id: &str) -> Option<i64> {
        self.former_members.get(user_id).copied()
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
    /// When its body was last replaced by its sender, ms since the Unix epoch.
    #[serde(default)]
    pub edited_at_ms: Option<i64>,
    /// Deleted by its sender: it stays in history in its place, with an empty body.
    #[serde(default)]
    pub deleted: bool,
}

impl Message {
    /// A new, unedited message.
    pub fn new(
        id: MessageId,
        conversation_id: String,
        sender_id: String,
        body: String,
        client_msg_id: String,
    ) -> Self {
        Self {
            id,
            conversation_id,
            sender_id,
            body,
            client_msg_id,
            sent_at_ms: id.unix_ms(),
            edited_at_ms: None,
            deleted: false,
        }
    }

    /// This message as `change` leaves it at `at_ms`.
    pub fn changed(&self, change: &MessageChange, at_ms: i64) -> Self {
        match change {
            MessageChange::Edit(body) => Self {
                body: body.clone(),
                edited_at_ms: Some(at_ms),
                ..self.clone()
            },
            MessageChange::Delete => Self {
                body: String::new(),
                deleted: true,
                ..self.clone()
            },
        }
    }
}

/// What a sender does to one of their messages after sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageChange {
    /// Replace the body.
    Edit(String),
    /// Delete it, leaving a tombstone with an empty body.
    Delete,
}

/// A sender's change to a message, addressed by conversation and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRequest {
    /// The conversation the message is in.
    pub conversation_id: String,
    /// The message.
    pub message_id: MessageId,
    /// Who asks: only the message's sender may change it.
    pub user_id: String,
    /// The change.
    pub change: MessageChange,
    /// When the change is made, ms since the Unix epoch (an edit's `edited_at_ms`).
    pub at_ms: i64,
}

impl ChangeRequest {
    /// What this request does to `current`, the message as stored: every store decides the
    /// same way.
    pub fn outcome_for(&self, current: &Message) -> ChangeOutcome {
        if current.sender_id != self.user_id {
            return ChangeOutcome::NotTheSender;
        }
        let unchanged = match &self.change {
            MessageChange::Edit(_) if current.deleted => return ChangeOutcome::Deleted,
            MessageChange::Edit(body) => *body == current.body,
            MessageChange::Delete => current.deleted,
        };
        ChangeOutcome::Applied {
            message: if unchanged {
                current.clone()
            } else {
                current.changed(&self.change, self.at_ms)
            },
            changed: !unchanged,
            published: false,
        }
    }
}

/// What a change request gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// The message as it now is. `changed` is false when it already was so (the same body
    /// again, or a second delete): nothing was written. `published` says whether the change
    /// event was published in the same write (see `ChatStore::change_message`).
    Applied {
        /// The message after the change.
        message: Message,
        /// Whether anything was written.
        changed: bool,
        /// Whether the change event was published with the write.
        published: bool,
    },
    /// No such message in the conversation.
    NotFound,
    /// An edit of a deleted message (its tombstone stays; its text cannot come back).
    Deleted,
    /// The message was sent by someone else.
    NotTheSender,
}

/// Where a user is in a conversation: their read marker and how many messages from others
/// came after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadState {
    /// The newest message the user has read, if they marked any.
    pub read_up_to: Option<MessageId>,
    /// Messages from others after the marker that are not deleted, counted up to
    /// [`UNREAD_COUNT_CAP`].
    pub unread_count: u32,
}

/// Unread counts stop at this number: a client shows "999+" rather than the store
/// counting a long backlog on every list.
pub const UNREAD_COUNT_CAP: u32 = 999;

/// A conversation in a user's list, with its newest message and the user's read state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The conversation.
    pub conversation: Conversation,
    /// Its newest message, if any was sent.
    pub last_message: Option<Message>,
    /// The listing user's read marker and unread count.
    pub read: ReadState,
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
