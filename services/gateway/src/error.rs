//! The one error type of the public API: every failure a client sees is an [`ApiError`],
//! rendered as `{"error":{"code","message"}}` with the status from [`ErrorCode::spec`].

use std::time::Duration;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error code of API v1. The wire string and HTTP status of each are in
/// [`ErrorCode::spec`], the single table the gateway maps errors through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Malformed JSON, a missing or wrongly typed field, a bad query parameter.
    InvalidRequest,
    /// The email address is not valid.
    InvalidEmail,
    /// The password is too short.
    WeakPassword,
    /// The display name is empty or too long.
    InvalidDisplayName,
    /// The verification code is wrong.
    InvalidCode,
    /// The member list of a new conversation is unacceptable.
    InvalidMembers,
    /// A message body is empty or too long.
    InvalidBody,
    /// Missing, expired or invalid access token.
    Unauthorized,
    /// Wrong email or password.
    InvalidCredentials,
    /// Unknown, expired or rotated refresh token.
    InvalidRefreshToken,
    /// The account has not confirmed its email yet.
    AccountNotVerified,
    /// The caller is not a member of the conversation.
    NotAMember,
    /// No such route or resource.
    NotFound,
    /// No such (active) user.
    UserNotFound,
    /// No such conversation.
    ConversationNotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// An account with this email exists.
    EmailTaken,
    /// The verification code outlived its lifetime.
    CodeExpired,
    /// The request body is over the size limit.
    PayloadTooLarge,
    /// Too many wrong verification codes.
    TooManyAttempts,
    /// A rate limit was hit.
    RateLimited,
    /// A backend cannot be reached; retrying later may work.
    Unavailable,
    /// Something failed inside gochat.
    Internal,
}

impl ErrorCode {
    /// Every code, for lookups by wire string and for tests.
    pub const ALL: [ErrorCode; 23] = [
        Self::InvalidRequest,
        Self::InvalidEmail,
        Self::WeakPassword,
        Self::InvalidDisplayName,
        Self::InvalidCode,
        Self::InvalidMembers,
        Self::InvalidBody,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::InvalidRefreshToken,
        Self::AccountNotVerified,
        Self::NotAMember,
        Self::NotFound,
        Self::UserNotFound,
        Self::ConversationNotFound,
        Self::MethodNotAllowed,
        Self::EmailTaken,
        Self::CodeExpired,
        Self::PayloadTooLarge,
        Self::TooManyAttempts,
        Self::RateLimited,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The table: wire string and HTTP status of each code.
    pub const fn spec(self) -> (&'static str, StatusCode) {
        match self {
            Self::InvalidRequest => ("invalid_request", StatusCode::BAD_REQUEST),
            Self::InvalidEmail => ("invalid_email", StatusCode::BAD_REQUEST),
            Self::WeakPassword => ("weak_password", StatusCode::BAD_REQUEST),
            Self::InvalidDisplayName => ("invalid_display_name", StatusCode::BAD_REQUEST),
            Self::InvalidCode => ("invalid_code", StatusCode::BAD_REQUEST),
            Self::InvalidMembers => ("invalid_members", StatusCode::BAD_REQUEST),
            Self::InvalidBody => ("invalid_body", StatusCode::BAD_REQUEST),
            Self::Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED),
            Self::InvalidCredentials => ("invalid_credentials", StatusCode::UNAUTHORIZED),
            Self::InvalidRefreshToken => ("invalid_refresh_token", StatusCode::UNAUTHORIZED),
            Self::AccountNotVerified => ("account_not_verified", StatusCode::FORBIDDEN),
            Self::NotAMember => ("not_a_member", StatusCode::FORBIDDEN),
            Self::NotFound => ("not_found", StatusCode::NOT_FOUND),
            Self::UserNotFound => ("user_not_found", StatusCode::NOT_FOUND),
            Self::ConversationNotFound => ("conversation_not_found", StatusCode::NOT_FOUND),
            Self::MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            Self::EmailTaken => ("email_taken", StatusCode::CONFLICT),
            Self::CodeExpired => ("code_expired", StatusCode::GONE),
            Self::PayloadTooLarge => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            Self::TooManyAttempts => ("too_many_attempts", StatusCode::TOO_MANY_REQUESTS),
            Self::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            Self::Unavailable => ("unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Self::Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// The snake_case string clients see.
    pub const fn as_str(self) -> &'static str {
        self.spec().0
    }

    /// The HTTP status of this code.
    pub const fn status(self) -> StatusCode {
        self.spec().1
    }

    /// The code with this wire string, if any.
    pub fn from_wire(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// How long a client is told to wait when a backend is unreachable.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long a client is told to wait after a peer's own 429 (whose window is unknown here).
const PEER_LIMIT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// An error answer of the API: a code, a human message, and for 429/503 a `Retry-After`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people. Never carries secrets.
    pub message: String,
    /// Seconds for `Retry-After`; always set for 429 and 503.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// An error with `code` and `message`; 429 and 503 get a default `Retry-After`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let retry_after = match code.status() {
            StatusCode::SERVICE_UNAVAILABLE => Some(UNAVAILABLE_RETRY_AFTER),
            StatusCode::TOO_MANY_REQUESTS => Some(PEER_LIMIT_RETRY_AFTER),
            _ => None,
        };
        Self {
            code,
            message: message.into(),
            retry_after,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// 503 `unavailable`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    /// 500 `internal` with a message that reveals nothing.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }

    /// 429 `rate_limited`, to retry after `retry_after` (rounded up to whole seconds).
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorCode::RateLimited, "too many requests; slow down")
        }
    }

    /// The `Retry-After` value in whole seconds (at least 1), if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .map(|s| s.max(1))
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.code.status(), Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Clone, Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A snake_case code from the API's list (`invalid_request`, `not_a_member`, ...).
    #[schema(example = "invalid_request")]
    pub code: String,
    /// Human-readable text.
    pub message: String,
}

#[cfg(test)]
mod tests;
