//! The production [`Mailer`]: an SMTP server through lettre (async, rustls), plain,
//! STARTTLS or implicit TLS, with optional login, retrying transient failures with
//! exponential backoff.

mod config;
mod message;
mod outcome;

use async_trait::async_trait;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    message::Mailbox,
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};

use tracing::{Instrument as _, field::Empty};

use super::{MailError, Mailer, OutgoingMail, outbox::domain_of};
use outcome::{Failure, classify};

pub use config::{RetryPolicy, SmtpConfig, SmtpConfigError, SmtpCredentials, SmtpTls};

/// Sends mail through one SMTP server over a small connection pool. Reports failures as
/// [`MailError::Unavailable`] (transport down or unusable, after the retries) or
/// [`MailError::Refused`] (the server permanently refused the recipient); permanent (5xx)
/// replies are never retried.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    message_id_domain: String,
    server: String,
    host: String,
    port: u16,
    retry: RetryPolicy,
    attempt_timeout: std::time::Duration,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`. Connects lazily (on the first send or ping), so it can be built
    /// while the server is down; must be called inside a Tokio runtime.
    pub fn new(config: SmtpConfig) -> Result<Self, SmtpConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(SmtpConfigError::NoRuntime);
        }
        let host = config.host.trim();
        if host.is_empty() {
            return Err(SmtpConfigError::EmptyHost);
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| SmtpConfigError::InvalidFrom(format!("{e}")))?;
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters(host)?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters(host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if config.credentials.is_some() && config.tls == SmtpTls::None {
            tracing::warn!(server = %host, "SMTP login over an unencrypted connection");
        }
        if let Some(login) = config.credentials {
            builder = builder.credentials(Credentials::new(login.username, login.password));
        }
        Ok(Self {
            transport: builder.build(),
            message_id_domain: domain_of(&config.from),
            from,
            server: format!("{host}:{}", config.port),
            host: host.to_owned(),
            port: config.port,
            retry: config.retry,
            attempt_timeout: config.attempt_timeout,
        })
    }

    /// One try at handing `message` over, bounded by the per-try timeout.
    async fn attempt(
        &self,
        envelope: &lettre::address::Envelope,
        raw: &[u8],
    ) -> Result<(), Failure> {
        match tokio::time::timeout(self.attempt_timeout, self.transport.send_raw(envelope, raw))
            .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_) => Err(Failure::Transient(format!(
                "no answer within {:?}",
                self.attempt_timeout
            ))),
        }
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, SmtpConfigError> {
    TlsParameters::new(host.to_owned()).map_err(|e| SmtpConfigError::Tls(e.to_string()))
}

#[async_trait]
impl Mailer for SmtpMailer {
    /// Sends inside an `smtp.send` client span (`server.address`, `server.port`, the
    /// number of tries); the recipient and the content are not recorded.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let span = tracing::info_span!(
            "smtp.send",
            otel.kind = "client",
            otel.status_code = Empty,
            network.protocol.name = "smtp",
            server.address = %self.host,
            server.port = i64::from(self.port),
            smtp.attempts = Empty,
        );
        let result = self.send_with_retries(mail).instrument(span.clone()).await;
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        result
    }

    async fn ping(&self) -> Result<(), MailError> {
        let unavailable = |why: String| MailError::Unavailable(format!("{}: {why}", self.server));
        match tokio::time::timeout(self.attempt_timeout, self.transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(unavailable("NOOP was not answered".into())),
            Ok(Err(e)) => Err(unavailable(e.to_string())),
            Err(_) => Err(unavailable(format!(
                "no answer within {:?}",
                self.attempt_timeout
            ))),
        }
    }
}

impl SmtpMailer {
    /// Tries the send up to the retry policy's attempts, backing off between transient
    /// failures; notes the tries on the current span.
    async fn send_with_retries(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = message::build(&self.from, mail, &self.message_id_domain)?;
        let (envelope, raw) = (message.envelope().clone(), message.formatted());
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            tracing::Span::current().record("smtp.attempts", i64::from(attempt));
            match self.attempt(&envelope, &raw).await {
                Ok(()) => {
                    tracing::debug!(server = %self.server, attempt, "mail accepted by SMTP");
                    return Ok(());
                }
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Transient(why)) if attempt >= attempts => {
                    return Err(MailError::Unavailable(format!(
                        "{} after {attempts} tries: {why}",
                        self.server
                    )));
                }
                Err(Failure::Transient(why)) => {
                    let wait = self.retry.backoff_after(attempt);
                    tracing::warn!(server = %self.server, attempt, error = %why, ?wait, "SMTP send failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
