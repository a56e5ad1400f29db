//! Blocking: refusing direct messages from someone.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::chat::v1::{BlockRequest, ListBlocksRequest, UnblockRequest};

use crate::{
    dto::{BlockJson, BlockListJson},
    error::{ApiError, ErrorBody},
    extract::{ApiPath, Authenticated},
    limits::{READS, Write, check, check_write},
    routes::members::ensure_active,
    state::AppState,
    time::rfc3339_ms,
};

/// Blocks a user: they can no longer send in a direct conversation with the caller (403
/// `blocked`) nor open one; messages in shared groups still flow, and the caller still
/// finds them by lookup. Blocking again is accepted.
#[utoipa::path(put, path = "/api/v1/blocks/{user_id}", operation_id = "blockUser", tag = "blocks",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user to block", format = Uuid)),
    responses(
        (status = 204, description = "Blocked"),
        (status = 400, description = "invalid_request (yourself)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn block(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(user_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    check_write(&state, Write::Blocks, &me.account_id).await?;
    if user_id == me.account_id {
        return Err(ApiError::invalid_request("you cannot block yourself"));
    }
    ensure_active(&state, &[user_id.as_str()]).await?;
    state
        .chat()
        .block(BlockRequest {
            user_id: me.account_id,
            blocked_id: user_id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a block; lifting one that does not exist is accepted.
#[utoipa::path(delete, path = "/api/v1/blocks/{user_id}", operation_id = "unblockUser", tag = "blocks",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The user to unblock (any id: unblocking someone not blocked changes nothing)")),
    responses(
        (status = 204, description = "Not blocked"),
        (status = 400, description = "invalid_request (yourself)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn unblock(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiPath(user_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    check_write(&state, Write::Blocks, &me.account_id).await?;
    state
        .chat()
        .unblock(UnblockRequest {
            user_id: me.account_id,
            blocked_id: user_id,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The users the caller blocks, most recently blocked first.
#[utoipa::path(get, path = "/api/v1/blocks", operation_id = "listBlocks", tag = "blocks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's blocks", body = BlockListJson),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
) -> Result<Json<BlockListJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let answer = state
        .chat()
        .list_blocks(ListBlocksRequest {
            user_id: me.account_id,
        })
        .await?
        .into_inner();
    Ok(Json(BlockListJson {
        blocks: answer
            .blocks
            .into_iter()
            .map(|b| BlockJson {
                user_id: b.user_id,
                blocked_at: rfc3339_ms(b.blocked_at_ms),
            })
            .collect(),
    }))
}
