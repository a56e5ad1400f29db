//! Read markers: moving the caller's, and every member's for "seen by".

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{ListReadMarkersRequest, MarkReadRequest as MarkReadRpc};

use crate::{
    dto::{MarkReadRequest, MemberListJson},
    error::{ApiError, ErrorBody},
    extract::{ApiJson, ApiPath, Authenticated},
    limits::{READS, Write, check, check_write},
    state::AppState,
};

/// Marks the conversation read up to a message. The marker only moves forward: an older
/// message is accepted and changes nothing. A move reaches every member's sockets as a
/// `read` event.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", operation_id = "markRead", tag = "conversations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Conversation id", format = Uuid)),
    request_body = MarkReadRequest,
    responses(
        (status = 204, description = "The marker is at this message or past it"),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "conversation_not_found, message_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn mark(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
    ApiJson(body): ApiJson<MarkReadRequest>,
) -> Result<StatusCode, ApiError> {
    check_write(&state, Write::Read, &me.account_id).await?;
    state
        .chat()
        .mark_read(MarkReadRpc {
            user_id: me.account_id,
            conversation_id,
            message_id: body.message_id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every member of the conversation with their read marker.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/members", operation_id = "listMembers", tag = "conversations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Conversation id", format = Uuid)),
    responses(
        (status = 200, description = "The members, the creator first", body = MemberListJson),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "conversation_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn members(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
) -> Result<Json<MemberListJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let answer = state
        .chat()
        .list_read_markers(ListReadMarkersRequest {
            user_id: me.account_id,
            conversation_id,
        })
        .await?
        .into_inner();
    Ok(Json(MemberListJson {
        members: answer.markers.into_iter().map(Into::into).collect(),
    }))
}
