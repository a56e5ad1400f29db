//! gochat's shared test harness: real `gochat` processes on free ports, a distributed cluster
//! (`tests/system/cluster`), an HTTP client for the public API, the local-mode mail outbox and
//! the SMTP sink's Maildir, a WebSocket client, message traffic for fault tests, and kubectl for
//! the node tier. Every test tier uses these instead of starting servers its own way.
#![forbid(unsafe_code)]

mod api;
pub mod binary;
pub mod check;
pub mod cluster;
mod env;
mod error;
pub mod kube;
mod local;
mod logfile;
pub mod mail;
pub mod order;
pub mod prometheus;
pub mod servers;
pub mod traces;
pub mod traffic;
pub mod ws;

pub use api::{ApiClient, ApiResponse};
pub use env::{MAIL_TIMEOUT, PASSWORD, TestEnv, TestUser};
pub use error::HarnessError;
pub use local::{GochatLocal, READY_TIMEOUT, STOP_TIMEOUT, free_loopback_addr};
pub use logfile::LogFile;
pub use ws::{MessageEvent, WsAuth, WsClient};
