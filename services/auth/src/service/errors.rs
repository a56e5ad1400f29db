//! Turning failures into gRPC statuses with the public API's error codes. Messages never
//! carry secrets; internal details go to the log, not to the caller.

use gochat_runtime::status::{domain_error, unavailable};
use tonic::{Code, Status};

use gochat_tokens::KeyError;

use crate::{password::PasswordError, store::StoreError, validate::Invalid};

/// A broken input rule.
pub(super) fn invalid(rule: Invalid) -> Status {
    let api_code = match rule {
        Invalid::Email => "invalid_email",
        Invalid::WeakPassword => "weak_password",
        Invalid::PasswordTooLong => "invalid_request",
        Invalid::DisplayName => "invalid_display_name",
    };
    domain_error(Code::InvalidArgument, api_code, rule.to_string())
}

/// A store failure that is not a domain answer.
pub(super) fn store(e: StoreError) -> Status {
    match e {
        StoreError::Unavailable(why) => {
            tracing::warn!(error = %why, "auth store unavailable");
            unavailable("the account store is unavailable")
        }
        other => {
            tracing::error!(error = %other, "auth store failed");
            Status::internal("the account store failed")
        }
    }
}

/// A password hashing failure (a corrupt stored hash, or shutdown).
pub(super) fn password(e: PasswordError) -> Status {
    tracing::error!(error = %e, "password hashing failed");
    Status::internal("password check failed")
}

/// A signing failure.
pub(super) fn signing(e: KeyError) -> Status {
    tracing::error!(error = %e, "signing an access token failed");
    Status::internal("could not issue a token")
}

/// The email service could not be reached or failed.
pub(super) fn email_unreachable(e: &Status) -> Status {
    tracing::warn!(code = ?e.code(), error = %e.message(), "email service call failed");
    unavailable("the email service is unavailable")
}

/// A request field is missing or malformed.
pub(super) fn bad_request(message: &'static str) -> Status {
    domain_error(Code::InvalidArgument, "invalid_request", message)
}

/// No such (visible) user.
pub(super) fn user_not_found() -> Status {
    domain_error(Code::NotFound, "user_not_found", "no such user")
}

/// The verification code is wrong.
pub(super) fn invalid_code() -> Status {
    domain_error(
        Code::InvalidArgument,
        "invalid_code",
        "the code is not valid",
    )
}

/// Email or password is wrong (deliberately not saying which).
pub(super) fn invalid_credentials() -> Status {
    domain_error(
        Code::Unauthenticated,
        "invalid_credentials",
        "wrong email or password",
    )
}

/// The refresh token cannot be used.
pub(super) fn invalid_refresh_token() -> Status {
    domain_error(
        Code::Unauthenticated,
        "invalid_refresh_token",
        "the refresh token is not valid",
    )
}
