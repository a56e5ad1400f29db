//! A group's members: adding people, leaving, removing someone.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{AddMembersRequest as AddMembersRpc, RemoveMemberRequest};

use crate::{
    dto::{AddMembersRequest, ConversationJson},
    error::{ApiError, ErrorBody},
    extract::{ApiJson, ApiPath, Authenticated},
    limits::{Write, check_write},
    routes::members::ensure_others_active,
    state::AppState,
};

/// Adds users to a group; any member may. Users already in are skipped. Every member, the
/// new ones included, gets a `member_added` event.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/members", operation_id = "addMembers", tag = "conversations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Conversation id", format = Uuid)),
    request_body = AddMembersRequest,
    responses(
        (status = 200, description = "The conversation with its members now", body = ConversationJson),
        (status = 400, description = "invalid_request, invalid_members (a direct conversation, over 256 members, no ids)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member", body = ErrorBody),
        (status = 404, description = "conversation_not_found, user_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn add(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(conversation_id): ApiPath<String>,
    ApiJson(body): ApiJson<AddMembersRequest>,
) -> Result<Json<ConversationJson>, ApiError> {
    check_write(&state, Write::Members, &me.account_id).await?;
    ensure_others_active(&state, &me.account_id, &body.user_ids).await?;
    let answer = state
        .chat()
        .add_members(AddMembersRpc {
            user_id: me.account_id,
            conversation_id,
            member_ids: body.user_ids,
        })
        .await?
        .into_inner();
    let conversation = answer.conversation.ok_or_else(|| {
        tracing::error!("chat added members but did not return the conversation");
        ApiError::internal()
    })?;
    Ok(Json(conversation.into()))
}

/// Removes a member from a group: yourself (leaving) or, for the group's creator, anyone.
/// Every member, the removed one included, gets a `member_removed` event; the removed
/// member keeps reading the history before their removal and nothing after.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/members/{user_id}", operation_id = "removeMember", tag = "conversations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Conversation id", format = Uuid),
        ("user_id" = String, Path, description = "The member to remove (yourself to leave)", format = Uuid),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "invalid_members (a direct conversation)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "not_a_member, not_the_creator", body = ErrorBody),
        (status = 404, description = "conversation_not_found, user_not_found (not a member)", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath((conversation_id, member_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_write(&state, Write::Members, &me.account_id).await?;
    state
        .chat()
        .remove_member(RemoveMemberRequest {
            user_id: me.account_id,
            conversation_id,
            member_id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
