//! Creating and listing conversations.

use std::sync::Arc;

use gochat_proto::chat::v1 as proto;
use gochat_runtime::clock::now_ms;

use super::{ChatError, ChatServiceImpl, convert, store_failed, validate};
use crate::{Conversation, ConversationKind, CreatedConversation, ReadState};

impl ChatServiceImpl {
    /// CreateConversation: two members make a direct conversation (unique per pair), more
    /// make a group.
    pub(crate) async fn create(
        &self,
        req: proto::CreateConversationRequest,
    ) -> Result<proto::CreateConversationResponse, ChatError> {
        let member_ids = validate::members(&req.creator_id, &req.member_ids)?;
        if let [creator, other] = member_ids.as_slice() {
            self.check_not_blocked_by(other, creator).await?;
        }
        let (kind, title) = if member_ids.len() == 2 {
            (ConversationKind::Direct, None)
        } else {
            (
                ConversationKind::Group,
                validate::title(req.title.as_deref())?,
            )
        };
        let candidate = Conversation::new(
            uuid::Uuid::now_v7().to_string(),
            kind,
            member_ids,
            title,
            now_ms(),
        );
        let CreatedConversation {
            conversation,
            created,
        } = self
            .store
            .create_conversation(&candidate)
            .await
            .map_err(store_failed)?;
        self.conversations.insert(conversation.clone());
        let conversation = if created {
            convert::conversation(conversation, None, ReadState::default())
        } else {
            self.conversation_for(conversation, &req.creator_id).await?
        };
        Ok(proto::CreateConversationResponse {
            conversation: Some(conversation),
            created,
        })
    }

    /// `conversation` as `user_id` sees it: with its newest message and their read state.
    pub(super) async fn conversation_for(
        &self,
        conversation: Conversation,
        user_id: &str,
    ) -> Result<proto::Conversation, ChatError> {
        let (newest, read) = futures::try_join!(
            self.store.messages_before(&conversation.id, None, 1),
            self.store.read_state(&conversation.id, user_id),
        )
        .map_err(store_failed)?;
        Ok(convert::conversation(conversation, newest.first(), read))
    }

    /// ListConversations: the user's conversations, most recently active first.
    pub(crate) async fn conversations_of(
        &self,
        req: proto::ListConversationsRequest,
    ) -> Result<proto::ListConversationsResponse, ChatError> {
        validate::user_id(&req.user_id)?;
        let list = self
            .store
            .list_conversations(&req.user_id)
            .await
            .map_err(store_failed)?;
        let conversations = list
            .into_iter()
            .map(|s| convert::conversation(s.conversation, s.last_message.as_ref(), s.read))
            .collect();
        Ok(proto::ListConversationsResponse { conversations })
    }

    /// The direct conversation of `a` and `b`, created when it does not exist yet.
    pub(crate) async fn direct_between(
        &self,
        a: &str,
        b: &str,
    ) -> Result<Arc<Conversation>, ChatError> {
        if let Some(cached) = self.conversations.direct(a, b) {
            return Ok(cached);
        }
        if let Some(found) = self
            .store
            .direct_conversation(a, b)
            .await
            .map_err(store_failed)?
        {
            return Ok(self.conversations.insert(found));
        }
        let candidate = Conversation::new(
            uuid::Uuid::now_v7().to_string(),
            ConversationKind::Direct,
            vec![a.to_owned(), b.to_owned()],
            None,
            now_ms(),
        );
        let created = self
            .store
            .create_conversation(&candidate)
            .await
            .map_err(store_failed)?;
        Ok(self.conversations.insert(created.conversation))
    }
}
