//! The runtime every gochat service shares: shutdown, gRPC serving and clients (traced and
//! measured), the `/healthz` `/readyz` `/metrics` endpoints, domain-error statuses,
//! telemetry (logs, OpenTelemetry traces, Prometheus metrics), database instrumentation
//! and time.
#![forbid(unsafe_code)]

pub mod clock;
pub mod db;
pub mod group_commit;
pub mod grpc;
pub mod logging;
pub mod metrics;
pub mod ops;
pub mod readiness;
pub mod redact;
pub mod shutdown;
pub mod status;
pub mod telemetry;

pub use readiness::{Readiness, ReadinessCheck};
pub use shutdown::Shutdown;
