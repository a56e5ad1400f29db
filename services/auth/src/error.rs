//! The crate's error for starting and serving (request failures are gRPC statuses).

use gochat_runtime::grpc::GrpcError;

use gochat_tokens::KeyError;

use crate::store::StoreError;

/// Why the auth service could not open its backends or serve.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The account or session store failed to open or answer.
    #[error("auth store: {0}")]
    Store(#[from] StoreError),
    /// The access-token signing key could not be loaded or created.
    #[error("signing key: {0}")]
    Key(#[from] KeyError),
    /// Serving gRPC failed.
    #[error("auth gRPC: {0}")]
    Grpc(#[from] GrpcError),
    /// The data directory could not be created.
    #[error("data dir {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The underlying failure.
        source: std::io::Error,
    },
}
