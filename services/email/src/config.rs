//! The service's settings.

use std::time::Duration;

/// The sender mail carries when nothing else is configured.
pub const DEFAULT_FROM: &str = "gochat <no-reply@gochat.local>";

/// Plain typed settings of the email service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a code stays valid after it is issued (the mail says 15 minutes).
    pub code_ttl: Duration,
    /// Wrong tries a code survives; the try after that answers TOO_MANY_ATTEMPTS.
    pub max_attempts: u32,
    /// Codes one address may be sent within a fixed one-hour window.
    pub max_codes_per_hour: u32,
    /// The `From` header of the mail; mailers built from this config
    /// ([`crate::embedded::open_with`]) use it.
    pub from_address: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            code_ttl: Duration::from_secs(15 * 60),
            max_attempts: 5,
            max_codes_per_hour: 20,
            from_address: DEFAULT_FROM.to_owned(),
        }
    }
}

impl Config {
    /// The code lifetime in milliseconds, saturating rather than overflowing.
    pub(crate) fn code_ttl_ms(&self) -> i64 {
        i64::try_from(self.code_ttl.as_millis()).unwrap_or(i64::MAX)
    }
}
