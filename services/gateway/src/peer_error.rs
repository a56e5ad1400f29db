//! The one place where a gRPC status from a peer (auth, chat) becomes an [`ApiError`].

use std::time::{Duration, Instant};

use tonic::{Code, Status};

use crate::{error::ApiError, log_summary::LogSummary};

/// Peer calls that failed as unavailable: one log line per 10 s at most, with the count.
static UNAVAILABLE_LOG: LogSummary = LogSummary::new(Duration::from_secs(10));

/// Maps a peer's status: a domain error keeps its API code and message; an unreachable or
/// failed transport is 503 `unavailable`; anything else is a logged 500 `internal` whose
/// details stay out of the answer.
pub fn from_status(status: &Status) -> ApiError {
    if let Some(code) = gochat_proto::error::error_code(status) {
        return ApiError::new(code, status.message());
    }
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
            if let Some(calls) = UNAVAILABLE_LOG.record(Instant::now()) {
                tracing::warn!(
                    calls,
                    code = ?status.code(),
                    message = status.message(),
                    "peer unavailable (calls since the last such line)"
                );
            }
            ApiError::unavailable("a backend service is unavailable; retry later")
        }
        code => {
            tracing::error!(?code, message = status.message(), "unexpected peer status");
            ApiError::internal()
        }
    }
}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        from_status(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use gochat_proto::error::{ErrorCode, ErrorInfo, status};
    use prost::Message as _;

    #[test]
    fn domain_errors_keep_their_code_and_message() {
        let e = from_status(&status(ErrorCode::NotAMember, "not yours"));
        assert_eq!(e.code, ErrorCode::NotAMember);
        assert_eq!(e.message, "not yours");
        assert_eq!(e.retry_after, None);
        let e = from_status(&status(ErrorCode::Unavailable, "store down"));
        assert_eq!(e.code.http_status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.retry_after_secs().is_some());
    }

    #[test]
    fn transport_failures_are_unavailable_and_the_rest_internal() {
        for code in [
            Code::Unavailable,
            Code::DeadlineExceeded,
            Code::Cancelled,
            Code::Unknown,
        ] {
            let e = from_status(&Status::new(code, "boom"));
            assert_eq!(e.code, ErrorCode::Unavailable, "{code:?}");
            assert_eq!(e.retry_after_secs(), Some(1));
        }
        for code in [
            Code::Internal,
            Code::InvalidArgument,
            Code::NotFound,
            Code::DataLoss,
        ] {
            let e = from_status(&Status::new(code, "secret detail"));
            assert_eq!(e.code, ErrorCode::Internal, "{code:?}");
            assert!(!e.message.contains("secret"));
        }
    }

    #[test]
    fn an_unknown_api_code_is_answered_by_its_grpc_code_not_as_a_500() {
        let unknown = ErrorInfo { code: 999 }.encode_to_vec();
        let e = from_status(&Status::with_details(
            Code::InvalidArgument,
            "a newer rule",
            unknown.into(),
        ));
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert_eq!(e.message, "a newer rule");
    }
}
