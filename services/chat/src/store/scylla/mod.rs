//! The production [`ChatStore`]: ScyllaDB (any CQL database; tests run Apache Cassandra).
//!
//! Tables are in [`SCHEMA`]. Writes that must be insert-if-absent (a direct conversation per
//! pair, a conversation id, a message per idempotency key) are claimed first: by lightweight
//! transactions, except that a store given [`SendClaims`] claims a message's idempotency key
//! in Redis (no Paxos round on the send path; the idempotency row still decides once the
//! claim is gone). Everything derived from a claim is an idempotent upsert, so whoever sees a
//! claim whose writes are missing (its writer died half-way, or is still writing) finishes
//! them, identically. A message's row is written last and is its commit point: history and
//! catch-up read only message rows, and everything they rely on was written before.

mod changes;
mod claims;
mod conversations;
mod history;
mod keys;
mod lwt;
mod messages;
mod rows;
mod schema;
mod statements;

use std::{fmt::Display, future::Future, sync::Arc};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, future, stream};
use gochat_cql::scylla::{
    client::session::Session, errors::ExecutionError, response::query_result::QueryResult,
};

use self::statements::Statements;
use super::{ChatStore, MarkedRead, MembersUpdated, StoreError};
use crate::conversation_cache::{self, ConversationCache};
use crate::recent::RecentMap;
use crate::{
    ChangeOutcome, ChangeRequest, Conversation, ConversationSummary, CreatedConversation, Message,
    MessageId, Publication, ReadState, StoredMessage,
};

pub use self::claims::{DEFAULT_CLAIM_TTL, SendClaims, claim_key};
pub use self::keys::{BUCKET_MS, bucket_at, bucket_of, direct_pair};
pub use self::schema::{ADDED_COLUMNS, SCHEMA, migrate};

/// How many independent statements one operation runs at once (member fan-out, the
/// conversations of a list or of a catch-up).
const CONCURRENCY: usize = 16;

/// Bucket index rows remembered as written, per generation of [`RecentMap`].
const INDEXED_BUCKETS_PER_GENERATION: usize = 16 * 1024;

/// Conversations and messages in a CQL keyspace, through one shared session.
#[derive(Clone)]
pub struct ScyllaChatStore {
    session: Arc<Session>,
    statements: Arc<Statements>,
    /// Conversations read back (never changed once written).
    conversations: Arc<ConversationCache>,
    /// (conversation, bucket) index rows this process has written: rows that are never
    /// removed, so a send into a bucket already indexed skips the write.
    indexed_buckets: Arc<RecentMap<(String, i32), ()>>,
    /// Where sends claim their idempotency keys instead of a lightweight transaction.
    claims: Option<SendClaims>,
}

impl ScyllaChatStore {
    /// A store over the tables of `keyspace` (created by [`migrate`]), preparing every
    /// statement once. Statements run at the session's default consistency; the conditions
    /// of lightweight transactions at SERIAL.
    pub async fn new(session: Arc<Session>, keyspace: &str) -> Result<Self, StoreError> {
        let statements = Statements::prepare(&session, keyspace).await?;
        Ok(Self {
            session,
            statements: Arc::new(statements),
            conversations: Arc::new(ConversationCache::new(
                "cql_store",
                conversation_cache::GENERATION_CAPACITY,
            )),
            indexed_buckets: Arc::new(RecentMap::new(INDEXED_BUCKETS_PER_GENERATION)),
            claims: None,
        })
    }

    /// Claims sends' idempotency keys in Redis (`claims`) instead of a lightweight
    /// transaction: a send then makes no Paxos round. See [`SendClaims`] for what that
    /// keeps and the one failure it does not cover.
    pub fn with_claims(mut self, claims: SendClaims) -> Self {
        self.claims = Some(claims);
        self
    }
}

/// Runs independent writes, at most [`CONCURRENCY`] at a time, until all succeed or one fails.
async fn run_all<F>(writes: Vec<F>) -> Result<(), StoreError>
where
    F: Future<Output = Result<QueryResult, ExecutionError>>,
{
    stream::iter(writes)
        .buffer_unordered(CONCURRENCY)
        .map_err(unavailable)
        .try_for_each(|_| future::ready(Ok(())))
        .await
}

