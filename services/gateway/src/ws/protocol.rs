//! The WebSocket frames of API v1: what clients send and what the server answers.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{dto::MessageJson, error::ApiError};

/// A frame from the client.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    /// `{"type":"send",...}`: send a message.
    Send(ClientSendFrame),
    /// `{"type":"typing","conversation_id"}`: the user is typing in a conversation.
    Typing {
        /// Where the user is typing.
        conversation_id: String,
    },
}

/// `{"type":"send","conversation_id","body","client_msg_id"}`, same rules as the REST send.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientSendFrame {
    /// The conversation to send in.
    pub conversation_id: String,
    /// 1 to 4096 characters.
    pub body: String,
    /// The client's id for the send; the ack echoes it.
    pub client_msg_id: String,
}

/// Why a client frame was refused: answered with an `invalid_request` error frame.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameError {
    /// What is wrong with the frame.
    pub message: String,
    /// The frame's `client_msg_id`, when it had a usable one, so the client can match.
    pub client_msg_id: Option<String>,
}

impl FrameError {
    fn new(message: impl Into<String>, client_msg_id: Option<String>) -> Self {
        Self {
            message: message.into(),
            client_msg_id,
        }
    }
}

/// Parses a text frame from the client.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| FrameError::new("malformed JSON", None))?;
    let Value::Object(fields) = value else {
        return Err(FrameError::new("a frame must be a JSON object", None));
    };
    let client_msg_id = fields
        .get("client_msg_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match fields.get("type") {
        Some(Value::String(t)) if t == "send" => {
            let field = |name: &str| string_field(&fields, name, &client_msg_id);
            Ok(ClientFrame::Send(ClientSendFrame {
                conversation_id: field("conversation_id")?,
                body: field("body")?,
                client_msg_id: field("client_msg_id")?,
            }))
        }
        Some(Value::String(t)) if t == "typing" => Ok(ClientFrame::Typing {
            conversation_id: string_field(&fields, "conversation_id", &None)?,
        }),
        Some(Value::String(t)) => Err(FrameError::new(
            format!(
                "unknown frame type {:?}",
                t.chars().take(32).collect::<String>()
            ),
            client_msg_id,
        )),
        Some(_) => Err(FrameError::new("`type` must be a string", client_msg_id)),
        None => Err(FrameError::new("missing field `type`", client_msg_id)),
    }
}

fn string_field(
    fields: &Map<String, Value>,
    name: &str,
    client_msg_id: &Option<String>,
) -> Result<String, FrameError> {
    match fields.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(FrameError::new(
            format!("`{name}` must be a string"),
            client_msg_id.clone(),
        )),
        None => Err(FrameError::new(
            format!("missing field `{name}`"),
            client_msg_id.clone(),
        )),
    }
}

/// A frame from the server.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A message in one of the user's conversations, with its position in the user's log.
    Message {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The message.
        message: MessageJson,
    },
    /// A message in one of the user's conversations was edited by its sender.
    MessageEdited {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The message as it now is, with `edited_at`.
        message: MessageJson,
    },
    /// A message in one of the user's conversations was deleted by its sender.
    MessageDeleted {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The tombstone: `deleted` set, empty body.
        message: MessageJson,
    },
    /// A member of one of the user's conversations (the user too, from another device)
    /// moved their read marker.
    Read {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The conversation.
        conversation_id: String,
        /// Whose marker moved.
        user_id: String,
        /// The newest message they have read.
        message_id: String,
    },
    /// Users were added to one of the user's groups (the user may be one of them).
    MemberAdded {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The group.
        conversation_id: String,
        /// Who joined.
        user_ids: Vec<String>,
        /// Who added them.
        by: String,
        /// Every member now.
        member_ids: Vec<String>,
    },
    /// A member left one of the user's groups or was removed (the user may be the one: no
    /// further events of the group follow).
    MemberRemoved {
        /// The event id to resume after (`since`).
        event_id: String,
        /// The group.
        conversation_id: String,
        /// Who left or was removed.
        user_id: String,
        /// Who removed them (themselves when leaving).
        by: String,
        /// Every member now.
        member_ids: Vec<String>,
    },
    /// Another member is typing in one of the user's conversations (not logged: no event
    /// id; treat it as over after 5 s without another).
    Typing {
        /// The conversation.
        conversation_id: String,
        /// Who is typing.
        user_id: String,
    },
    /// Someone who shares a conversation with the user came online or went offline (not
    /// logged: no event id).
    Presence {
        /// Whose presence changed.
        user_id: String,
        /// `online` or `offline`.
        status: &'static str,
        /// When offline: RFC 3339 time the user was last seen; else null.
        last_seen_at: Option<String>,
    },
    /// The answer to a `send`.
    Ack {
        /// The `client_msg_id` of the send.
        client_msg_id: String,
        /// The stored message.
        message: MessageJson,
    },
    /// Something went wrong (a refused frame or send).
    Error {
        /// An API error code.
        code: &'static str,
        /// Human text.
        message: String,
        /// The `client_msg_id` of the send this answers, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<String>,
        /// For `unavailable` and `rate_limited`: milliseconds to wait before retrying.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerFrame {
    /// The error frame for `error`.
    pub fn error(error: &ApiError, client_msg_id: Option<String>) -> Self {
        Self::Error {
            code: error.code.as_str(),
            message: error.message.clone(),
            client_msg_id,
            retry_after_ms: error
                .retry_after
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// The frame as JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            tracing::error!(error = %e, "serializing a server frame failed");
            r#"{"type":"error","code":"internal","message":"internal error"}"#.to_owned()
        })
    }
}

#[cfg(test)]
mod tests;
