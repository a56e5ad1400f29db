//! The service's domain errors and how they cross gRPC.

use gochat_runtime::status::{domain_error, unavailable};
use tonic::{Code, Status};

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
    /// The store or the event log failed; the caller may retry.
    #[error("{0}")]
    Unavailable(&'static str),
}

impl ChatError {
    /// The public API's error code.
    pub fn api_code(&self) -> &'static str {
        match self {
            Self::InvalidMembers(_) => "invalid_members",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidBody(_) => "invalid_body",
            Self::ConversationNotFound => "conversation_not_found",
            Self::NotAMember => "not_a_member",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The gRPC code the API error code travels with.
    pub fn grpc_code(&self) -> Code {
        match self {
            Self::InvalidMembers(_) | Self::InvalidRequest(_) | Self::InvalidBody(_) => {
                Code::InvalidArgument
            }
            Self::ConversationNotFound => Code::NotFound,
            Self::NotAMember => Code::PermissionDenied,
            Self::Unavailable(_) => Code::Unavailable,
        }
    }
}

impl From<ChatError> for Status {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::Unavailable(why) => unavailable(why),
            other => domain_error(other.grpc_code(), other.api_code(), other.to_string()),
        }
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
