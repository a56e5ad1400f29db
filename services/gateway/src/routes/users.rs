//! Finding another user by email.

use axum::{Json, extract::State};
use gochat_proto::auth::v1::{AccountStatus, LookupAccountRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    dto::{UserJson, normalize_email},
    error::{ApiError, ErrorBody, ErrorCode},
    extract::{ApiQuery, Authenticated},
    limits::{LOOKUPS, check},
    state::AppState,
};

/// The one answer for an address without an active account, whether unknown or not verified.
fn not_found() -> ApiError {
    ApiError::new(ErrorCode::UserNotFound, "no active account with that email")
}

/// Query of `GET /api/v1/users/lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// The email to look up (case-insensitive, surrounding spaces ignored).
    #[param(
        required = true,
        pattern = r"[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub email: Option<String>,
}

/// An active account by email. An unknown address and one whose account is not verified
/// get the same answer, and each account may look up 30 addresses a minute.
#[utoipa::path(get, path = "/api/v1/users/lookup", operation_id = "lookupUser", tag = "users",
    security(("bearer" = [])),
    params(LookupQuery),
    responses(
        (status = 200, description = "The active account with that email", body = UserJson),
        (status = 400, description = "invalid_request (no email)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "user_not_found (unknown or not verified, alike)", body = ErrorBody),
        (status = 429, description = "rate_limited (30 lookups a minute per account)", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiQuery(query): ApiQuery<LookupQuery>,
) -> Result<Json<UserJson>, ApiError> {
    check(&state, &LOOKUPS, &me.account_id).await?;
    let email = query
        .email
        .map(|e| normalize_email(&e))
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::invalid_request("the email query parameter is required"))?;
    let account = match state
        .auth()
        .lookup_account(LookupAccountRequest { email })
        .await
    {
        Ok(found) => found.into_inner(),
        Err(status) => {
            let error = ApiError::from(status);
            return Err(if error.code == ErrorCode::UserNotFound {
                not_found()
            } else {
                error
            });
        }
    };
    if account.status != AccountStatus::Active as i32 {
        return Err(not_found());
    }
    Ok(Json(UserJson {
        id: account.id,
        display_name: account.display_name,
    }))
}
