//! The service's logic: issuing codes under a rate limit and checking them under an
//! attempt limit. [`EmailServiceImpl`] is also the tonic service (see `grpc.rs`).

mod error;
mod grpc;

use std::sync::Arc;

use gochat_proto::email::v1::VerificationOutcome;

pub use self::error::EmailError;
use crate::{
    Backends, Config,
    clock::{Clock, system_clock},
    code::{generate_code, is_mailable, is_well_formed, normalize_email},
    hash::CodeHash,
    mail::{MailError, Mailer, verification_mail},
    metrics,
    store::{CodeRecord, CodeStore, StoreError},
};

/// The fixed window the send limit counts in.
const RATE_WINDOW_MS: i64 = 60 * 60 * 1000;

/// The email service: tonic's `EmailService`, also callable directly.
#[derive(Clone)]
pub struct EmailServiceImpl {
    config: Arc<Config>,
    codes: Arc<dyn CodeStore>,
    mailer: Arc<dyn Mailer>,
    clock: Clock,
}

impl EmailServiceImpl {
    /// A service over `backends`, reading time from the system clock.
    pub fn new(config: Config, backends: Backends) -> Self {
        Self {
            config: Arc::new(config),
            codes: backends.codes,
            mailer: backends.mailer,
            clock: system_clock(),
        }
    }

    /// The same service reading time from `clock` (tests move time forward with it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Issues a fresh code for `email` (killing the previous one) and mails it, greeting
    /// `display_name`.
    pub async fn issue_code(&self, email: &str, display_name: &str) -> Result<(), EmailError> {
        let email = normalize_email(email);
        if !is_mailable(&email) {
            return Err(EmailError::InvalidEmail("not a valid email address"));
        }
        let now = (self.clock)();
        let sends = self
            .codes
            .count_send(&email, now, RATE_WINDOW_MS)
            .await
            .map_err(store_down)?;
        if sends > self.config.max_codes_per_hour {
            return Err(EmailError::RateLimited);
        }
        let code = generate_code();
        let record = CodeRecord {
            hash: CodeHash::new(&code),
            expires_at_ms: now.saturating_add(self.config.code_ttl_ms()),
            attempts: 0,
        };
        self.codes.put(&email, &record).await.map_err(store_down)?;
        let sent = self
            .mailer
            .send(&verification_mail(&email, display_name, &code))
            .await;
        metrics::count_mail(&sent);
        sent.map_err(mail_failed)?;
        tracing::info!("verification code issued");
        Ok(())
    }

    /// Checks `code` for `email`. Every try at an existing code counts as an attempt, malformed
    /// codes included; a matching code is consumed. Errors only when the store is down.
    pub async fn check_code(
        &self,
        email: &str,
        code: &str,
    ) -> Result<VerificationOutcome, EmailError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Ok(VerificationOutcome::Invalid);
        }
        let Some(before) = self.codes.count_attempt(&email).await.map_err(store_down)? else {
            return Ok(VerificationOutcome::Invalid);
        };
        let outcome = if (self.clock)() >= before.expires_at_ms {
            VerificationOutcome::Expired
        } else if before.attempts >= self.config.max_attempts {
            VerificationOutcome::TooManyAttempts
        } else if !is_well_formed(code) || !before.hash.matches(code) {
            VerificationOutcome::Invalid
        } else if self
            .codes
            .consume(&email, &before.hash.salt)
            .await
            .map_err(store_down)?
        {
            VerificationOutcome::Verified
        } else {
            // Replaced or consumed by a concurrent call since it was read.
            VerificationOutcome::Invalid
        };
        tracing::info!(outcome = outcome.as_str_name(), "verification code checked");
        Ok(outcome)
    }
}

fn store_down(e: StoreError) -> EmailError {
    tracing::warn!(error = %e, "code store failed");
    EmailError::Unavailable("verification codes are unavailable right now")
}

fn mail_failed(e: MailError) -> EmailError {
    tracing::warn!(error = %e, "sending a verification mail failed");
    match e {
        MailError::Rejected(_) | MailError::Refused(_) => {
            EmailError::InvalidEmail("the address cannot receive mail")
        }
        MailError::Unavailable(_) => EmailError::Unavailable("mail cannot be sent right now"),
    }
}

#[cfg(test)]
mod tests;
