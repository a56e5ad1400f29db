//! Where conversations and messages live: the contract, its embedded implementation and
//! its production (CQL) implementation.

mod redb_store;
pub mod scylla;

use async_trait::async_trait;
use bytes::Bytes;

use crate::{
    ChangeOutcome, ChangeRequest, Conversation, ConversationSummary, CreatedConversation, Message,
    MessageId, Publication, ReadState, StoredMessage,
};

pub use redb_store::RedbChatStore;
pub use scylla::ScyllaChatStore;

/// Failures of a chat store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached or failed; retrying later may work.
    #[error("chat store unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be read back.
    #[error("chat store holds a corrupt record: {0}")]
    Corrupt(String),
    /// A message was stored into a conversation that does not exist.
    #[error("conversation {0:?} not found")]
    ConversationNotFound(String),
    /// The caller asked for something the contract rules out (e.g. a direct conversation
    /// without exactly two members).
    #[error("invalid store request: {0}")]
    Invalid(String),
}

/// What moving a read marker gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkedRead {
    /// False when the marker already was at or past the message.
    pub moved: bool,
    /// Whether the `read` event was published in the same write.
    pub published: bool,
}

/// What a membership update gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MembersUpdated {
    /// False when the members were no longer the expected ones: nothing was written.
    pub applied: bool,
    /// Whether the change event was published in the same write.
    pub published: bool,
}

/// Who joined and who left between `before` and `after` (two member lists).
pub fn joined_and_left<'a>(
    before: &'a [String],
    after: &'a [String],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let joined = after
        .iter()
        .filter(|m| !before.contains(m))
        .map(String::as_str)
        .collect();
    let left = before
        .iter()
        .filter(|m| !after.contains(m))
        .map(String::as_str)
        .collect();
    (joined, left)
}

