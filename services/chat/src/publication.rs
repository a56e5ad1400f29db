//! What a send publishes: the delivery event of a stored message, for every member's log.

use std::collections::HashMap;

use bytes::Bytes;
use gochat_proto::chat::v1 as proto;
use gochat_telemetry::{self as telemetry, propagation};
use prost::Message as _;

use crate::{Conversation, Message, MessageChange, MessageId, service::convert};

/// The members whose event logs get a message's delivery event, and the W3C trace context
/// the event carries, so the push on each recipient's gateway links to the send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Publication {
    /// Every member of the conversation (the sender's other devices get it too).
    pub recipients: Vec<String>,
    /// The sending request's trace context; empty while tracing is off.
    pub trace_context: HashMap<String, String>,
}

impl Publication {
    /// A publication to `recipients` carrying the current span's trace context.
    pub fn in_current_span(recipients: Vec<String>) -> Self {
        Self {
            recipients,
            trace_context: if telemetry::enabled() {
                propagation::current_context_map()
            } else {
                HashMap::new()
            },
        }
    }

    /// The encoded `DeliveryEvent` of a new `message`, the payload every recipient's log
    /// gets.
    pub fn event(&self, message: &Message) -> Bytes {
        self.encode(proto::DeliveryEvent {
            message: Some(convert::message(message)),
            ..Default::default()
        })
    }

    /// The encoded event of `change` made to a message, which `message` now is.
    pub fn change_event(&self, change: &MessageChange, message: &Message) -> Bytes {
        let kind = match change {
            MessageChange::Edit(_) => proto::EventKind::MessageEdited,
            MessageChange::Delete => proto::EventKind::MessageDeleted,
        };
        self.encode(proto::DeliveryEvent {
            message: Some(convert::message(message)),
            kind: kind.into(),
            ..Default::default()
        })
    }

    /// The encoded event of `user_id`'s read marker moving to `message_id`.
    pub fn read_event(&self, conversation_id: &str, user_id: &str, message_id: MessageId) -> Bytes {
        self.encode(proto::DeliveryEvent {
            kind: proto::EventKind::Read.into(),
            read: Some(proto::ReadMarker {
                conversation_id: conversation_id.to_owned(),
                user_id: user_id.to_owned(),
                message_id: message_id.to_string(),
            }),
            ..Default::default()
        })
    }

    /// The encoded event of `users` joining (`joined`) or leaving `conversation` (as it now
    /// is), by `by`'s hand.
    pub fn members_event(
        &self,
        conversation: &Conversation,
        users: Vec<String>,
        by: &str,
        joined: bool,
    ) -> Bytes {
        let kind = if joined {
            proto::EventKind::MemberAdded
        } else {
            proto::EventKind::MemberRemoved
        };
        self.encode(proto::DeliveryEvent {
            kind: kind.into(),
            members: Some(proto::MembershipChange {
                conversation_id: conversation.id.clone(),
                user_ids: users,
                by: by.to_owned(),
                member_ids: conversation.member_ids.clone(),
            }),
            ..Default::default()
        })
    }

    fn encode(&self, mut event: proto::DeliveryEvent) -> Bytes {
        event.trace_context = self.trace_context.clone();
        Bytes::from(event.encode_to_vec())
    }
}
