//! Sending mail: the contract and its implementations.

mod eml;
mod outbox;
mod smtp;
mod template;

use async_trait::async_trait;

pub use eml::{EmlError, render_eml};
pub use outbox::OutboxMailer;
pub use smtp::{RetryPolicy, SmtpConfig, SmtpConfigError, SmtpCredentials, SmtpMailer, SmtpTls};
pub use template::{SUBJECT, verification_mail};

/// One plain-text mail to one recipient; the sender comes from the mailer's config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (any line endings; mailers send CRLF).
    pub text: String,
}

/// Failures to hand a mail over.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail itself cannot be sent as given (e.g. a header with a line break).
    #[error("mail rejected: {0}")]
    Rejected(#[from] EmlError),
    /// The server permanently refused the recipient, or the recipient is not an address the
    /// transport can use: the address cannot receive mail, retrying will not help.
    #[error("mail refused: {0}")]
    Refused(String),
    /// The mail could not be handed over right now; retrying later may work.
    #[error("mail transport unavailable: {0}")]
    Unavailable(String),
}

/// Where mail goes: an outbox folder locally, an SMTP server in production.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands `mail` over for delivery; `Ok` once it is durably accepted.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;

    /// Answers when the transport is usable (for readiness).
    async fn ping(&self) -> Result<(), MailError>;
}
