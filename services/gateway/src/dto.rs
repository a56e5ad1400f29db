//! The JSON shapes of API v1 (requests and answers) and their conversion from the peers'
//! protobuf messages.

use gochat_proto::{
    auth::v1::{Account, AccountStatus, TokenPair},
    chat::v1::{Conversation, ConversationKind, Message, ReadMarker},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{error::ApiError, time::rfc3339_ms};

/// `POST /api/v1/accounts`.
// No `Debug`: it holds a secret that must not reach a log.
#[derive(Deserialize, ToSchema)]
pub struct CreateAccountRequest {
    /// Email address; compared case-insensitively, surrounding spaces ignored: one `@`, a
    /// dotted domain without empty labels, no inner whitespace, control characters or
    /// `<>,;`, at most 254 characters.
    #[schema(
        max_length = 254,
        pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^@<>,;\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f]+@[^@.<>,;\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f]+(\.[^@.<>,;\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f]+)+[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub email: String,
    /// 8 to 1024 characters (kept as given: spaces count).
    #[schema(min_length = 8, max_length = 1024)]
    pub password: String,
    /// 1 to 64 characters once surrounding spaces are trimmed, no control characters.
    #[schema(
        pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,62}[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub display_name: String,
}

/// `POST /api/v1/accounts/verify`.
// No `Debug`: it holds a secret that must not reach a log.
#[derive(Deserialize, ToSchema)]
pub struct VerifyAccountRequest {
    /// The account's email.
    pub email: String,
    /// The 6-digit code from the mail.
    #[schema(pattern = r"^[0-9]{6}$")]
    pub code: String,
}

/// `POST /api/v1/accounts/verification-code`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResendCodeRequest {
    /// The pending account's email.
    pub email: String,
}

/// `POST /api/v1/sessions`.
// No `Debug`: it holds a secret that must not reach a log.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The account's email.
    pub email: String,
    /// Its password (longer than 1024 characters is 400 `invalid_request`).
    #[schema(max_length = 1024)]
    pub password: String,
}

/// `POST /api/v1/sessions/refresh`.
// No `Debug`: it holds a secret that must not reach a log.
#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The current refresh token; it stops working once used.
    pub refresh_token: String,
}

/// `POST /api/v1/conversations`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateConversationRequest {
    /// The other members (the caller is added; repeats count once): 1 to 255 user ids.
    #[schema(min_items = 1, max_items = 255, format = Uuid)]
    pub member_ids: Vec<String>,
    /// Optional title: at most 128 characters once surrounding spaces are trimmed; blank
    /// means none.
    #[serde(default)]
    #[schema(
        pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]([\s\S]{0,126}[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub title: Option<String>,
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessageRequest {
    /// 1 to 4096 characters, not all whitespace.
    #[schema(
        min_length = 1,
        max_length = 4096,
        pattern = r"[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub body: String,
    /// The client's id for this send (1 to 128 characters); repeating it returns the first
    /// message.
    #[schema(min_length = 1, max_length = 128)]
    pub client_msg_id: String,
}

/// `POST /api/v1/messages`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendDirectMessageRequest {
    /// The user to write to.
    #[schema(format = Uuid)]
    pub recipient_id: String,
    /// 1 to 4096 characters, not all whitespace.
    #[schema(
        min_length = 1,
        max_length = 4096,
        pattern = r"[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub body: String,
    /// The client's id for this send (1 to 128 characters); repeating it returns the first
    /// message.
    #[schema(min_length = 1, max_length = 128)]
    pub client_msg_id: String,
}

/// `PATCH /api/v1/conversations/{id}/messages/{message_id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    /// The new text: 1 to 4096 characters, not all whitespace, as for a send.
    #[schema(
        min_length = 1,
        max_length = 4096,
        pattern = r"[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub body: String,
}

/// `POST /api/v1/conversations/{id}/members`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMembersRequest {
    /// The users to add: 1 to 255 user ids (members already in are skipped).
    #[schema(min_items = 1, max_items = 255, format = Uuid)]
    pub user_ids: Vec<String>,
}

/// `POST /api/v1/conversations/{id}/read`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkReadRequest {
    /// A message of the conversation: the newest one the caller has read.
    #[schema(pattern = r"^[0-9a-f]{16}$")]
    pub message_id: String,
}

/// An account as its owner sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountJson {
    /// Account id.
    pub id: String,
    /// Lower-cased email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `pending_verification` or `active`.
    #[schema(example = "active")]
    pub status: String,
}

/// The answer to a verification: the account is active.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusJson {
    /// Always `active`.
    #[schema(example = "active")]
    pub status: String,
}

/// An empty JSON object, `{}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EmptyJson {}

/// A token pair from login or refresh.
// No `Debug`: it holds tokens that must not reach a log.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenPairJson {
    /// Short-lived access token for `Authorization: Bearer`.
    pub access_token: String,
    /// Long-lived, single-use refresh token.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
}

/// Another user as anyone may see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserJson {
    /// Account id.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// A message.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageJson {
    /// Message id; sorts in acceptance order within its conversation.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// Who sent it.
    pub sender_id: String,
    /// The text.
    pub body: String,
    /// The sender's id for the send.
    pub client_msg_id: String,
    /// RFC 3339 UTC time of acceptance.
    #[schema(example = "2026-11-24T08:42:24.123Z")]
    pub sent_at: String,
    /// RFC 3339 UTC time of the last edit, or null if never edited.
    pub edited_at: Option<String>,
    /// Deleted by its sender: the body is empty.
    pub deleted: bool,
}

