//! The runtime every gochat service shares: shutdown, gRPC serving and clients, the
//! `/healthz` `/readyz` `/metrics` endpoints, domain-error statuses, logging and time.
#![forbid(unsafe_code)]

pub mod clock;
pub mod grpc;
pub mod logging;
pub mod ops;
pub mod readiness;
pub mod shutdown;
pub mod status;

pub use readiness::{Readiness, ReadinessCheck};
pub use shutdown::Shutdown;
