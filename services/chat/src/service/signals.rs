//! Typing and presence: signals to the live sockets of the people concerned, never logged.
//! A signal is best-effort: one that cannot be handed on is dropped, not retried.

use std::collections::BTreeSet;

use bytes::Bytes;
use gochat_proto::chat::v1 as proto;
use prost::Message as _;

use super::{ChatError, ChatServiceImpl, store_failed, validate};

impl ChatServiceImpl {
    /// SendTyping: the other members of the conversation learn that the user is typing.
    pub(crate) async fn typing(
        &self,
        req: proto::SendTypingRequest,
    ) -> Result<proto::SendTypingResponse, ChatError> {
        let conversation = self
            .member_conversation(&req.user_id, &req.conversation_id)
            .await?;
        self.check_not_blocked(&conversation, &req.user_id).await?;
        let others: Vec<String> = conversation
            .member_ids
            .iter()
            .filter(|member| **member != req.user_id)
            .cloned()
            .collect();
        let signal = proto::Signal {
            kind: Some(proto::signal::Kind::Typing(proto::Typing {
                conversation_id: conversation.id.clone(),
                user_id: req.user_id,
            })),
        };
        self.send_signal(&others, signal).await?;
        Ok(proto::SendTypingResponse {})
    }

    /// AnnouncePresence: everyone who shares a conversation with the user, except those the
    /// user blocks, learns that they came online or went offline.
    pub(crate) async fn announce_presence(
        &self,
        req: proto::AnnouncePresenceRequest,
    ) -> Result<proto::AnnouncePresenceResponse, ChatError> {
        validate::user_id(&req.user_id)?;
        let blocked = self.blocked_by(&req.user_id).await?;
        let mut contacts = self.contacts_of(&req.user_id).await?;
        contacts.retain(|contact| !blocked.contains(contact));
        let signal = proto::Signal {
            kind: Some(proto::signal::Kind::Presence(proto::PresenceChange {
                user_id: req.user_id,
                online: req.online,
                last_seen_at_ms: req.last_seen_at_ms.filter(|_| !req.online),
            })),
        };
        self.send_signal(&contacts, signal).await?;
        Ok(proto::AnnouncePresenceResponse {})
    }

    /// ListContacts: everyone who shares a conversation with the user and does not block
    /// them (whose presence the user may see).
    pub(crate) async fn contacts(
        &self,
        req: proto::ListContactsRequest,
    ) -> Result<proto::ListContactsResponse, ChatError> {
        validate::user_id(&req.user_id)?;
        let mut visible = Vec::new();
        for contact in self.contacts_of(&req.user_id).await? {
            if !self.blocked_by(&contact).await?.contains(&req.user_id) {
                visible.push(contact);
            }
        }
        Ok(proto::ListContactsResponse { user_ids: visible })
    }

    /// Every other member of the user's conversations, sorted, each once.
    async fn contacts_of(&self, user_id: &str) -> Result<Vec<String>, ChatError> {
        let conversations = self
            .store
            .member_conversations(user_id)
            .await
            .map_err(store_failed)?;
        let contacts: BTreeSet<String> = conversations
            .into_iter()
            .flat_map(|c| c.member_ids)
            .filter(|member| member != user_id)
            .collect();
        Ok(contacts.into_iter().collect())
    }

    /// Hands `signal` to the live sockets of `recipients` within the publish timeout.
    async fn send_signal(
        &self,
        recipients: &[String],
        signal: proto::Signal,
    ) -> Result<(), ChatError> {
        let payload = Bytes::from(signal.encode_to_vec());
        let sent = tokio::time::timeout(
            self.publish_timeout,
            self.events.signal(recipients, payload),
        )
        .await;
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "sending a signal failed");
                Err(SIGNAL_FAILED)
            }
            Err(_) => {
                tracing::warn!("sending a signal timed out");
                Err(SIGNAL_FAILED)
            }
        }
    }
}

/// What a typing or presence call answers when its signal could not be sent.
const SIGNAL_FAILED: ChatError =
    ChatError::Unavailable("the event log is unavailable; retry later");
