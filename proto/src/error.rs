//! The public API's error codes, one typed vocabulary for every service and the gateway.
//!
//! A service maps its domain errors to an [`ErrorCode`] in one place and answers with
//! [`status`]; the code travels as an `ErrorInfo` in the gRPC status details, and the gateway
//! reads it back with [`error_code`] and answers with [`ErrorCode::http_status`] and
//! [`ErrorCode::as_str`]. The table below is the only place a code's name, HTTP status and gRPC
//! code are written down.

use prost::Message as _;
use tonic::{Code, Status};

/// `gochat.error.v1`: the wire form of the vocabulary.
pub mod v1 {
    tonic::include_proto!("gochat.error.v1");
}

pub use v1::{ErrorCode, ErrorInfo};

impl ErrorCode {
    /// Every code of API v1 (everything but `Unspecified`).
    pub const ALL: [ErrorCode; 28] = [
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
        Self::NotTheSender,
        Self::MessageNotFound,
        Self::NotTheCreator,
        Self::Blocked,
        Self::MessageDeleted,
    ];

    /// The table: each code's snake_case name, HTTP status and gRPC code. `Unspecified` is
    /// answered as `internal`.
    const fn spec(self) -> (&'static str, http::StatusCode, Code) {
        use http::StatusCode as H;
        match self {
            Self::InvalidRequest => ("invalid_request", H::BAD_REQUEST, Code::InvalidArgument),
            Self::InvalidEmail => ("invalid_email", H::BAD_REQUEST, Code::InvalidArgument),
            Self::WeakPassword => ("weak_password", H::BAD_REQUEST, Code::InvalidArgument),
            Self::InvalidDisplayName => (
                "invalid_display_name",
                H::BAD_REQUEST,
                Code::InvalidArgument,
            ),
            Self::InvalidCode => ("invalid_code", H::BAD_REQUEST, Code::InvalidArgument),
            Self::InvalidMembers => ("invalid_members", H::BAD_REQUEST, Code::InvalidArgument),
            Self::InvalidBody => ("invalid_body", H::BAD_REQUEST, Code::InvalidArgument),
            Self::Unauthorized => ("unauthorized", H::UNAUTHORIZED, Code::Unauthenticated),
            Self::InvalidCredentials => (
                "invalid_credentials",
                H::UNAUTHORIZED,
                Code::Unauthenticated,
            ),
            Self::InvalidRefreshToken => (
                "invalid_refresh_token",
                H::UNAUTHORIZED,
                Code::Unauthenticated,
            ),
            Self::AccountNotVerified => {
                ("account_not_verified", H::FORBIDDEN, Code::PermissionDenied)
            }
            Self::NotAMember => ("not_a_member", H::FORBIDDEN, Code::PermissionDenied),
            Self::NotTheSender => ("not_the_sender", H::FORBIDDEN, Code::PermissionDenied),
            Self::NotTheCreator => ("not_the_creator", H::FORBIDDEN, Code::PermissionDenied),
            Self::Blocked => ("blocked", H::FORBIDDEN, Code::PermissionDenied),
            Self::NotFound => ("not_found", H::NOT_FOUND, Code::NotFound),
            Self::MessageNotFound => ("message_not_found", H::NOT_FOUND, Code::NotFound),
            Self::UserNotFound => ("user_not_found", H::NOT_FOUND, Code::NotFound),
            Self::ConversationNotFound => ("conversation_not_found", H::NOT_FOUND, Code::NotFound),
            Self::MethodNotAllowed => (
                "method_not_allowed",
                H::METHOD_NOT_ALLOWED,
                Code::Unimplemented,
            ),
            Self::EmailTaken => ("email_taken", H::CONFLICT, Code::AlreadyExists),
            Self::MessageDeleted => ("message_deleted", H::CONFLICT, Code::FailedPrecondition),
            Self::CodeExpired => ("code_expired", H::GONE, Code::FailedPrecondition),
            Self::PayloadTooLarge => (
                "payload_too_large",
                H::PAYLOAD_TOO_LARGE,
                Code::InvalidArgument,
            ),
            Self::TooManyAttempts => (
                "too_many_attempts",
                H::TOO_MANY_REQUESTS,
                Code::ResourceExhausted,
            ),
            Self::RateLimited => (
                "rate_limited",
                H::TOO_MANY_REQUESTS,
                Code::ResourceExhausted,
            ),
            Self::Unavailable => ("unavailable", H::SERVICE_UNAVAILABLE, Code::Unavailable),
            Self::Internal | Self::Unspecified => {
                ("internal", H::INTERNAL_SERVER_ERROR, Code::Internal)
            }
        }
    }

