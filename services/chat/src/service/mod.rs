//! The chat service's behaviour, independent of the tonic plumbing.

mod blocks;
mod changes;
mod conversations;
pub(crate) mod convert;
mod error;
mod grpc;
pub mod limits;
mod members;
mod messages;
mod republish;
mod signals;
mod validate;

use std::{sync::Arc, time::Duration};

use gochat_delivery::EventLog;

use crate::conversation_cache::{self, ConversationCache};
use crate::{Backends, ChatStore, Config, Conversation, Error, MessageId, MessageIdGenerator};

pub use blocks::BLOCKS_STALENESS;
pub use error::ChatError;
use error::store_failed;

/// The `gochat.chat.v1.ChatService` implementation: serve it with
/// `ChatServiceServer::new(ChatServiceImpl::new(&config, backends)?)`.
pub struct ChatServiceImpl {
    store: Arc<dyn ChatStore>,
    events: Arc<dyn EventLog>,
    ids: MessageIdGenerator,
    publish_timeout: Duration,
    conversations: ConversationCache,
    blocks: blocks::BlockCache,
}

impl ChatServiceImpl {
    /// A service over `backends`, handing out message ids for `config.node_id`.
    pub fn new(config: &Config, backends: Backends) -> Result<Self, Error> {
        Ok(Self {
            store: backends.store,
            events: backends.events,
            ids: MessageIdGenerator::new(config.node_id)?,
            publish_timeout: config.publish_timeout,
            conversations: ConversationCache::new(
                "service",
                conversation_cache::GENERATION_CAPACITY,
            ),
            blocks: blocks::BlockCache::new(conversation_cache::GENERATION_CAPACITY),
        })
    }

    /// The conversation `id` if `user_id` is a member of it.
    async fn member_conversation(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Arc<Conversation>, ChatError> {
        if !validate::is_conversation_id(id) {
            return Err(ChatError::ConversationNotFound);
        }
        let conversation = match self.conversations.get(id) {
            Some(cached) => cached,
            None => {
                let stored = self.store.conversation(id).await.map_err(store_failed)?;
                self.conversations
                    .insert(stored.ok_or(ChatError::ConversationNotFound)?)
            }
        };
        if !conversation.has_member(user_id) {
            return Err(ChatError::NotAMember);
        }
        Ok(conversation)
    }

    /// The conversation `id` if `user_id` may read its history, and the history cursor
    /// `before` narrowed for a former member to what was sent before they left.
    async fn readable_conversation(
        &self,
        user_id: &str,
        id: &str,
        before: Option<MessageId>,
    ) -> Result<(Arc<Conversation>, Option<MessageId>), ChatError> {
        match self.member_conversation(user_id, id).await {
            Err(ChatError::NotAMember) => {}
            other => return other.map(|conversation| (conversation, before)),
        }
        let conversation = self.conversations.get(id).ok_or(ChatError::NotAMember)?;
        let left_at = conversation.left_at(user_id).ok_or(ChatError::NotAMember)?;
        let end = MessageId::first_at(left_at.saturating_add(1));
        Ok((conversation, Some(before.map_or(end, |b| b.min(end)))))
    }
}
