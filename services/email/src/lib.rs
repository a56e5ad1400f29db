//! gochat's email service: issues 6-digit verification codes, keeps them hashed with an
//! expiry, an attempt limit and a per-address send limit, and mails them.
//!
//! Storage ([`CodeStore`]) and mail ([`Mailer`]) sit behind traits with embedded
//! implementations (a redb file, an outbox folder of `.eml` files) for local mode.
#![forbid(unsafe_code)]

mod clock;
mod code;
mod config;
pub mod embedded;
mod error;
mod hash;
mod mail;
mod metrics;
mod readiness;
mod service;
mod store;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

use std::sync::Arc;

use gochat_proto::email::v1::email_service_server::{EmailServiceServer, SERVICE_NAME};

pub use clock::{Clock, system_clock};
pub use code::{CODE_LEN, generate_code, is_well_formed, normalize_email};
pub use config::{Config, DEFAULT_FROM};
pub use error::Error;
pub use hash::{CodeHash, DIGEST_LEN, SALT_LEN};
pub use mail::{
    EmlError, MailError, Mailer, OutboxMailer, OutgoingMail, RetryPolicy, SUBJECT, SmtpConfig,
    SmtpConfigError, SmtpCredentials, SmtpMailer, SmtpTls, render_eml, verification_mail,
};
pub use readiness::readiness;
pub use service::{EmailError, EmailServiceImpl};
pub use store::{
    CodeRecord, CodeStore, DEFAULT_EXPIRED_GRACE, DEFAULT_REDIS_PREFIX, RecordDecodeError,
    RedbCodeStore, RedisCodeStore, StoreError,
};

/// What the service stores codes in and sends mail through.
#[derive(Clone)]
pub struct Backends {
    /// Codes and send counters.
    pub codes: Arc<dyn CodeStore>,
    /// Outgoing mail.
    pub mailer: Arc<dyn Mailer>,
}

/// Serves the gRPC API on `listener` until `shutdown` fires.
pub async fn serve(
    config: Config,
    backends: Backends,
    listener: impl Into<gochat_runtime::grpc::GrpcListener>,
    shutdown: gochat_runtime::Shutdown,
) -> Result<(), Error> {
    metrics::register();
    let service = EmailServiceServer::new(EmailServiceImpl::new(config, backends));
    gochat_runtime::grpc::serve(
        listener,
        tonic::service::Routes::new(service),
        &[SERVICE_NAME],
        shutdown,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
