//! Domain errors on the gRPC wire: a status code plus the public API's error code in
//! metadata, so the gateway maps them to HTTP in one place without parsing messages.

use tonic::{Code, Status, metadata::MetadataValue};

/// Metadata key carrying the API error code (`email_taken`, `not_a_member`, ...).
pub const ERROR_CODE_KEY: &str = "gochat-error-code";

/// A status for a domain error: `code` for gRPC clients, `api_code` for the gateway.
pub fn domain_error(code: Code, api_code: &'static str, message: impl Into<String>) -> Status {
    let mut status = Status::new(code, message);
    status
        .metadata_mut()
        .insert(ERROR_CODE_KEY, MetadataValue::from_static(api_code));
    status
}

/// A status for a backend that cannot be reached right now (the caller may retry).
pub fn unavailable(message: impl Into<String>) -> Status {
    domain_error(Code::Unavailable, "unavailable", message)
}

/// The API error code a status carries, if it is a domain error.
pub fn api_error_code(status: &Status) -> Option<&str> {
    status
        .metadata()
        .get(ERROR_CODE_KEY)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_error_round_trips_its_api_code() {
        let status = domain_error(Code::AlreadyExists, "email_taken", "taken");
        assert_eq!(status.code(), Code::AlreadyExists);
        assert_eq!(api_error_code(&status), Some("email_taken"));
        assert_eq!(api_error_code(&Status::internal("x")), None);
    }
}
