//! Messages: sending in a conversation or directly to a user, and history pages.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{
    ListMessagesRequest, SendDirectMessageRequest as SendDirectRpc, SendMessageRequest as SendRpc,
    SendMessageResponse,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    dto::{
        MessageJson, MessagePageJson, SendDirectMessageRequest, SendMessageRequest,
        required_message,
    },
    error::{ApiError, ErrorBody},
    extract::{ApiJson, ApiPath, ApiQuery, Authenticated},
    limits::{READS, check, check_send},
    routes::members::ensure_active,
    state::AppState,
};

/// Page size when `limit` is absent.
const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
const MAX_LIMIT: u32 = 100;

/// Query of a history page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only messages older than this message id (empty: the newest page).
    #[param(pattern = r"^([0-9a-f]{16})?$")]
    pub before: Option<String>,
    /// 1..100, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The page size `limit` asks for: absent means 50; anything but 1..=100 is refused.
pub fn parse_limit(limit: Option<&str>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::invalid_request("limit must be a whole number from 1 to 100")),
    }
}

/// Sends a message in a conversation (idempotent by `client_msg_id`).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", operation_id = "sendMessage", tag = "messages",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Conversation id", format = Uuid)),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "Sent", body = MessageJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/conversation_id")))),
            ("EditMessage" = (operation_id = "editMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("DeleteMessage" = (operation_id = "deleteMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("MarkRead" = (operation_id = "markRead", parameters(("id" = "$response.body#/conversation_id")), request_body = json!({"message_id": "$response.body#/id"}))),
        )),
        (status = 200, description = "Already sent with this client_msg_id: the first message", body = MessageJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/conversation_id")))),
            ("EditMessage" = (operation_id = "editMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("DeleteMessage" = (operation_id = "deleteMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("MarkRead" = (operation_id = "markRead", parameters(("id" = "$response.body#/conversation_id")), request_body = json!({"message_id": "$response.body#/id"}))),
        )),
        (status = 400, description = "invalid_request, invalid_body", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "conversation_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn send(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
    ApiJson(body): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<MessageJson>), ApiError> {
    let _place = state.sends().try_acquire()?;
    check_send(&state, &me.account_id).await?;
    let answer = state
        .chat()
        .send_message(SendRpc {
            sender_id: me.account_id,
            conversation_id,
            body: body.body,
            client_msg_id: body.client_msg_id,
        })
        .await?
        .into_inner();
    sent(answer)
}

/// Sends in the direct conversation with a user, creating it if needed.
#[utoipa::path(post, path = "/api/v1/messages", operation_id = "sendDirectMessage", tag = "messages",
    security(("bearer" = [])),
    request_body = SendDirectMessageRequest,
    responses(
        (status = 201, description = "Sent", body = MessageJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/conversation_id")))),
            ("EditMessage" = (operation_id = "editMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("DeleteMessage" = (operation_id = "deleteMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("MarkRead" = (operation_id = "markRead", parameters(("id" = "$response.body#/conversation_id")), request_body = json!({"message_id": "$response.body#/id"}))),
        )),
        (status = 200, description = "Already sent with this client_msg_id: the first message", body = MessageJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/conversation_id")))),
            ("EditMessage" = (operation_id = "editMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("DeleteMessage" = (operation_id = "deleteMessage", parameters(("id" = "$response.body#/conversation_id"), ("message_id" = "$response.body#/id")))),
            ("MarkRead" = (operation_id = "markRead", parameters(("id" = "$response.body#/conversation_id")), request_body = json!({"message_id": "$response.body#/id"}))),
        )),
        (status = 400, description = "invalid_request, invalid_body, invalid_members", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn send_direct(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiJson(body): ApiJson<SendDirectMessageRequest>,
) -> Result<(StatusCode, Json<MessageJson>), ApiError> {
    let _place = state.sends().try_acquire()?;
    check_send(&state, &me.account_id).await?;
    ensure_active(&state, &[body.recipient_id.as_str()]).await?;
    let answer = state
        .chat()
        .send_direct_message(SendDirectRpc {
            sender_id: me.account_id,
            recipient_id: body.recipient_id,
            body: body.body,
            client_msg_id: body.client_msg_id,
        })
        .await?
        .into_inner();
    sent(answer)
}

fn sent(answer: SendMessageResponse) -> Result<(StatusCode, Json<MessageJson>), ApiError> {
    let status = if answer.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(required_message(answer.message)?)))
}

/// A page of a conversation's history, newest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", operation_id = "listMessages", tag = "messages",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Conversation id", format = Uuid), PageQuery),
    responses(
        (status = 200, description = "A page, newest first", body = MessagePageJson),
        (status = 400, description = "invalid_request (bad limit)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "conversation_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<MessagePageJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let limit = parse_limit(query.limit.as_deref())?;
    let answer = state
        .chat()
        .list_messages(ListMessagesRequest {
            user_id: me.account_id,
            conversation_id,
            before: query.before.unwrap_or_default(),
            limit,
        })
        .await?
        .into_inner();
    Ok(Json(MessagePageJson {
        messages: answer.messages.into_iter().map(Into::into).collect(),
        next_before: Some(answer.next_before).filter(|b| !b.is_empty()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_one_to_a_hundred_defaulting_to_fifty() {
        assert_eq!(parse_limit(None).unwrap(), 50);
        assert_eq!(parse_limit(Some("1")).unwrap(), 1);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        for bad in [
            "0",
            "101",
            "-1",
            "abc",
            "",
            "1.5",
            " 5",
            "99999999999999999999",
        ] {
            let e = parse_limit(Some(bad)).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidRequest, "{bad:?}");
        }
    }
}
