//! The Secret holding the Ed25519 key auth signs access tokens with. It is generated once
//! and never rewritten: replacing it would log every user out.

use std::collections::BTreeMap;

use ed25519_dalek::pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding};
use k8s_openapi::{ByteString, api::core::v1::Secret};
use sha2::{Digest, Sha256};

use super::{Owner, config::hex};

/// The key of the PEM inside the Secret, and the file name auth reads.
pub const KEY_FILE: &str = "signing-key.pem";
/// Where the Secret is mounted in auth pods.
pub const MOUNT_DIR: &str = "/etc/gochat/signing-key";

/// A key could not be encoded (never expected for a freshly generated Ed25519 key).
#[derive(Debug, thiserror::Error)]
#[error("encoding the signing key as PKCS#8 PEM: {0}")]
pub struct EncodeError(String);

/// A new Secret with a freshly generated key.
pub fn generate(owner: &Owner<'_>) -> Result<Secret, EncodeError> {
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(Secret {
        metadata: owner.meta(owner.names.signing_key(), owner.names.labels()),
        type_: Some("Opaque".to_owned()),
        data: Some(BTreeMap::from([(
            KEY_FILE.to_owned(),
            ByteString(pem.as_bytes().to_vec()),
        )])),
        ..Secret::default()
    })
}

/// A digest of the key in `secret`, or `None` when it holds no usable key.
pub fn fingerprint(secret: &Secret) -> Option<String> {
    let pem = secret.data.as_ref()?.get(KEY_FILE)?;
    let text = std::str::from_utf8(&pem.0).ok()?;
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    ed25519_dalek::SigningKey::from_pkcs8_pem(text).ok()?;
    Some(hex(&Sha256::digest(&pem.0)[..8]))
}
