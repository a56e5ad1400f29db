//! The crate's error type for starting and serving.

use std::path::PathBuf;

use crate::{InvalidNodeId, StoreError};

/// Failures opening the backends or serving gRPC.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data dir could not be created.
    #[error("preparing {path}: {source}")]
    Io {
        /// What was being created.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The chat store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `Config::node_id` does not fit a message id.
    #[error(transparent)]
    InvalidNodeId(#[from] InvalidNodeId),
    /// The gRPC server failed.
    #[error(transparent)]
    Grpc(#[from] gochat_runtime::grpc::GrpcError),
}
