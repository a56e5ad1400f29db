//! Sessions: login, refresh-token rotation, logout.

use axum::{Json, extract::State, http::StatusCode};
use gochat_delivery::Revocation;
use gochat_proto::auth::v1::{
    LoginRequest as LoginRpc, LogoutRequest, RefreshRequest as RefreshRpc,
};

use crate::{
    dto::{LoginRequest, RefreshRequest, TokenPairJson, normalize_email},
    error::{ApiError, ErrorBody},
    extract::{ApiJson, Authenticated, ClientIp},
    limits::{AuthEndpoint, REFRESHES, Write, check, check_auth_endpoint, check_write},
    state::AppState,
};

/// Checks email and password and opens a session.
#[utoipa::path(post, path = "/api/v1/sessions", operation_id = "login", tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A token pair", body = TokenPairJson),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "invalid_credentials", body = ErrorBody),
        (status = 403, description = "account_not_verified", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<TokenPairJson>, ApiError> {
    let email = normalize_email(&body.email);
    check_auth_endpoint(&state, AuthEndpoint::Login, ip, &email).await?;
    let pair = state
        .auth()
        .login(LoginRpc {
            email,
            password: body.password,
        })
        .await?
        .into_inner();
    Ok(Json(pair.into()))
}

/// Rotates a refresh token; presenting a rotated one revokes the whole session.
#[utoipa::path(post, path = "/api/v1/sessions/refresh", operation_id = "refreshSession", tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPairJson),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "invalid_refresh_token", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPairJson>, ApiError> {
    check(&state, &REFRESHES, ip).await?;
    let pair = state
        .auth()
        .refresh(RefreshRpc {
            refresh_token: body.refresh_token,
        })
        .await?
        .into_inner();
    Ok(Json(pair.into()))
}

/// Ends the caller's session: its refresh token stops working, and its access tokens and
/// sockets are refused here at once and on every other gateway within a second (the
/// revocation feed).
#[utoipa::path(delete, path = "/api/v1/sessions/current", operation_id = "logout", tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
) -> Result<StatusCode, ApiError> {
    check_write(&state, Write::Logout, &me.account_id).await?;
    state
        .auth()
        .logout(LogoutRequest {
            session_id: me.session_id.clone(),
        })
        .await?;
    // Auth recorded the revocation; this gateway need not wait to read it back.
    state.revoked().apply(vec![Revocation {
        until_ms: me.expires_at.saturating_mul(1000),
        session_id: me.session_id,
    }]);
    Ok(StatusCode::NO_CONTENT)
}
