//! What can go wrong while reconciling.

/// A reconcile failure; the controller retries with backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server refused or failed a request.
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    /// The ChatCluster lacks a name, namespace or uid.
    #[error("the ChatCluster has no name, namespace or uid")]
    MissingMetadata,
    /// The signing key Secret exists but holds no valid key; it is left untouched.
    #[error("Secret {0} holds no valid Ed25519 key under signing-key.pem; fix or delete it")]
    InvalidSigningKey(String),
    /// A signing key could not be generated.
    #[error(transparent)]
    KeyGeneration(#[from] crate::children::signing_key::EncodeError),
    /// TLS certificates could not be issued.
    #[error(transparent)]
    Certificates(#[from] crate::children::tls::IssueError),
}

impl Error {
    /// Every value [`Error::kind`] returns.
    pub const KINDS: [&'static str; 6] = [
        "api",
        "client",
        "metadata",
        "signing_key",
        "key_generation",
        "certificates",
    ];

    /// A short label for the error metric.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Kube(kube::Error::Api(_)) => "api",
            Self::Kube(_) => "client",
            Self::MissingMetadata => "metadata",
            Self::InvalidSigningKey(_) => "signing_key",
            Self::KeyGeneration(_) => "key_generation",
            Self::Certificates(_) => "certificates",
        }
    }
}
