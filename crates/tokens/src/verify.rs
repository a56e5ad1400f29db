//! Checking access tokens against the published verification keys.

use std::{collections::HashMap, time::Duration};

use ed25519_dalek::{VerifyingKey, pkcs8::DecodePublicKey};
use gochat_proto::auth::v1::GetVerificationKeysResponse;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use super::{ALGORITHM_NAME, Claims, TokenError};

/// Most clock skew tolerated on `exp`.
pub const MAX_LEEWAY: Duration = Duration::from_secs(30);

/// Verifies access tokens: EdDSA signature by a known `kid`, `exp`, `iss` and `aud`.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("TokenVerifier")
            .field("key_ids", &kids)
            .finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// Builds a verifier from what `GetVerificationKeys` answered (issuer and audience
    /// included), tolerating [`MAX_LEEWAY`] of clock skew.
    pub fn from_keys(response: GetVerificationKeysResponse) -> Result<Self, TokenError> {
        if response.issuer.is_empty() || response.audience.is_empty() {
            return Err(TokenError::Keys(
                "issuer and audience are required".to_owned(),
            ));
        }
        let mut keys = HashMap::new();
        for key in response.keys {
            if key.algorithm != ALGORITHM_NAME {
                return Err(TokenError::Keys(format!(
                    "unsupported algorithm {:?}",
                    key.algorithm
                )));
            }
            let public = VerifyingKey::from_public_key_pem(&key.public_key_pem)
                .map_err(|e| TokenError::Keys(format!("key {}: {e}", key.key_id)))?;
            keys.insert(key.key_id, DecodingKey::from_ed_der(public.as_bytes()));
        }
        if keys.is_empty() {
            return Err(TokenError::Keys("no keys".to_owned()));
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[response.issuer]);
        validation.set_audience(&[response.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = MAX_LEEWAY.as_secs();
        Ok(Self { keys, validation })
    }

    /// Tolerates `leeway` of clock skew on `exp`, capped at [`MAX_LEEWAY`].
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.validation.leeway = leeway.min(MAX_LEEWAY).as_secs();
        self
    }

    /// Checks `token` and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::Malformed)?;
        let key = self.keys.get(&kid).ok_or(TokenError::UnknownKey)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests;
