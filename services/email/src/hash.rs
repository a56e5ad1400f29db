//! Codes at rest: a salted SHA-256, compared in constant time, never the code itself.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Bytes of random salt per code.
pub const SALT_LEN: usize = 16;
/// Bytes of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// The stored form of a code: `SHA-256(salt || code)` with a fresh random salt.
/// The salt also identifies one issued code (see [`crate::CodeStore::consume`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CodeHash {
    /// Random per code.
    pub salt: [u8; SALT_LEN],
    /// `SHA-256(salt || code)`.
    pub digest: [u8; DIGEST_LEN],
}

impl std::fmt::Debug for CodeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHash(..)")
    }
}

impl CodeHash {
    /// Hashes `code` with a fresh salt from the thread-local CSPRNG.
    pub fn new(code: &str) -> Self {
        let mut salt = [0u8; SALT_LEN];
        rand::rng().fill_bytes(&mut salt);
        Self::with_salt(salt, code)
    }

    /// Hashes `code` with the given salt.
    pub fn with_salt(salt: [u8; SALT_LEN], code: &str) -> Self {
        Self {
            salt,
            digest: digest(&salt, code),
        }
    }

    /// Whether `candidate` is the hashed code; the digests are compared in constant time.
    pub fn matches(&self, candidate: &str) -> bool {
        let other = digest(&self.salt, candidate);
        bool::from(self.digest.ct_eq(&other))
    }
}

fn digest(salt: &[u8; SALT_LEN], code: &str) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_hashed_code() {
        let h = CodeHash::new("042917");
        assert!(h.matches("042917"));
        assert!(!h.matches("042918"));
        assert!(!h.matches("42917"));
        assert!(!h.matches(""));
    }

    #[test]
    fn salt_is_random_so_equal_codes_hash_differently() {
        let a = CodeHash::new("123456");
        let b = CodeHash::new("123456");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.digest, b.digest);
    }

    #[test]
    fn digest_is_sha256_of_salt_then_code_and_hides_the_code() {
        let h = CodeHash::with_salt([7; SALT_LEN], "123456");
        let mut input = vec![7u8; SALT_LEN];
        input.extend_from_slice(b"123456");
        let expected: [u8; DIGEST_LEN] = Sha256::digest(&input).into();
        assert_eq!(h.digest, expected);
        assert!(!format!("{h:?}").contains("123456"));
    }
}
