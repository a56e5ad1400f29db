//! The service's domain errors and how they cross gRPC.

use gochat_proto::error::{self, ErrorCode};
use tonic::Status;

use crate::StoreError;

/// Why a chat call was refused. Messages are for humans and never carry internals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The member list is unusable (empty ids, nobody else, too many, oneself).
    #[error("{0}")]
    InvalidMembers(&'static str),
    /// A field is malformed (title, client_msg_id, cursor, user id).
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// The message body is empty or too long.
    #[error("{0}")]
    InvalidBody(&'static str),
    /// No such conversation (or a malformed id).
    #[error("conversation not found")]
    ConversationNotFound,
    /// The caller is not a member of the conversation.
    #[error("not a member of this conversation")]
    NotAMember,
    /// No such message in the conversation.
    #[error("message not found")]
    MessageNotFound,
    /// An edit of a deleted message.
    #[error("the message was deleted; it cannot be edited")]
    MessageDeleted,
    /// Only a message's sender may edit or delete it.
    #[error("only the sender may change a message")]
    NotTheSender,
    /// The user named is not a member of the conversation.
    #[error("no such member in this conversation")]
    MemberNotFound,
    /// Only a group's creator may remove other members.
    #[error("only the group's creator may remove other members")]
    NotTheCreator,
    /// The other member of the direct conversation blocks the caller.
    #[error("this user does not accept your messages")]
    Blocked,
    /// The store or the event log failed; the caller may retry.
    #[error("{0}")]
    Unavailable(&'static str),
}

impl ChatError {
    /// The API error code the caller gets.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidMembers(_) => ErrorCode::InvalidMembers,
            Self::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Self::InvalidBody(_) => ErrorCode::InvalidBody,
            Self::ConversationNotFound => ErrorCode::ConversationNotFound,
            Self::NotAMember => ErrorCode::NotAMember,
            Self::MessageNotFound => ErrorCode::MessageNotFound,
            Self::MessageDeleted => ErrorCode::MessageDeleted,
            Self::NotTheSender => ErrorCode::NotTheSender,
            Self::MemberNotFound => ErrorCode::UserNotFound,
            Self::NotTheCreator => ErrorCode::NotTheCreator,
            Self::Blocked => ErrorCode::Blocked,
            Self::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

impl From<ChatError> for Status {
    fn from(e: ChatError) -> Self {
        error::status(e.code(), e.to_string())
    }
}

/// A store failure as the caller sees it; the details go to the log only.
pub(crate) fn store_failed(e: StoreError) -> ChatError {
    match e {
        StoreError::ConversationNotFound(_) => ChatError::ConversationNotFound,
        other => {
            tracing::warn!(error = %other, "chat store failed");
            ChatError::Unavailable("the chat store is unavailable; retry later")
        }
    }
}
