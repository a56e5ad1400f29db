//! Sending messages (store, publish, mark published) and reading history.

use gochat_proto::chat::v1 as proto;

use super::{ChatError, ChatServiceImpl, convert, store_failed, validate};
use crate::{Conversation, Message, Publication};

/// What a send answers when its events could not be published.
const PUBLISH_FAILED: ChatError =
    ChatError::Unavailable("the event log is unavailable; retry later");

impl ChatServiceImpl {
    /// SendMessage: validate, check membership, then [`Self::send_in`].
    pub(crate) async fn send(
        &self,
        req: proto::SendMessageRequest,
    ) -> Result<proto::SendMessageResponse, ChatError> {
        validate::body(&req.body)?;
        validate::client_msg_id(&req.client_msg_id)?;
        let conversation = self
            .member_conversation(&req.sender_id, &req.conversation_id)
            .await?;
        self.check_not_blocked(&conversation, &req.sender_id)
            .await?;
        self.send_in(&conversation, req.sender_id, req.body, req.client_msg_id)
            .await
    }

    /// SendDirectMessage: validate, find or create the direct conversation, then send.
    pub(crate) async fn send_direct(
        &self,
        req: proto::SendDirectMessageRequest,
    ) -> Result<proto::SendMessageResponse, ChatError> {
        if req.sender_id.is_empty() || req.recipient_id.is_empty() {
            return Err(ChatError::InvalidMembers("member ids must not be empty"));
        }
        if req.sender_id == req.recipient_id {
            return Err(ChatError::InvalidMembers(
                "a direct message needs another user",
            ));
        }
        validate::body(&req.body)?;
        validate::client_msg_id(&req.client_msg_id)?;
        self.check_not_blocked_by(&req.recipient_id, &req.sender_id)
            .await?;
        let conversation = self
            .direct_between(&req.sender_id, &req.recipient_id)
            .await?;
        self.send_in(&conversation, req.sender_id, req.body, req.client_msg_id)
            .await
    }

    /// Stores the message (or finds the first one with its `client_msg_id`), publishes it
    /// unless that already happened (in the store's own write where it can), and answers
    /// with the stored message.
    async fn send_in(
        &self,
        conversation: &Conversation,
        sender_id: String,
        body: String,
        client_msg_id: String,
    ) -> Result<proto::SendMessageResponse, ChatError> {
        let id = self.ids.next_id();
        let candidate = Message::new(id, conversation.id.clone(), sender_id, body, client_msg_id);
        let publication = Publication::in_current_span(conversation.member_ids.clone());
        let stored = self
            .store
            .store_and_publish(&candidate, &publication)
            .await
            .map_err(store_failed)?;
        if stored.created {
            crate::metrics::MESSAGES_SENT.inc();
        }
        if !stored.published {
            self.publish(&publication, &stored.message).await?;
        }
        Ok(proto::SendMessageResponse {
            message: Some(convert::message(&stored.message)),
            created: stored.created,
        })
    }

    /// Publishes `message` to every member's event log, then records that it was. Failing
    /// to record it is only logged: the message is stored and published, so the send
    /// succeeded; a retry would publish it once more, which clients absorb (they dedupe on
    /// the message id).
    pub(super) async fn publish(
        &self,
        publication: &Publication,
        message: &Message,
    ) -> Result<(), ChatError> {
        self.publish_event(publication, publication.event(message))
            .await?;
        if let Err(e) = self
            .store
            .mark_published(&message.conversation_id, message.id)
            .await
        {
            tracing::warn!(error = %e, message_id = %message.id, "could not mark a message published");
        }
        Ok(())
    }

    /// Publishes an encoded event to `publication`'s recipients within the publish timeout.
    /// An event cut off by the timeout is safe to publish again: clients dedupe and apply
    /// changes idempotently.
    pub(super) async fn publish_event(
        &self,
        publication: &Publication,
        event: bytes::Bytes,
    ) -> Result<(), ChatError> {
        let publish = self.events.publish(&publication.recipients, event);
        match tokio::time::timeout(self.publish_timeout, publish).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "publishing an event failed");
                Err(PUBLISH_FAILED)
            }
            Err(_) => {
                tracing::warn!("publishing an event timed out");
                Err(PUBLISH_FAILED)
            }
        }
    }

    /// ListMessages: a page of history, newest first, for a member.
    pub(crate) async fn history(
        &self,
        req: proto::ListMessagesRequest,
    ) -> Result<proto::ListMessagesResponse, ChatError> {
        let before = validate::before(&req.before)?;
        let size = validate::page_size(req.limit);
        let (conversation, before) = self
            .readable_conversation(&req.user_id, &req.conversation_id, before)
            .await?;
        let mut page = self
            .store
            .messages_before(&conversation.id, before, size + 1)
            .await
            .map_err(store_failed)?;
        let next_before = if page.len() > size {
            page.truncate(size);
            page.last().map(|m| m.id.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(proto::ListMessagesResponse {
            messages: page.iter().map(convert::message).collect(),
            next_before,
        })
    }

    /// ListMessagesSince: the user's messages at or after a time, oldest first.
    pub(crate) async fn history_since(
        &self,
        req: proto::ListMessagesSinceRequest,
    ) -> Result<proto::ListMessagesSinceResponse, ChatError> {
        validate::user_id(&req.user_id)?;
        let size = validate::since_size(req.limit);
        let messages = self
            .store
            .messages_since(&req.user_id, req.since_ms, size)
            .await
            .map_err(store_failed)?;
        Ok(proto::ListMessagesSinceResponse {
            messages: messages.iter().map(convert::message).collect(),
        })
    }
}