    /// The snake_case name clients see (`email_taken`).
    pub const fn as_str(self) -> &'static str {
        self.spec().0
    }

    /// The HTTP status the API answers this code with.
    pub const fn http_status(self) -> http::StatusCode {
        self.spec().1
    }

    /// The gRPC code a status carrying this code has, for clients that read only that.
    pub const fn grpc_code(self) -> Code {
        self.spec().2
    }

    /// The code with this snake_case name, if any.
    pub fn from_api_str(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// A status refusing a call with `code`; `message` is for people and never carries secrets.
pub fn status(code: ErrorCode, message: impl Into<String>) -> Status {
    let details = ErrorInfo { code: code.into() }.encode_to_vec();
    Status::with_details(code.grpc_code(), message, details.into())
}

/// The API error code a status carries, if it refuses a call for a reason the API names. A
/// code this build does not know (a newer peer's) is read as the closest general code for the
/// status's gRPC code, so it is never mistaken for a failure inside gochat.
pub fn error_code(status: &Status) -> Option<ErrorCode> {
    let info = ErrorInfo::decode(status.details()).ok()?;
    match ErrorCode::try_from(info.code) {
        Ok(ErrorCode::Unspecified) => None,
        Ok(code) => Some(code),
        Err(_) => Some(general_code(status.code())),
    }
}

/// The general API code for a gRPC code, for error codes this build does not know.
fn general_code(code: Code) -> ErrorCode {
    match code {
        Code::InvalidArgument | Code::OutOfRange => ErrorCode::InvalidRequest,
        Code::NotFound => ErrorCode::NotFound,
        Code::Unauthenticated => ErrorCode::Unauthorized,
        Code::ResourceExhausted => ErrorCode::RateLimited,
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Aborted => {
            ErrorCode::Unavailable
        }
        _ => ErrorCode::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_a_status() {
        for code in ErrorCode::ALL {
            let status = status(code, "why");
            assert_eq!(status.code(), code.grpc_code(), "{code:?}");
            assert_eq!(status.message(), "why");
            assert_eq!(error_code(&status), Some(code));
            assert_eq!(ErrorCode::from_api_str(code.as_str()), Some(code));
        }
    }

    #[test]
    fn names_are_unique_and_unspecified_is_not_a_code() {
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(!ErrorCode::ALL.contains(&ErrorCode::Unspecified));
        assert_eq!(ErrorCode::from_api_str("nope"), None);
    }

    #[test]
    fn a_status_without_error_info_has_no_code() {
        assert_eq!(error_code(&Status::internal("x")), None);
        assert_eq!(
            error_code(&Status::with_details(
                Code::Internal,
                "x",
                vec![0xff].into()
            )),
            None
        );
        let unspecified = ErrorInfo { code: 0 }.encode_to_vec();
        assert_eq!(
            error_code(&Status::with_details(
                Code::Internal,
                "x",
                unspecified.into()
            )),
            None
        );
    }

    #[test]
    fn a_code_from_a_newer_peer_reads_as_the_general_code_for_its_grpc_code() {
        let unknown = ErrorInfo { code: 999 }.encode_to_vec();
        let read = |code| error_code(&Status::with_details(code, "x", unknown.clone().into()));
        assert_eq!(read(Code::InvalidArgument), Some(ErrorCode::InvalidRequest));
        assert_eq!(read(Code::NotFound), Some(ErrorCode::NotFound));
        assert_eq!(read(Code::ResourceExhausted), Some(ErrorCode::RateLimited));
        assert_eq!(read(Code::Unavailable), Some(ErrorCode::Unavailable));
        assert_eq!(read(Code::PermissionDenied), Some(ErrorCode::Internal));
    }
}
