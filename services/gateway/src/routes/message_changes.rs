//! Changing a sent message: its sender edits or deletes it.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{DeleteMessageRequest, EditMessageRequest as EditRpc};

use crate::{
    dto::{EditMessageRequest, MessageJson, required_message},
    error::{ApiError, ErrorBody},
    extract::{ApiJson, ApiPath, Authenticated},
    limits::{Write, check_write},
    state::AppState,
};

/// Replaces a message's body; only its sender may. Sending the same body again changes
/// nothing and answers the message as it is.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}/messages/{message_id}", operation_id = "editMessage", tag = "messages",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Conversation id", format = Uuid),
        ("message_id" = String, Path, description = "Message id: 16 lowercase hex digits", pattern = r"^[0-9a-f]{16}$"),
    ),
    request_body = EditMessageRequest,
    responses(
        (status = 200, description = "Edited: the message with `edited_at`", body = MessageJson),
        (status = 400, description = "invalid_request, invalid_body", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member, not_the_sender", body = ErrorBody),
        (status = 404, description = "conversation_not_found, message_not_found", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath((conversation_id, message_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<EditMessageRequest>,
) -> Result<Json<MessageJson>, ApiError> {
    let _place = state.sends().try_acquire()?;
    check_write(&state, Write::Change, &me.account_id).await?;
    let answer = state
        .chat()
        .edit_message(EditRpc {
            user_id: me.account_id,
            conversation_id,
            message_id,
            body: body.body,
        })
        .await?
        .into_inner();
    Ok(Json(required_message(answer.message)?))
}

/// Deletes a message; only its sender may. History keeps a tombstone in its place
/// (`"deleted": true`, empty body). Deleting it again changes nothing.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/messages/{message_id}", operation_id = "deleteMessage", tag = "messages",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Conversation id", format = Uuid),
        ("message_id" = String, Path, description = "Message id: 16 lowercase hex digits", pattern = r"^[0-9a-f]{16}$"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member, not_the_sender", body = ErrorBody),
        (status = 404, description = "conversation_not_found, message_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath((conversation_id, message_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let _place = state.sends().try_acquire()?;
    check_write(&state, Write::Change, &me.account_id).await?;
    state
        .chat()
        .delete_message(DeleteMessageRequest {
            user_id: me.account_id,
            conversation_id,
            message_id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
