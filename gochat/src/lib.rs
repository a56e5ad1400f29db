//! The library half of the `gochat` binary: the process wiring its backend tests reach from
//! outside (the binary itself lives in `main.rs`).
#![forbid(unsafe_code)]

pub mod host;
pub mod node_lease;
