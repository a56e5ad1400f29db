//! The auth service's typed settings.

use std::time::Duration;

/// How the auth service issues tokens and bounds its password work.
#[derive(Clone, Debug)]
pub struct Config {
    /// Lifetime of an access token (the `exp` claim is `iat` plus this).
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token; every rotation starts a new lifetime.
    pub refresh_token_ttl: Duration,
    /// The `iss` claim of access tokens.
    pub issuer: String,
    /// The `aud` claim of access tokens.
    pub audience: String,
    /// How many argon2id hashes or verifies may run at once (each takes ~19 MiB and a core),
    /// so a burst of logins queues instead of exhausting memory.
    pub max_concurrent_hashes: usize,
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            issuer: "gochat".to_owned(),
            audience: "gochat-api".to_owned(),
            max_concurrent_hashes: cores * 2,
        }
    }
}
