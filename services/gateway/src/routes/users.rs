//! Finding another user by email.

use axum::{Json, extract::State};
use gochat_proto::auth::v1::{AccountStatus, LookupAccountRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    dto::{UserJson, normalize_email},
    error::{ApiError, ErrorBody, ErrorCode},
    extract::{ApiQuery, Authenticated},
    state::AppState,
};

/// Query of `GET /api/v1/users/lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// The email to look up (case-insensitive).
    pub email: Option<String>,
}

/// An active account by email.
#[utoipa::path(get, path = "/api/v1/users/lookup", tag = "users",
    security(("bearer" = [])),
    params(LookupQuery),
    responses(
        (status = 200, description = "The active account with that email", body = UserJson),
        (status = 400, description = "invalid_request (no email)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "user_not_found", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    _caller: Authenticated,
    ApiQuery(query): ApiQuery<LookupQuery>,
) -> Result<Json<UserJson>, ApiError> {
    let email = query
        .email
        .map(|e| normalize_email(&e))
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::invalid_request("the email query parameter is required"))?;
    let account = state
        .auth()
        .lookup_account(LookupAccountRequest { email })
        .await?
        .into_inner();
    if account.status != AccountStatus::Active as i32 {
        return Err(ApiError::new(
            ErrorCode::UserNotFound,
            "no active account with that email",
        ));
    }
    Ok(Json(UserJson {
        id: account.id,
        display_name: account.display_name,
    }))
}
