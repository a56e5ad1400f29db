//! How a gochat service runs: shutdown, gRPC serving and clients (traced and measured, mutual
//! TLS between services), the
//! `/healthz` `/readyz` `/metrics` endpoints, readiness checks, and time. Telemetry itself
//! (logs, traces, metric helpers) is `gochat-telemetry`.
#![forbid(unsafe_code)]

pub mod clock;
pub mod grpc;
pub mod ops;
pub mod readiness;
pub mod shutdown;
pub mod tls;

pub use readiness::{Readiness, ReadinessCheck};
pub use shutdown::Shutdown;
