//! gochat's process wiring: the command line, the component registry (each service's start),
//! the backends they share, chat's node-id lease, and the runner that starts a set of
//! components and stops them together. The `gochat` binary (`main.rs`) parses the command
//! line, starts the runtime, telemetry and the signal handler, and calls
//! [`runner::run_command`].
#![forbid(unsafe_code)]

pub mod backends;
pub mod cli;
pub mod component;
pub mod host;
pub mod migrate;
pub mod node_id;
pub mod node_lease;
pub mod runner;