/// Conversations, per-user conversation lists, messages and idempotency records.
///
/// Shaped for a wide-column store partitioned by conversation (and time bucket) with
/// messages clustered newest first: history is read as "a page before id X, newest first",
/// and catch-up as "messages of a user's conversations since time T". Message ids are
/// time-ordered and `sent_at_ms` is always the time part of the id, so implementations may
/// find messages by time through their ids.
#[async_trait]
pub trait ChatStore: Send + Sync + 'static {
    /// Stores a new conversation and adds it to each member's list.
    ///
    /// A direct conversation is insert-if-absent on its (sorted) member pair, atomically:
    /// when the pair already has one, nothing is written and that one is returned with
    /// `created: false`, so concurrent creators all end up with the same conversation.
    async fn create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<CreatedConversation, StoreError>;

    /// The conversation with this id, if any.
    async fn conversation(&self, id: &str) -> Result<Option<Conversation>, StoreError>;

    /// The direct conversation between `a` and `b` (in either order), if any.
    async fn direct_conversation(
        &self,
        a: &str,
        b: &str,
    ) -> Result<Option<Conversation>, StoreError>;

    /// The user's conversations, most recently active first: by the newest message's id
    /// (its time), or by creation time for a conversation without messages; each with the
    /// user's [`ReadState`].
    async fn list_conversations(
        &self,
        user_id: &str,
    ) -> Result<Vec<ConversationSummary>, StoreError>;

    /// Stores `message` unpublished unless its sender already stored a message with the
    /// same `client_msg_id` in the same conversation; then nothing is written and the first
    /// message is returned (`created: false`) with its publication state. Insert-if-absent on
    /// that key, atomically with the message itself (and the members' last activity, in a
    /// store that keeps it apart from the messages).
    async fn store_message(&self, message: &Message) -> Result<StoredMessage, StoreError>;

    /// Stores `message` as [`Self::store_message`] does and, where this store commits the
    /// event log's writes too ([`RedbChatStore::open_with_event_log`]), publishes the stored
    /// message (the new one, or the first one if it is still unpublished) to `publication`'s
    /// recipients in the same commit and returns it `published`. Other stores only store;
    /// the caller publishes what comes back unpublished.
    async fn store_and_publish(
        &self,
        message: &Message,
        _publication: &Publication,
    ) -> Result<StoredMessage, StoreError> {
        self.store_message(message).await
    }

    /// Records that the message's delivery events were published. Idempotent.
    async fn mark_published(
        &self,
        conversation_id: &str,
        message_id: MessageId,
    ) -> Result<(), StoreError>;

    /// Up to `limit` stored messages with ids below `before` (sent before its time) that are
    /// not recorded as published, oldest first, as (conversation id, message id): the
    /// outbox the republisher works through.
    async fn unpublished(
        &self,
        before: MessageId,
        limit: usize,
    ) -> Result<Vec<(String, MessageId)>, StoreError>;

    /// Takes the republishing of the unpublished message `message_id` until `until_ms`, so
    /// that one replica at a time republishes it: false while another holds it, or once it
    /// is no longer unpublished.
    async fn claim_republication(
        &self,
        conversation_id: &str,
        message_id: MessageId,
        until_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Up to `limit` messages of the conversation with ids below `before` (all when
    /// `None`), newest first.
    async fn messages_before(
        &self,
        conversation_id: &str,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;

    /// Up to `limit` messages of all the user's conversations with `sent_at_ms >= since_ms`,
    /// oldest first (by `sent_at_ms`, then id): the earliest ones when there are more.
    async fn messages_since(
        &self,
        user_id: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError>;

    /// Replaces a group's members and former members with `updated`'s if its members are
    /// still `expected` (compare-and-set: a concurrent change is never lost; the caller
    /// reads the conversation again and retries when `applied` is false), and adds the list
    /// rows of those who joined and removes those of those who left. Where this store commits
    /// the event log's writes too, `event` is appended for `publication`'s recipients in the
    /// same commit (`published`).
    async fn update_members(
        &self,
        expected: &[String],
        updated: &Conversation,
        publication: &Publication,
        event: &Bytes,
    ) -> Result<MembersUpdated, StoreError>;

    /// Records that `blocker` blocks `blocked` since `at_ms` (again: the time is replaced).
    async fn block(&self, blocker: &str, blocked: &str, at_ms: i64) -> Result<(), StoreError>;

    /// Lifts `blocker`'s block of `blocked`, if any.
    async fn unblock(&self, blocker: &str, blocked: &str) -> Result<(), StoreError>;

    /// Everyone `blocker` blocks, with since when, in no particular order.
    async fn blocks_of(&self, blocker: &str) -> Result<Vec<(String, i64)>, StoreError>;

    /// Every conversation the user is a member of, in no particular order (without their
    /// messages: for finding who shares a conversation with the user).
    async fn member_conversations(&self, user_id: &str) -> Result<Vec<Conversation>, StoreError>;

    /// The message `id` of the conversation, if stored (a deleted one as its tombstone).
    async fn message(
        &self,
        conversation_id: &str,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError>;

    /// Applies a sender's edit or delete to their message, unless it is missing, someone
    /// else's, or (for an edit) deleted; see [`ChangeOutcome`]. Repeating a change writes
    /// nothing (`changed: false`). Where this store commits the event log's writes too, a
    /// change that wrote something is published to `publication`'s recipients in the same
    /// commit (`published: true`); other stores leave publishing to the caller.
    async fn change_message(
        &self,
        request: &ChangeRequest,
        publication: &Publication,
    ) -> Result<ChangeOutcome, StoreError>;

    /// Moves the user's read marker in the conversation to `message_id` when that is newer
    /// than the marker (markers never move back); answers whether it moved. Where this store
    /// commits the event log's writes too, a move is published to `publication`'s
    /// recipients as a `read` event in the same commit, and the answer's `published` says so.
    async fn mark_read(
        &self,
        conversation_id: &str,
        user_id: &str,
        message_id: MessageId,
        publication: &Publication,
    ) -> Result<MarkedRead, StoreError>;

    /// Every read marker set in the conversation: (user id, newest message read).
    async fn read_markers(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(String, MessageId)>, StoreError>;

    /// The user's read marker and unread count in the conversation.
    async fn read_state(
        &self,
        conversation_id: &str,
        user_id: &str,
    ) -> Result<ReadState, StoreError>;

    /// Answers when the backend is reachable (for readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}
