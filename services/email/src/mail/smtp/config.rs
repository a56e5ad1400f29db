//! Settings of the SMTP mailer: where the server is, how to secure and log in, how to retry.

use std::{fmt, str::FromStr, time::Duration};

use crate::DEFAULT_FROM;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP, no encryption (a local relay or a test sink only).
    None,
    /// Plain connect, then `STARTTLS`, which is required: a server that does not offer it is
    /// an error, never a silent downgrade (usually port 587).
    StartTls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

impl SmtpTls {
    /// The port usually used with this mode (25, 587, 465).
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

impl FromStr for SmtpTls {
    type Err = SmtpConfigError;

    /// Parses `none`, `starttls` or `tls` (any case), as given on the command line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            _ => Err(SmtpConfigError::UnknownTlsMode(s.to_owned())),
        }
    }
}

/// The account the mailer logs in with (`AUTH`). The password is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name.
    pub username: String,
    /// The password, already read from its file or environment variable by the caller.
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How transient failures (connection errors, timeouts, 4xx replies) are retried:
/// `attempts` tries in all, waiting `first_backoff`, then twice as long before each next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (0 counts as 1).
    pub attempts: u32,
    /// The wait before the second try; it doubles for each further one.
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_backoff: Duration::from_millis(200),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed try number `attempt` (1-based): `first_backoff * 2^(attempt-1)`.
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.first_backoff.saturating_mul(1 << doublings)
    }
}

/// Everything [`super::SmtpMailer::new`] needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The server's host name (also the name its TLS certificate must carry).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: SmtpTls,
    /// The login, if the server wants one.
    pub credentials: Option<SmtpCredentials>,
    /// The `From` of every mail (`Name <addr>` or `addr`).
    pub from: String,
    /// The limit on connecting and on each SMTP command.
    pub timeout: Duration,
    /// The limit on one whole try (connect, TLS, login, envelope, data).
    pub attempt_timeout: Duration,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
}

impl SmtpConfig {
    /// Settings for `host:port` secured by `tls`, without login, sending from
    /// [`DEFAULT_FROM`], with a 10 s command timeout, a 30 s limit per try and the default
    /// [`RetryPolicy`].
    pub fn new(host: impl Into<String>, port: u16, tls: SmtpTls) -> Self {
        Self {
            host: host.into(),
            port,
            tls,
            credentials: None,
            from: DEFAULT_FROM.to_owned(),
            timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Settings the SMTP mailer cannot be built from.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    /// The TLS mode is not `none`, `starttls` or `tls`.
    #[error("unknown SMTP TLS mode {0:?} (expected none, starttls or tls)")]
    UnknownTlsMode(String),
    /// The `From` address does not parse as a mailbox.
    #[error("the SMTP from address is not a valid mailbox: {0}")]
    InvalidFrom(String),
    /// The server's host name is empty.
    #[error("the SMTP host is empty")]
    EmptyHost,
    /// The TLS settings could not be built.
    #[error("setting up TLS for SMTP: {0}")]
    Tls(String),
    /// The mailer was built outside a Tokio runtime (its connection pool needs one).
    #[error("the SMTP mailer must be built inside a Tokio runtime")]
    NoRuntime,
}
