//! Access tokens: the claims, the Ed25519 key auth signs them with, and the verifier the
//! gateway checks them with using the keys from `GetVerificationKeys`, without a call per
//! request. Small on purpose: a service that only checks tokens needs nothing else of auth.

mod signing;
mod verify;

use serde::{Deserialize, Serialize};

pub use signing::{GENERATED_KEY_FILE, KeyError, SigningKey};
pub use verify::{MAX_LEEWAY, TokenVerifier};

/// JWS algorithm name of gochat access tokens.
pub const ALGORITHM_NAME: &str = "EdDSA";

/// What an access token says: who (`sub`), which session (`sid`), for whom, until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    /// The session id (what `Logout` takes).
    pub sid: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
}

/// Why a token (or the key set to check it with) was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is not a well-formed EdDSA JWS with a `kid`.
    #[error("malformed access token")]
    Malformed,
    /// The `kid` names no known key.
    #[error("access token signed by an unknown key")]
    UnknownKey,
    /// The token is past its `exp` (beyond the leeway).
    #[error("access token expired")]
    Expired,
    /// Bad signature, issuer, audience or claims.
    #[error("invalid access token")]
    Invalid,
    /// The published key set cannot be used.
    #[error("verification keys unusable: {0}")]
    Keys(String),
}
