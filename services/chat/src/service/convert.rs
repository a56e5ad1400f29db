//! Domain values as wire messages.

use gochat_proto::chat::v1 as proto;

use crate::{Conversation, ConversationKind, Message, ReadState};

/// A message on the wire.
pub(crate) fn message(m: &Message) -> proto::Message {
    proto::Message {
        id: m.id.to_string(),
        conversation_id: m.conversation_id.clone(),
        sender_id: m.sender_id.clone(),
        body: m.body.clone(),
        client_msg_id: m.client_msg_id.clone(),
        sent_at_ms: m.sent_at_ms,
        edited_at_ms: m.edited_at_ms,
        deleted: m.deleted,
    }
}

/// A conversation on the wire, with its newest message and one user's read state.
pub(crate) fn conversation(
    c: Conversation,
    last_message: Option<&Message>,
    read: ReadState,
) -> proto::Conversation {
    let kind = match c.kind {
        ConversationKind::Direct => proto::ConversationKind::Direct,
        ConversationKind::Group => proto::ConversationKind::Group,
    };
    proto::Conversation {
        id: c.id,
        kind: kind.into(),
        member_ids: c.member_ids,
        title: c.title,
        created_at_ms: c.created_at_ms,
        last_message: last_message.map(message),
        created_by: c.created_by,
        unread_count: read.unread_count,
        read_up_to: read.read_up_to.map(|id| id.to_string()).unwrap_or_default(),
    }
}
