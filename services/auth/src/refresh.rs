//! Opaque refresh tokens, `<session_id>.<secret>`: the secret is 32 random bytes in
//! base64url, and only its SHA-256 is ever stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::store::SecretHash;

/// Bytes of randomness in a refresh secret.
const SECRET_LEN: usize = 32;

/// A refresh token just minted: what to hand out and what to store.
pub(crate) struct NewRefresh {
    /// The token for the client.
    pub(crate) token: String,
    /// The hash of its secret, for the session store.
    pub(crate) hash: SecretHash,
}

/// Mints a refresh token for `session_id`.
pub(crate) fn mint(session_id: &str) -> NewRefresh {
    let secret: [u8; SECRET_LEN] = rand::random();
    NewRefresh {
        token: format!("{session_id}.{}", URL_SAFE_NO_PAD.encode(secret)),
        hash: hash_secret(&secret),
    }
}

/// Splits a presented token into its session id and secret hash; `None` when it cannot be
/// one of ours (so no store lookup happens for garbage).
pub(crate) fn parse(token: &str) -> Option<(String, SecretHash)> {
    let (session_id, secret) = token.split_once('.')?;
    let session_id = Uuid::try_parse(session_id).ok()?.hyphenated().to_string();
    let secret = URL_SAFE_NO_PAD.decode(secret).ok()?;
    let secret: [u8; SECRET_LEN] = secret.try_into().ok()?;
    Some((session_id, hash_secret(&secret)))
}

fn hash_secret(secret: &[u8; SECRET_LEN]) -> SecretHash {
    SecretHash(Sha256::digest(secret).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_parse_back_to_their_session_and_hash() {
        let sid = Uuid::now_v7().to_string();
        let a = mint(&sid);
        let b = mint(&sid);
        assert_ne!(a.token, b.token);
        assert_ne!(a.hash, b.hash);
        let (parsed_sid, hash) = parse(&a.token).unwrap();
        assert_eq!(parsed_sid, sid);
        assert_eq!(hash, a.hash);
        let secret = a.token.split_once('.').unwrap().1;
        assert_eq!(secret.len(), 43, "32 bytes of base64url without padding");
        assert!(
            !a.token.contains(&crate::hex::encode(&a.hash.0)),
            "hash is not the secret"
        );
    }

    #[test]
    fn garbage_does_not_parse() {
        let sid = Uuid::now_v7().to_string();
        let short = format!("{sid}.{}", URL_SAFE_NO_PAD.encode([1u8; 31]));
        let no_uuid = format!("abc.{}", URL_SAFE_NO_PAD.encode([1u8; 32]));
        for bad in [
            "",
            ".",
            "abc",
            &format!("{sid}."),
            &format!("{sid}.!!!"),
            &short,
            &no_uuid,
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }
}