/// Maps a driver failure to [`StoreError::Unavailable`].
fn unavailable(e: impl Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Maps an answer that does not have the expected shape to [`StoreError::Corrupt`].
fn corrupt(e: impl Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[async_trait]
impl ChatStore for ScyllaChatStore {
    async fn create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<CreatedConversation, StoreError> {
        self.create(conversation).await
    }

    async fn conversation(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        self.load_conversation(id).await
    }

    async fn direct_conversation(
        &self,
        a: &str,
        b: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        self.direct(a, b).await
    }

    async fn list_conversations(
        &self,
        user_id: &str,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        self.list(user_id).await
    }

    async fn store_message(&self, message: &Message) -> Result<StoredMessage, StoreError> {
        self.store(message).await
    }

    async fn mark_published(
        &self,
        conversation_id: &str,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        let id = keys::stored_id(message_id)?;
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.insert_published,
            (conversation_id, id),
        )
        .await
        .map_err(unavailable)?;
        // Recorded first: a message whose outbox row went is never left unrecorded.
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.delete_pending,
            (keys::pending_shard(message_id), id),
        )
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn unpublished(
        &self,
        before: MessageId,
        limit: usize,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        self.pending(before, limit).await
    }

    async fn claim_republication(
        &self,
        _conversation_id: &str,
        message_id: MessageId,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let id = keys::stored_id(message_id)?;
        let now = gochat_runtime::clock::now_ms();
        let values = (until_ms, keys::pending_shard(message_id), id, now);
        let outcome = self
            .conditional(&self.statements.claim_pending, values)
            .await?;
        Ok(outcome.applied())
    }

    async fn messages_before(
        &self,
        conversation_id: &str,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        self.before(conversation_id, before, limit).await
    }

    async fn messages_since(
        &self,
        user_id: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        self.since(user_id, since_ms, limit).await
    }

    async fn update_members(
        &self,
        expected: &[String],
        updated: &Conversation,
        _publication: &Publication,
        _event: &bytes::Bytes,
    ) -> Result<MembersUpdated, StoreError> {
        let applied = self.replace_members(expected, updated).await?;
        Ok(MembersUpdated {
            applied,
            published: false,
        })
    }

    async fn block(&self, blocker: &str, blocked: &str, at_ms: i64) -> Result<(), StoreError> {
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.insert_block,
            (blocker, blocked, at_ms),
        )
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn unblock(&self, blocker: &str, blocked: &str) -> Result<(), StoreError> {
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.delete_block,
            (blocker, blocked),
        )
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn blocks_of(&self, blocker: &str) -> Result<Vec<(String, i64)>, StoreError> {
        rows::select(&self.session, &self.statements.select_blocks, (blocker,)).await
    }

    async fn member_conversations(&self, user_id: &str) -> Result<Vec<Conversation>, StoreError> {
        self.of_member(user_id).await
    }

    async fn message(
        &self,
        conversation_id: &str,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        ScyllaChatStore::message(self, conversation_id, id).await
    }

    async fn change_message(
        &self,
        request: &ChangeRequest,
        _publication: &Publication,
    ) -> Result<ChangeOutcome, StoreError> {
        self.change(request).await
    }

    async fn mark_read(
        &self,
        conversation_id: &str,
        user_id: &str,
        message_id: MessageId,
        _publication: &Publication,
    ) -> Result<MarkedRead, StoreError> {
        let moved = self
            .move_marker(conversation_id, user_id, message_id)
            .await?;
        Ok(MarkedRead {
            moved,
            published: false,
        })
    }

    async fn read_markers(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        self.markers(conversation_id).await
    }

    async fn read_state(
        &self,
        conversation_id: &str,
        user_id: &str,
    ) -> Result<ReadState, StoreError> {
        self.unread(conversation_id, user_id).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        gochat_cql::execute_unpaged(&self.session, &self.statements.ping, ())
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