/// A conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationJson {
    /// Conversation id.
    pub id: String,
    /// `direct` (two members, unique per pair) or `group`.
    #[schema(example = "direct")]
    pub kind: String,
    /// Every member, the caller included.
    pub member_ids: Vec<String>,
    /// Who created it (the only one who may remove other members of a group).
    pub created_by: String,
    /// Title, or null.
    pub title: Option<String>,
    /// RFC 3339 UTC creation time.
    pub created_at: String,
    /// The newest message, or null.
    pub last_message: Option<MessageJson>,
    /// Messages from others after the caller's read marker, not deleted; counting stops
    /// at 999.
    pub unread_count: u32,
    /// The caller's read marker (the newest message id they read), or null.
    pub read_up_to: Option<String>,
}

/// A member of a conversation and how far they have read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberJson {
    /// The member's account id.
    pub user_id: String,
    /// The newest message id the member has read, or null.
    pub read_up_to: Option<String>,
}

/// `GET /api/v1/conversations/{id}/members`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberListJson {
    /// Every member, in the conversation's member order (the creator first).
    pub members: Vec<MemberJson>,
}

/// `GET /api/v1/conversations`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationListJson {
    /// The caller's conversations, most recently active first.
    pub conversations: Vec<ConversationJson>,
}

/// A page of history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePageJson {
    /// Newest first.
    pub messages: Vec<MessageJson>,
    /// Pass as `before` for the next page; null when there is none.
    pub next_before: Option<String>,
}

/// A user's presence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PresenceJson {
    /// The user.
    pub user_id: String,
    /// `online` while any of their sockets is open (on any gateway), else `offline`.
    #[schema(example = "online")]
    pub status: String,
    /// While offline: RFC 3339 time they were last seen connected, or null if unknown.
    pub last_seen_at: Option<String>,
}

/// `GET /api/v1/presence`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PresenceListJson {
    /// One entry per asked user, in the order asked.
    pub presence: Vec<PresenceJson>,
}

/// A user the caller blocks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockJson {
    /// The blocked user.
    pub user_id: String,
    /// RFC 3339 UTC time of the block.
    pub blocked_at: String,
}

/// `GET /api/v1/blocks`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BlockListJson {
    /// Most recently blocked first.
    pub blocks: Vec<BlockJson>,
}

/// The wire string of an account status.
pub fn status_str(status: i32) -> Result<&'static str, ApiError> {
    match AccountStatus::try_from(status) {
        Ok(AccountStatus::PendingVerification) => Ok("pending_verification"),
        Ok(AccountStatus::Active) => Ok("active"),
        _ => {
            tracing::error!(status, "auth answered an account without a status");
            Err(ApiError::internal())
        }
    }
}

impl AccountJson {
    /// The owner's view of `account`.
    pub fn from_proto(account: Account) -> Result<Self, ApiError> {
        Ok(Self {
            status: status_str(account.status)?.to_owned(),
            id: account.id,
            email: account.email,
            display_name: account.display_name,
        })
    }
}

impl From<TokenPair> for TokenPairJson {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            token_type: "Bearer".to_owned(),
            expires_in: p.expires_in,
        }
    }
}

impl From<Message> for MessageJson {
    fn from(m: Message) -> Self {
        Self {
            sent_at: rfc3339_ms(m.sent_at_ms),
            id: m.id,
            conversation_id: m.conversation_id,
            sender_id: m.sender_id,
            body: m.body,
            client_msg_id: m.client_msg_id,
            edited_at: m.edited_at_ms.map(rfc3339_ms),
            deleted: m.deleted,
        }
    }
}

impl From<ReadMarker> for MemberJson {
    fn from(m: ReadMarker) -> Self {
        Self {
            user_id: m.user_id,
            read_up_to: non_empty(m.message_id),
        }
    }
}

/// `None` for an empty string: how the peers say "no id".
pub fn non_empty(id: String) -> Option<String> {
    Some(id).filter(|id| !id.is_empty())
}

impl From<Conversation> for ConversationJson {
    fn from(c: Conversation) -> Self {
        let kind = match ConversationKind::try_from(c.kind) {
            Ok(ConversationKind::Direct) => "direct",
            _ => "group",
        };
        Self {
            id: c.id,
            kind: kind.to_owned(),
            member_ids: c.member_ids,
            created_by: c.created_by,
            title: c.title,
            created_at: rfc3339_ms(c.created_at_ms),
            last_message: c.last_message.map(MessageJson::from),
            unread_count: c.unread_count,
            read_up_to: non_empty(c.read_up_to),
        }
    }
}

/// The message a chat answer must carry; its absence is a peer bug (500).
pub fn required_message(message: Option<Message>) -> Result<MessageJson, ApiError> {
    message.map(MessageJson::from).ok_or_else(|| {
        tracing::error!("chat answered without a message");
        ApiError::internal()
    })
}

/// Trims and lower-cases an email, the way accounts are stored and compared.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests;
