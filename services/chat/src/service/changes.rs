//! Editing and deleting sent messages, and read markers: changes after a send, each
//! published to every member's event log like a send.

use gochat_proto::chat::v1 as proto;
use gochat_runtime::clock::now_ms;

use super::{ChatError, ChatServiceImpl, convert, store_failed, validate};
use crate::{ChangeOutcome, ChangeRequest, MessageChange, Publication};

impl ChatServiceImpl {
    /// EditMessage: the sender replaces the body (same rules as a send's).
    pub(crate) async fn edit(
        &self,
        req: proto::EditMessageRequest,
    ) -> Result<proto::EditMessageResponse, ChatError> {
        validate::body(&req.body)?;
        let message = self
            .change(
                &req.user_id,
                &req.conversation_id,
                &req.message_id,
                MessageChange::Edit(req.body),
            )
            .await?;
        Ok(proto::EditMessageResponse {
            message: Some(message),
        })
    }

    /// DeleteMessage: the sender deletes it, leaving a tombstone.
    pub(crate) async fn delete(
        &self,
        req: proto::DeleteMessageRequest,
    ) -> Result<proto::DeleteMessageResponse, ChatError> {
        let message = self
            .change(
                &req.user_id,
                &req.conversation_id,
                &req.message_id,
                MessageChange::Delete,
            )
            .await?;
        Ok(proto::DeleteMessageResponse {
            message: Some(message),
        })
    }

    /// Applies `change` for a member and publishes it unless the store did. A change that
    /// wrote nothing (a retry) is published again by stores that do not publish in their
    /// write: its first publish may have failed, and clients apply it idempotently.
    async fn change(
        &self,
        user_id: &str,
        conversation_id: &str,
        message_id: &str,
        change: MessageChange,
    ) -> Result<proto::Message, ChatError> {
        let message_id = validate::message_in_path(message_id)?;
        let conversation = self.member_conversation(user_id, conversation_id).await?;
        let request = ChangeRequest {
            conversation_id: conversation.id.clone(),
            message_id,
            user_id: user_id.to_owned(),
            change,
            at_ms: now_ms(),
        };
        let publication = Publication::in_current_span(conversation.member_ids.clone());
        let outcome = self
            .store
            .change_message(&request, &publication)
            .await
            .map_err(store_failed)?;
        match outcome {
            ChangeOutcome::NotFound => Err(ChatError::MessageNotFound),
            ChangeOutcome::Deleted => Err(ChatError::MessageDeleted),
            ChangeOutcome::NotTheSender => Err(ChatError::NotTheSender),
            ChangeOutcome::Applied {
                message, published, ..
            } => {
                if !published {
                    let event = publication.change_event(&request.change, &message);
                    self.publish_event(&publication, event).await?;
                }
                Ok(convert::message(&message))
            }
        }
    }

    /// MarkRead: moves the member's read marker forward to a message of the conversation.
    pub(crate) async fn mark_read(
        &self,
        req: proto::MarkReadRequest,
    ) -> Result<proto::MarkReadResponse, ChatError> {
        let message_id = validate::message_in_body(&req.message_id)?;
        let conversation = self
            .member_conversation(&req.user_id, &req.conversation_id)
            .await?;
        self.store
            .message(&conversation.id, message_id)
            .await
            .map_err(store_failed)?
            .ok_or(ChatError::MessageNotFound)?;
        let publication = Publication::in_current_span(conversation.member_ids.clone());
        let marked = self
            .store
            .mark_read(&conversation.id, &req.user_id, message_id, &publication)
            .await
            .map_err(store_failed)?;
        if marked.moved && !marked.published {
            let event = publication.read_event(&conversation.id, &req.user_id, message_id);
            self.publish_event(&publication, event).await?;
        }
        Ok(proto::MarkReadResponse {
            moved: marked.moved,
        })
    }

    /// ListReadMarkers: every member of the conversation with their marker.
    pub(crate) async fn read_markers(
        &self,
        req: proto::ListReadMarkersRequest,
    ) -> Result<proto::ListReadMarkersResponse, ChatError> {
        let conversation = self
            .member_conversation(&req.user_id, &req.conversation_id)
            .await?;
        let set = self
            .store
            .read_markers(&conversation.id)
            .await
            .map_err(store_failed)?;
        let markers = conversation
            .member_ids
            .iter()
            .map(|member| proto::ReadMarker {
                conversation_id: conversation.id.clone(),
                user_id: member.clone(),
                message_id: set
                    .iter()
                    .find(|(user, _)| user == member)
                    .map(|(_, id)| id.to_string())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(proto::ListReadMarkersResponse { markers })
    }
}
