//! The stored shapes of accounts and sessions.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether an account has confirmed its email.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Created, waiting for the mailed code.
    Pending,
    /// Email confirmed: may log in.
    Active,
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// UUID v7 string.
    pub id: String,
    /// Trimmed, lower-cased address; unique.
    pub email: String,
    /// Trimmed display name.
    pub display_name: String,
    /// Pending or active.
    pub status: AccountStatus,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at_ms: i64,
}

/// SHA-256 of a refresh secret (stored as hex text).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretHash(pub [u8; 32]);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretHash({}…)", crate::hex::encode(&self.0[..4]))
    }
}

impl Serialize for SecretHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SecretHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        crate::hex::decode(&text)
            .map(SecretHash)
            .ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// One login session and the state of its refresh secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// UUID v7 string; the `sid` claim.
    pub id: String,
    /// Whose session.
    pub account_id: String,
    /// Hash of the secret that the next refresh must present.
    pub secret_hash: SecretHash,
    /// Hashes of secrets rotated away, oldest first (bounded by `MAX_ROTATED_HASHES`).
    pub rotated_hashes: Vec<SecretHash>,
    /// Logged out or caught reusing a secret.
    pub revoked: bool,
    /// Creation time, ms since the Unix epoch.
    pub created_at_ms: i64,
    /// When the current secret stops working, ms since the Unix epoch.
    pub expires_at_ms: i64,
}

impl SessionRecord {
    /// Whether the session still accepts its current secret at `now_ms`.
    pub fn is_live(&self, now_ms: i64) -> bool {
        !self.revoked && self.expires_at_ms > now_ms
    }
}
