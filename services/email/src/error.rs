//! The crate's error type for starting and serving.

use std::path::PathBuf;

use crate::store::StoreError;

/// Failures opening the backends or serving gRPC.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A folder or file under the data dir could not be created.
    #[error("preparing {path}: {source}")]
    Io {
        /// What was being created.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The code store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The gRPC server failed.
    #[error(transparent)]
    Grpc(#[from] gochat_runtime::grpc::GrpcError),
}
