//! Why an auth call was refused, and the one place those reasons become the API's error
//! codes. Messages never carry secrets; internal details go to the log, not to the caller.

use gochat_proto::error::{self, ErrorCode};
use gochat_tokens::KeyError;
use tonic::Status;

use crate::{password::PasswordError, store::StoreError, validate::Invalid};

/// A refused auth call; what the caller sees is the variant's code and its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// A broken input rule (email, password, display name).
    #[error("{0}")]
    Invalid(Invalid),
    /// A request field is missing or malformed.
    #[error("{0}")]
    BadRequest(&'static str),
    /// An account with this email exists.
    #[error("an account with this email exists")]
    EmailTaken,
    /// No such (visible) user.
    #[error("no such user")]
    UserNotFound,
    /// The verification code is wrong.
    #[error("the code is not valid")]
    InvalidCode,
    /// The verification code expired.
    #[error("the code has expired; request a new one")]
    CodeExpired,
    /// Too many wrong tries at the code.
    #[error("too many wrong codes; request a new one")]
    TooManyAttempts,
    /// Too many codes were asked for.
    #[error("too many codes were requested; try again later")]
    RateLimited,
    /// Email or password is wrong (deliberately not saying which).
    #[error("wrong email or password")]
    InvalidCredentials,
    /// The refresh token cannot be used.
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    /// The account has not confirmed its email.
    #[error("confirm your email address first")]
    AccountNotVerified,
    /// A backend (the store, the email service) cannot be reached; the caller may retry.
    #[error("{0}")]
    Unavailable(&'static str),
    /// Something failed inside auth.
    #[error("{0}")]
    Internal(&'static str),
}

impl AuthError {
    /// The API error code the caller gets.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(Invalid::Email) => ErrorCode::InvalidEmail,
            Self::Invalid(Invalid::WeakPassword) => ErrorCode::WeakPassword,
            Self::Invalid(Invalid::DisplayName) => ErrorCode::InvalidDisplayName,
            Self::Invalid(Invalid::PasswordTooLong) | Self::BadRequest(_) => {
                ErrorCode::InvalidRequest
            }
            Self::EmailTaken => ErrorCode::EmailTaken,
            Self::UserNotFound => ErrorCode::UserNotFound,
            Self::InvalidCode => ErrorCode::InvalidCode,
            Self::CodeExpired => ErrorCode::CodeExpired,
            Self::TooManyAttempts => ErrorCode::TooManyAttempts,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::InvalidRefreshToken => ErrorCode::InvalidRefreshToken,
            Self::AccountNotVerified => ErrorCode::AccountNotVerified,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<AuthError> for Status {
    fn from(e: AuthError) -> Self {
        error::status(e.code(), e.to_string())
    }
}

/// A store failure that is not a domain answer.
pub(super) fn store(e: StoreError) -> AuthError {
    match e {
        StoreError::Unavailable(why) => {
            tracing::warn!(error = %why, "auth store unavailable");
            AuthError::Unavailable("the account store is unavailable")
        }
        other => {
            tracing::error!(error = %other, "auth store failed");
            AuthError::Internal("the account store failed")
        }
    }
}

/// A password hashing failure (a corrupt stored hash, or shutdown).
pub(super) fn password(e: PasswordError) -> AuthError {
    tracing::error!(error = %e, "password hashing failed");
    AuthError::Internal("password check failed")
}

/// A signing failure.
pub(super) fn signing(e: KeyError) -> AuthError {
    tracing::error!(error = %e, "signing an access token failed");
    AuthError::Internal("could not issue a token")
}

/// The email service refused or could not be reached: its rate limit passes through,
/// anything else is an outage of the email service.
pub(super) fn email_failed(e: &Status) -> AuthError {
    if error::error_code(e) == Some(ErrorCode::RateLimited) {
        return AuthError::RateLimited;
    }
    tracing::warn!(code = ?e.code(), error = %e.message(), "email service call failed");
    AuthError::Unavailable("the email service is unavailable")
}
