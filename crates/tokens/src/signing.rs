//! The Ed25519 key pair that signs access tokens: loaded from PKCS#8 PEM, or generated once
//! and kept in the data directory so a restart does not invalidate issued tokens.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use ed25519_dalek::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding,
};
use gochat_proto::auth::v1::VerificationKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sha2::{Digest, Sha256};

use crate::{ALGORITHM_NAME, Claims};

/// File name of the generated key inside the data directory.
pub const GENERATED_KEY_FILE: &str = "auth-signing-key.pem";

/// Why a signing key could not be loaded, created or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        source: io::Error,
    },
    /// The PEM is not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key: {0}")]
    Parse(String),
    /// Encoding the key or signing a token failed.
    #[error("signing: {0}")]
    Sign(String),
}

/// The access-token signing key with what verifiers need to know about it.
pub struct SigningKey {
    encoding: EncodingKey,
    key_id: String,
    public_key_pem: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random key (not persisted).
    pub fn generate() -> Result<Self, KeyError> {
        Self::from_dalek(&ed25519_dalek::SigningKey::from_bytes(&rand::random()))
    }

    /// Parses a PKCS#8 PEM Ed25519 private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| KeyError::Parse(e.to_string()))?;
        Self::from_dalek(&key)
    }

    /// Reads the key from a PKCS#8 PEM file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let pem = fs::read_to_string(path).map_err(|source| io_error(path, source))?;
        Self::from_pkcs8_pem(&pem)
    }

    /// Reads the key at `path`, or generates one and writes it there (mode 0600) first.
    pub fn load_or_generate(path: &Path) -> Result<Self, KeyError> {
        match fs::read_to_string(path) {
            Ok(pem) => return Self::from_pkcs8_pem(&pem),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(io_error(path, source)),
        }
        let key = ed25519_dalek::SigningKey::from_bytes(&rand::random());
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Sign(e.to_string()))?;
        persist_new(path, pem.as_bytes())?;
        // Another process may have won the race to create it: the file is the truth.
        Self::load(path)
    }

    /// The `kid` header of tokens this key signs: 16 hex chars of SHA-256 of the public DER.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    pub fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    /// The key as published by `GetVerificationKeys`.
    pub fn verification_key(&self) -> VerificationKey {
        VerificationKey {
            key_id: self.key_id.clone(),
            algorithm: ALGORITHM_NAME.to_owned(),
            public_key_pem: self.public_key_pem.clone(),
        }
    }

    /// Signs `claims` into a compact JWS with this key's `kid`.
    pub fn sign(&self, claims: &Claims) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| KeyError::Sign(e.to_string()))
    }

    fn from_dalek(key: &ed25519_dalek::SigningKey) -> Result<Self, KeyError> {
        let sign_err = |e: &dyn std::fmt::Display| KeyError::Sign(e.to_string());
        let der = key.to_pkcs8_der().map_err(|e| sign_err(&e))?;
        let public = key.verifying_key();
        let public_der = public.to_public_key_der().map_err(|e| sign_err(&e))?;
        let public_key_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| sign_err(&e))?;
        let digest = Sha256::digest(public_der.as_bytes());
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            key_id: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
            public_key_pem,
        })
    }
}

fn io_error(path: &Path, source: io::Error) -> KeyError {
    KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `contents` to `path` only if it does not exist yet, readable by the owner only.
/// The key is written whole to a temporary file first and then hard-linked into place, so
/// a concurrent reader never sees a half-written key and a concurrent writer never wins twice.
fn persist_new(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let file_name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let temp = path.with_file_name(format!(".{file_name}.{}.tmp", uuid::Uuid::new_v4()));
    let written = write_private(&temp, contents).and_then(|()| match fs::hard_link(&temp, path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    });
    let _ = fs::remove_file(&temp);
    written.map_err(|source| io_error(path, source))
}

/// Creates `path` (which must not exist) with mode 0600 and writes `contents` durably.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests;
