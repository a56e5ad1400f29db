//! Why an email call was refused, and the one place those reasons become the API's error
//! codes.

use gochat_proto::error::{self, ErrorCode};
use tonic::Status;

/// A refused email call; what the caller sees is the variant's code and its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// The address is malformed or cannot receive mail.
    #[error("{0}")]
    InvalidEmail(&'static str),
    /// Too many codes were asked for this address in the window.
    #[error("too many codes were requested for this address; try again later")]
    RateLimited,
    /// The code store or the mail server cannot be reached; the caller may retry.
    #[error("{0}")]
    Unavailable(&'static str),
}

impl EmailError {
    /// The API error code the caller gets.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidEmail(_) => ErrorCode::InvalidEmail,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

impl From<EmailError> for Status {
    fn from(e: EmailError) -> Self {
        error::status(e.code(), e.to_string())
    }
}
