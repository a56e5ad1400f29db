//! Issuing a whole set of certificates into a [`TlsDir`](super::TlsDir) layout: the three
//! CAs, a certificate for each server and each caller. CAs already in the directory (their
//! `*-ca.crt` and `*-ca.key`) are kept and only the certificates they sign are issued again,
//! so a rotation keeps every process, old certificate or new, trusting every other.

use std::{collections::BTreeMap, path::Path, time::Duration};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use super::{Role, TlsError};

/// How long a new CA is valid: far longer than the certificates it signs, since every
/// process must trust it across every rotation of theirs.
const CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A CA: what signs with it.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
}

fn validity(params: &mut CertificateParams, lifetime: Duration) {
    let now = time::OffsetDateTime::now_utc();
    // A minute of slack for clocks that differ a little.
    params.not_before = now - time::Duration::minutes(1);
    params.not_after = now + lifetime;
}

/// The CA `name` of `files`: the one there (its key in `<name>-ca.key`), or a new one
/// added there, valid for [`CA_LIFETIME`].
fn ca(files: &mut Files, name: &str) -> Result<Ca, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(DnType::CommonName, format!("gochat {name} CA"));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let (cert_file, key_file) = (format!("{name}-ca.crt"), format!("{name}-ca.key"));
    if files.contains_key(&cert_file)
        && let Some(pem) = files.get(&key_file)
    {
        // The same name, usages and key as when it was made: what it signs chains to the
        // certificate already there.
        return Ok(Ca {
            issuer: Issuer::new(params, KeyPair::from_pem(pem)?),
        });
    }
    let key = KeyPair::generate()?;
    validity(&mut params, CA_LIFETIME);
    let cert = params.self_signed(&key)?;
    files.insert(cert_file, cert.pem());
    files.insert(key_file, key.serialize_pem());
    Ok(Ca {
        issuer: Issuer::new(params, key),
    })
}

/// A leaf certificate named `name`, for `purpose`, signed by `ca`: (certificate, key) PEM.
fn leaf(
    ca: &Ca,
    name: &str,
    purpose: ExtendedKeyUsagePurpose,
    lifetime: Duration,
) -> Result<(String, String), TlsError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![name.to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![purpose];
    validity(&mut params, lifetime);
    let cert = params.signed_by(&key, &ca.issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// A set of PEM files by name, as a [`TlsDir`](super::TlsDir) holds them.
pub type Files = BTreeMap<String, String>;

/// Adds to `files` a certificate for every server and caller, each valid for `lifetime`,
/// signed by the CAs in `files`, or by new ones (valid for ten years, added too) when there
/// are none.
pub fn issue_files(files: &mut Files, lifetime: Duration) -> Result<(), TlsError> {
    let servers = ca(files, "server")?;
    for role in [Role::Auth, Role::Chat, Role::Email] {
        let (cert, key) = leaf(
            &servers,
            &role.server_name(),
            ExtendedKeyUsagePurpose::ServerAuth,
            lifetime,
        )?;
        files.insert(format!("{}.crt", role.name()), cert);
        files.insert(format!("{}.key", role.name()), key);
    }
    for caller in [Role::Gateway, Role::Auth] {
        let callers = ca(files, caller.name())?;
        let (cert, key) = leaf(
            &callers,
            &format!("{}-client.gochat", caller.name()),
            ExtendedKeyUsagePurpose::ClientAuth,
            lifetime,
        )?;
        files.insert(format!("{}-client.crt", caller.name()), cert);
        files.insert(format!("{}-client.key", caller.name()), key);
    }
    Ok(())
}

/// [`issue_files`] on the directory `dir` (created if missing): its CAs are read from
/// there, and every file is written back.
pub fn issue(dir: &Path, lifetime: Duration) -> Result<(), TlsError> {
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files = Files::new();
    for name in CA_FILES {
        if let Ok(pem) = std::fs::read_to_string(dir.join(name)) {
            files.insert(name.to_owned(), pem);
        }
    }
    issue_files(&mut files, lifetime)?;
    for (name, contents) in &files {
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|source| TlsError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// The files of the three CAs.
const CA_FILES: [&str; 6] = [
    "server-ca.crt",
    "server-ca.key",
    "gateway-ca.crt",
    "gateway-ca.key",
    "auth-ca.crt",
    "auth-ca.key",
];
