//! Changing a group's members: adding people, leaving, removing someone. Each change is a
//! compare-and-set on the member list, retried on a fresh read when a concurrent change
//! won, and published to every member (the one who left included).

use gochat_proto::chat::v1 as proto;
use gochat_runtime::clock::now_ms;

use super::{ChatError, ChatServiceImpl, limits::MAX_OTHER_MEMBERS, store_failed};
use crate::{Conversation, ConversationKind, Publication};

/// Tries of one change before it gives up on a group changing that fast.
const MAX_ATTEMPTS: usize = 8;

impl ChatServiceImpl {
    /// AddMembers: any member adds users to a group (those already in are skipped).
    pub(crate) async fn add_members(
        &self,
        req: proto::AddMembersRequest,
    ) -> Result<proto::AddMembersResponse, ChatError> {
        if req.member_ids.is_empty() || req.member_ids.iter().any(String::is_empty) {
            return Err(ChatError::InvalidMembers(
                "name at least one user, none empty",
            ));
        }
        for _ in 0..MAX_ATTEMPTS {
            let current = self
                .stored_group(&req.conversation_id, &req.user_id)
                .await?;
            let mut joining: Vec<String> = Vec::new();
            for id in &req.member_ids {
                if !current.has_member(id) && !joining.contains(id) {
                    joining.push(id.clone());
                }
            }
            if joining.is_empty() {
                return self.added_response(current, &req.user_id).await;
            }
            if current.member_ids.len() + joining.len() > MAX_OTHER_MEMBERS + 1 {
                return Err(ChatError::InvalidMembers(
                    "a conversation has at most 256 members",
                ));
            }
            let mut updated = current.clone();
            for id in &joining {
                updated.former_members.remove(id);
            }
            updated.member_ids.extend(joining.iter().cloned());
            let publication = Publication::in_current_span(updated.member_ids.clone());
            let event = publication.members_event(&updated, joining, &req.user_id, true);
            if self
                .apply_members(&current, &updated, &publication, event)
                .await?
            {
                return self.added_response(updated, &req.user_id).await;
            }
        }
        Err(BUSY)
    }

    /// RemoveMember: a member leaves, or the group's creator removes someone.
    pub(crate) async fn remove_member(
        &self,
        req: proto::RemoveMemberRequest,
    ) -> Result<proto::RemoveMemberResponse, ChatError> {
        for _ in 0..MAX_ATTEMPTS {
            let current = self
                .stored_group(&req.conversation_id, &req.user_id)
                .await?;
            if !current.has_member(&req.member_id) {
                return Err(ChatError::MemberNotFound);
            }
            if req.member_id != req.user_id && req.user_id != current.created_by {
                return Err(ChatError::NotTheCreator);
            }
            let mut updated = current.clone();
            updated.member_ids.retain(|m| *m != req.member_id);
            updated
                .former_members
                .insert(req.member_id.clone(), now_ms());
            // Everyone who was a member hears of it, the one leaving included.
            let publication = Publication::in_current_span(current.member_ids.clone());
            let event = publication.members_event(
                &updated,
                vec![req.member_id.clone()],
                &req.user_id,
                false,
            );
            if self
                .apply_members(&current, &updated, &publication, event)
                .await?
            {
                return Ok(proto::RemoveMemberResponse {});
            }
        }
        Err(BUSY)
    }

    /// The answer to AddMembers: the group as `user_id` sees it.
    async fn added_response(
        &self,
        conversation: Conversation,
        user_id: &str,
    ) -> Result<proto::AddMembersResponse, ChatError> {
        Ok(proto::AddMembersResponse {
            conversation: Some(self.conversation_for(conversation, user_id).await?),
        })
    }

    /// The group `id` as stored (not a cached copy), if `user_id` is a member: a direct
    /// conversation's members never change.
    async fn stored_group(&self, id: &str, user_id: &str) -> Result<Conversation, ChatError> {
        if !super::validate::is_conversation_id(id) {
            return Err(ChatError::ConversationNotFound);
        }
        let conversation = self
            .store
            .conversation(id)
            .await
            .map_err(store_failed)?
            .ok_or(ChatError::ConversationNotFound)?;
        if !conversation.has_member(user_id) {
            return Err(ChatError::NotAMember);
        }
        if conversation.kind == ConversationKind::Direct {
            return Err(ChatError::InvalidMembers(
                "a direct conversation's two members never change",
            ));
        }
        Ok(conversation)
    }

    /// Writes `updated` over `current` if nobody changed it meanwhile (false: read again)
    /// and publishes the change unless the store did with the write.
    async fn apply_members(
        &self,
        current: &Conversation,
        updated: &Conversation,
        publication: &Publication,
        event: bytes::Bytes,
    ) -> Result<bool, ChatError> {
        let outcome = self
            .store
            .update_members(&current.member_ids, updated, publication, &event)
            .await
            .map_err(store_failed)?;
        if !outcome.applied {
            return Ok(false);
        }
        self.conversations.insert(updated.clone());
        if !outcome.published {
            self.publish_event(publication, event).await?;
        }
        Ok(true)
    }
}

/// What a change answers when the group kept changing under it.
const BUSY: ChatError =
    ChatError::Unavailable("the conversation is changing too fast; retry later");
