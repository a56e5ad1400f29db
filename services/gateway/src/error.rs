//! The one error type of the public API: every failure a client sees is an [`ApiError`],
//! rendered as `{"error":{"code","message"}}` with its code's HTTP status from the shared
//! vocabulary ([`ErrorCode`], in `gochat-proto`).

use std::time::Duration;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
};
pub use gochat_proto::error::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

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
        let retry_after = match code.http_status() {
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

    /// The same error with `message` as its text.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
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
        let mut response = (self.code.http_status(), Json(self.body())).into_response();
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
