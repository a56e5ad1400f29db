//! The fixed binary layout of a [`CodeRecord`] at rest.
//!
//! `version (1) | salt (16) | digest (32) | expires_at_ms (i64 BE) | attempts (u32 BE)`.

use super::CodeRecord;
use crate::hash::{CodeHash, DIGEST_LEN, SALT_LEN};

const VERSION: u8 = 1;
const LEN: usize = 1 + SALT_LEN + DIGEST_LEN + 8 + 4;

/// A stored record that is not in the expected layout.
#[derive(Debug, thiserror::Error)]
#[error("record of {len} bytes with version {version:?} (expected {LEN} bytes, version {VERSION})")]
pub struct RecordDecodeError {
    len: usize,
    version: Option<u8>,
}

impl CodeRecord {
    /// The record's bytes at rest.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.push(VERSION);
        out.extend_from_slice(&self.hash.salt);
        out.extend_from_slice(&self.hash.digest);
        out.extend_from_slice(&self.expires_at_ms.to_be_bytes());
        out.extend_from_slice(&self.attempts.to_be_bytes());
        out
    }

    /// Reads back what [`CodeRecord::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordDecodeError> {
        let bad = || RecordDecodeError {
            len: bytes.len(),
            version: bytes.first().copied(),
        };
        let (&version, rest) = bytes.split_first().ok_or_else(bad)?;
        if version != VERSION || bytes.len() != LEN {
            return Err(bad());
        }
        let (salt, rest) = rest.split_at(SALT_LEN);
        let (digest, rest) = rest.split_at(DIGEST_LEN);
        let (expires, attempts) = rest.split_at(8);
        Ok(Self {
            hash: CodeHash {
                salt: salt.try_into().map_err(|_| bad())?,
                digest: digest.try_into().map_err(|_| bad())?,
            },
            expires_at_ms: i64::from_be_bytes(expires.try_into().map_err(|_| bad())?),
            attempts: u32::from_be_bytes(attempts.try_into().map_err(|_| bad())?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let record = CodeRecord {
            hash: CodeHash::new("654321"),
            expires_at_ms: 1_700_000_000_123,
            attempts: 3,
        };
        let bytes = record.encode();
        assert_eq!(bytes.len(), LEN);
        assert_eq!(CodeRecord::decode(&bytes).unwrap(), record);
    }

    #[test]
    fn rejects_wrong_length_or_version_without_panicking() {
        let good = CodeRecord {
            hash: CodeHash::new("1"),
            expires_at_ms: -5,
            attempts: 0,
        }
        .encode();
        assert!(CodeRecord::decode(&[]).is_err());
        assert!(CodeRecord::decode(&good[..LEN - 1]).is_err());
        let mut longer = good.clone();
        longer.push(0);
        assert!(CodeRecord::decode(&longer).is_err());
        let mut other_version = good;
        other_version[0] = 2;
        assert!(CodeRecord::decode(&other_version).is_err());
    }
}
