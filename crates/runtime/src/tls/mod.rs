//! Mutual TLS between gochat's services: which role may call which, the directory of PEM
//! files a process reads its certificates from, and issuing a whole set of them.
//!
//! Each caller role has a CA of its own, so a server checks who calls it by the CA it
//! trusts, without reading names out of certificates: auth and chat accept only
//! certificates from the gateway CA, email only those from the auth CA. Servers present
//! certificates from the server CA, named `<role>.gochat`, which callers check, so a
//! client certificate cannot pose as a server either.
//!
//! The directory holds:
//! - `server-ca.crt`, `gateway-ca.crt`, `auth-ca.crt`: the three CAs (with their `*-ca.key`
//!   when issued here; no process reads those);
//! - `auth.crt`/`auth.key`, `chat.crt`/`chat.key`, `email.crt`/`email.key`: the servers;
//! - `gateway-client.crt`/`.key`, `auth-client.crt`/`.key`: the callers.

mod issue;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

pub use issue::{Files, issue, issue_files};

/// The part a process plays on gRPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Accounts and sessions: serves the gateway, calls email.
    Auth,
    /// Conversations and messages: serves the gateway.
    Chat,
    /// Verification mail: serves auth.
    Email,
    /// The public API: calls auth and chat.
    Gateway,
}

impl Role {
    /// The role's name in file names and certificate names.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Chat => "chat",
            Self::Email => "email",
            Self::Gateway => "gateway",
        }
    }

    /// The name a server of this role has in its certificate, which callers check.
    pub fn server_name(self) -> String {
        format!("{}.gochat", self.name())
    }

    /// The only role allowed to call a server of this role, if it serves at all.
    pub fn caller(self) -> Option<Role> {
        match self {
            Self::Auth | Self::Chat => Some(Self::Gateway),
            Self::Email => Some(Self::Auth),
            Self::Gateway => None,
        }
    }
}

/// Why the TLS files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file is missing or unreadable.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The role serves nobody (the gateway has no gRPC server).
    #[error("{0} serves no gRPC")]
    NotAServer(&'static str),
    /// Generating a key or a certificate failed.
    #[error("issuing certificates: {0}")]
    Issue(#[from] rcgen::Error),
}

/// A directory laid out as the module documentation says.
#[derive(Clone, Debug)]
pub struct TlsDir {
    dir: PathBuf,
}

impl TlsDir {
    /// The files under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Where the files are.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn read(&self, name: &str) -> Result<Vec<u8>, TlsError> {
        let path = self.dir.join(name);
        std::fs::read(&path).map_err(|source| TlsError::Read {
            path: path.display().to_string(),
            source,
        })
    }

    /// The server side of `role`: its certificate, and client certificates required from
    /// the CA of the one role allowed to call it.
    pub fn server(&self, role: Role) -> Result<ServerTlsConfig, TlsError> {
        let caller = role.caller().ok_or(TlsError::NotAServer(role.name()))?;
        let identity = Identity::from_pem(
            self.read(&format!("{}.crt", role.name()))?,
            self.read(&format!("{}.key", role.name()))?,
        );
        let callers = Certificate::from_pem(self.read(&format!("{}-ca.crt", caller.name()))?);
        Ok(ServerTlsConfig::new()
            .identity(identity)
            .client_ca_root(callers))
    }

    /// The client side of `caller` calling a server of role `server`: the caller's
    /// certificate, and the server's checked against the server CA and its name.
    pub fn client(&self, caller: Role, server: Role) -> Result<ClientTlsConfig, TlsError> {
        let identity = Identity::from_pem(
            self.read(&format!("{}-client.crt", caller.name()))?,
            self.read(&format!("{}-client.key", caller.name()))?,
        );
        Ok(ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(self.read("server-ca.crt")?))
            .identity(identity)
            .domain_name(server.server_name()))
    }
}
