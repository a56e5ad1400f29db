//! CQL plumbing shared by the services that store in ScyllaDB: one way to open a session
//! (contact points, credentials, default consistency, timeouts) and one way to create the
//! keyspace and tables idempotently, so `gochat migrate` and start-up do the same thing; and
//! every statement traced and timed the same way.
#![forbid(unsafe_code)]

mod config;
mod observe;
mod schema;
mod session;

pub use config::{CqlConfig, ParseConsistencyError, parse_consistency};
pub use observe::{CqlStatement, describe, execute_unpaged, observed};
pub use schema::{add_columns, apply_schema, ensure_keyspace};
pub use scylla;
pub use session::{CqlError, connect};
