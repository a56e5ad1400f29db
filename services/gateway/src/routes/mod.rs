//! The API v1 routes and the answers for unknown routes and wrong methods.

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{delete, get, patch, post, put},
};

use crate::{
    error::{ApiError, ErrorCode},
    observe, openapi,
    state::AppState,
    ws,
};

pub mod accounts;
pub mod blocks;
pub mod conversations;
pub mod group_members;
mod members;
pub mod message_changes;
pub mod messages;
pub mod presence;
pub mod reads;
pub mod sessions;
pub mod users;

/// Every API route with its state; `finish` adds the fallbacks once everything is merged.
pub(crate) fn api_routes(state: AppState) -> Router {
    let body_limit = state.config().max_body_bytes;
    Router::new()
        .route("/api/v1/accounts", post(accounts::create))
        .route("/api/v1/accounts/verify", post(accounts::verify))
        .route(
            "/api/v1/accounts/verification-code",
            post(accounts::resend_code),
        )
        .route("/api/v1/me", get(accounts::me))
        .route("/api/v1/users/lookup", get(users::lookup))
        .route("/api/v1/sessions", post(sessions::login))
        .route("/api/v1/sessions/refresh", post(sessions::refresh))
        .route("/api/v1/sessions/current", delete(sessions::logout))
        .route(
            "/api/v1/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route(
            "/api/v1/conversations/{id}/messages",
            get(messages::list).post(messages::send),
        )
        .route(
            "/api/v1/conversations/{id}/messages/{message_id}",
            patch(message_changes::edit).delete(message_changes::delete),
        )
        .route("/api/v1/conversations/{id}/read", post(reads::mark))
        .route(
            "/api/v1/conversations/{id}/members",
            get(reads::members).post(group_members::add),
        )
        .route(
            "/api/v1/conversations/{id}/members/{user_id}",
            delete(group_members::remove),
        )
        .route("/api/v1/presence", get(presence::list))
        .route("/api/v1/blocks", get(blocks::list))
        .route(
            "/api/v1/blocks/{user_id}",
            put(blocks::block).delete(blocks::unblock),
        )
        .route("/api/v1/messages", post(messages::send_direct))
        .route("/api/v1/ws", get(ws::upgrade))
        .route("/openapi.json", get(openapi::document))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// Adds the JSON answers for unknown routes (404) and wrong methods (405) and the
/// per-request span and metrics to `router`; applied last so that merged routes get them
/// too.
pub(crate) fn finish(router: Router) -> Router {
    router
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(observe::http))
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this route",
    )
}
