//! Conversations: creating one and listing the caller's.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{
    CreateConversationRequest as CreateConversationRpc, ListConversationsRequest,
};

use crate::{
    dto::{ConversationJson, ConversationListJson, CreateConversationRequest},
    error::{ApiError, ErrorBody},
    extract::{ApiJson, Authenticated},
    limits::{CONVERSATION_CREATES, READS, check},
    routes::members::ensure_others_active,
    state::AppState,
};

/// Creates a conversation with the caller and `member_ids`; a direct one (two members)
/// is unique per pair, so asking again answers the existing one with 200.
#[utoipa::path(post, path = "/api/v1/conversations", operation_id = "createConversation", tag = "conversations",
    security(("bearer" = [])),
    request_body = CreateConversationRequest,
    responses(
        (status = 201, description = "Created", body = ConversationJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/id")))),
            ("SendMessage" = (operation_id = "sendMessage", parameters(("id" = "$response.body#/id")))),
            ("ListMembers" = (operation_id = "listMembers", parameters(("id" = "$response.body#/id")))),
            ("AddMembers" = (operation_id = "addMembers", parameters(("id" = "$response.body#/id")))),
            ("Leave" = (operation_id = "removeMember", parameters(("id" = "$response.body#/id"), ("user_id" = "$response.body#/created_by")))),
        )),
        (status = 200, description = "The existing direct conversation", body = ConversationJson, links(
            ("ListMessages" = (operation_id = "listMessages", parameters(("id" = "$response.body#/id")))),
            ("SendMessage" = (operation_id = "sendMessage", parameters(("id" = "$response.body#/id")))),
            ("ListMembers" = (operation_id = "listMembers", parameters(("id" = "$response.body#/id")))),
            ("AddMembers" = (operation_id = "addMembers", parameters(("id" = "$response.body#/id")))),
            ("Leave" = (operation_id = "removeMember", parameters(("id" = "$response.body#/id"), ("user_id" = "$response.body#/created_by")))),
        )),
        (status = 400, description = "invalid_request, invalid_members", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiJson(body): ApiJson<CreateConversationRequest>,
) -> Result<(StatusCode, Json<ConversationJson>), ApiError> {
    check(&state, &CONVERSATION_CREATES, &me.account_id).await?;
    ensure_others_active(&state, &me.account_id, &body.member_ids).await?;
    let answer = state
        .chat()
        .create_conversation(CreateConversationRpc {
            creator_id: me.account_id,
            member_ids: body.member_ids,
            title: body.title,
        })
        .await?
        .into_inner();
    let conversation = answer.conversation.ok_or_else(|| {
        tracing::error!("chat created a conversation but did not return it");
        ApiError::internal()
    })?;
    let status = if answer.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(conversation.into())))
}

/// The caller's conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/conversations", operation_id = "listConversations", tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's conversations", body = ConversationListJson),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
) -> Result<Json<ConversationListJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let answer = state
        .chat()
        .list_conversations(ListConversationsRequest {
            user_id: me.account_id,
        })
        .await?
        .into_inner();
    Ok(Json(ConversationListJson {
        conversations: answer.conversations.into_iter().map(Into::into).collect(),
    }))
}
