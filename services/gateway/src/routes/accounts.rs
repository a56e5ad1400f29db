//! Accounts: signup, email verification, code resend, and the caller's own account.

use axum::{Json, extract::State, http::StatusCode};
use gochat_proto::auth::v1::{
    CreateAccountRequest as CreateAccountRpc, GetAccountRequest, ResendVerificationCodeRequest,
    VerifyAccountRequest as VerifyAccountRpc,
};

use crate::{
    dto::{
        AccountJson, CreateAccountRequest, EmptyJson, ResendCodeRequest, StatusJson,
        VerifyAccountRequest, normalize_email,
    },
    error::{ApiError, ErrorBody, ErrorCode},
    extract::{ApiJson, Authenticated, ClientIp},
    limits::{AuthEndpoint, READS, check, check_auth_endpoint},
    state::AppState,
};

/// Creates a pending account; a 6-digit code is emailed.
#[utoipa::path(post, path = "/api/v1/accounts", operation_id = "createAccount", tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "Created, pending verification", body = AccountJson),
        (status = 400, description = "invalid_request, invalid_email, weak_password, invalid_display_name", body = ErrorBody),
        (status = 409, description = "email_taken", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<CreateAccountRequest>,
) -> Result<(StatusCode, Json<AccountJson>), ApiError> {
    let email = normalize_email(&body.email);
    check_auth_endpoint(&state, AuthEndpoint::Signup, ip, &email).await?;
    let account = state
        .auth()
        .create_account(CreateAccountRpc {
            email,
            password: body.password,
            display_name: body.display_name,
        })
        .await?
        .into_inner();
    Ok((StatusCode::CREATED, Json(AccountJson::from_proto(account)?)))
}

/// Activates a pending account with the emailed code.
#[utoipa::path(post, path = "/api/v1/accounts/verify", operation_id = "verifyAccount", tag = "accounts",
    request_body = VerifyAccountRequest,
    responses(
        (status = 200, description = "Active", body = StatusJson),
        (status = 400, description = "invalid_request, invalid_code", body = ErrorBody),
        (status = 410, description = "code_expired", body = ErrorBody),
        (status = 429, description = "too_many_attempts, rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<VerifyAccountRequest>,
) -> Result<Json<StatusJson>, ApiError> {
    let email = normalize_email(&body.email);
    check_auth_endpoint(&state, AuthEndpoint::Verify, ip, &email).await?;
    state
        .auth()
        .verify_account(VerifyAccountRpc {
            email,
            code: body.code.trim().to_owned(),
        })
        .await?;
    Ok(Json(StatusJson {
        status: "active".to_owned(),
    }))
}

/// Mails a fresh code if a pending account exists; the answer is the same either way.
#[utoipa::path(post, path = "/api/v1/accounts/verification-code", operation_id = "resendVerificationCode", tag = "accounts",
    request_body = ResendCodeRequest,
    responses(
        (status = 202, description = "Accepted", body = EmptyJson),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn resend_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ResendCodeRequest>,
) -> Result<(StatusCode, Json<EmptyJson>), ApiError> {
    let email = normalize_email(&body.email);
    check_auth_endpoint(&state, AuthEndpoint::Resend, ip, &email).await?;
    match state
        .auth()
        .resend_verification_code(ResendVerificationCodeRequest { email })
        .await
    {
        Ok(_) => {}
        Err(status) => {
            let error = ApiError::from(status);
            // Whether an account exists must not show: only outages and limits surface.
            if !matches!(
                error.code,
                ErrorCode::UserNotFound | ErrorCode::NotFound | ErrorCode::InvalidEmail
            ) {
                return Err(error);
            }
        }
    }
    Ok((StatusCode::ACCEPTED, Json(EmptyJson {})))
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "getMe", tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AccountJson),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
) -> Result<Json<AccountJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let account = state
        .auth()
        .get_account(GetAccountRequest { id: me.account_id })
        .await?
        .into_inner();
    Ok(Json(AccountJson::from_proto(account)?))
}
