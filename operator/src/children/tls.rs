//! The cluster's mutual-TLS material (see `gochat_runtime::tls`): a CA Secret holding the
//! three CAs with their keys, which only the operator reads, and a certificates Secret,
//! mounted by every pod, holding the CAs' certificates and every server's and caller's
//! certificate and key. Certificates live [`CERTIFICATE_LIFETIME`] and are issued again,
//! under the same CAs, once two thirds of it have passed; the new Secret's fingerprint
//! rolls the pods, so each restarts onto the new certificates while old and new trust each
//! other.

use std::{collections::BTreeMap, time::Duration};

use gochat_runtime::tls::Files;
use k8s_openapi::{ByteString, api::core::v1::Secret};
use sha2::{Digest, Sha256};

use super::{Owner, config::hex};

/// Where the certificates Secret is mounted in every pod (`--tls-dir`).
pub const MOUNT_DIR: &str = "/etc/gochat/tls";
/// How long each issued certificate is valid.
pub const CERTIFICATE_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// The annotation on the certificates Secret saying when they were issued (Unix seconds).
pub const ISSUED_AT_ANNOTATION: &str = "gochat.dev/tls-issued-at";

/// Certificates could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Generating the keys or certificates failed.
    #[error("issuing TLS certificates: {0}")]
    Tls(#[from] gochat_runtime::tls::TlsError),
    /// A CA file in the CA Secret is not text.
    #[error("the CA Secret's {0} is not PEM text")]
    NotText(String),
}

/// Whether the certificates in `certs` (none yet: `None`) must be issued at `now` (Unix
/// seconds): missing, of unknown age, or two thirds through their lifetime.
pub fn due(certs: Option<&Secret>, now: i64) -> bool {
    let issued = certs
        .and_then(|s| s.metadata.annotations.as_ref())
        .and_then(|a| a.get(ISSUED_AT_ANNOTATION))
        .and_then(|v| v.parse::<i64>().ok());
    let renew_after = i64::try_from(CERTIFICATE_LIFETIME.as_secs() * 2 / 3).unwrap_or(i64::MAX);
    match issued {
        Some(at) => now >= at.saturating_add(renew_after) || now < at,
        None => true,
    }
}

/// A CA file: its certificate or key.
fn is_ca_file(name: &str) -> bool {
    name.ends_with("-ca.crt") || name.ends_with("-ca.key")
}

/// Issues certificates at `now` under the CAs of `ca` (new CAs when it is `None`): the CA
/// Secret and the certificates Secret. Done in memory: the operator's filesystem is
/// read-only.
pub fn issue(
    owner: &Owner<'_>,
    ca: Option<&Secret>,
    now: i64,
) -> Result<(Secret, Secret), IssueError> {
    let mut files = Files::new();
    for (name, contents) in ca.and_then(|s| s.data.as_ref()).into_iter().flatten() {
        if is_ca_file(name) {
            let text = String::from_utf8(contents.0.clone())
                .map_err(|_| IssueError::NotText(name.clone()))?;
            files.insert(name.clone(), text);
        }
    }
    gochat_runtime::tls::issue_files(&mut files, CERTIFICATE_LIFETIME)?;
    let bytes =
        |(name, text): (&String, &String)| (name.clone(), ByteString(text.clone().into_bytes()));
    let ca_data: BTreeMap<String, ByteString> = files
        .iter()
        .filter(|(name, _)| is_ca_file(name))
        .map(bytes)
        .collect();
    let certs_data: BTreeMap<String, ByteString> = files
        .iter()
        .filter(|(name, _)| !name.ends_with("-ca.key"))
        .map(bytes)
        .collect();
    let names = &owner.names;
    let ca_secret = Secret {
        metadata: owner.meta(names.tls_ca(), names.labels()),
        type_: Some("Opaque".to_owned()),
        data: Some(ca_data),
        ..Secret::default()
    };
    let mut certs_meta = owner.meta(names.tls(), names.labels());
    certs_meta.annotations = Some(BTreeMap::from([(
        ISSUED_AT_ANNOTATION.to_owned(),
        now.to_string(),
    )]));
    let certs_secret = Secret {
        metadata: certs_meta,
        type_: Some("Opaque".to_owned()),
        data: Some(certs_data),
        ..Secret::default()
    };
    Ok((ca_secret, certs_secret))
}

/// A digest of the certificates in `certs`: it changes when they are issued again.
pub fn fingerprint(certs: &Secret) -> String {
    let mut hash = Sha256::new();
    for (name, contents) in certs.data.iter().flatten() {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(&contents.0);
    }
    hex(&hash.finalize()[..8])
}
