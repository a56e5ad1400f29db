//! Service tests: the gRPC API served on 127.0.0.1:0 over the redb store and the embedded
//! event log.

mod conversations;
mod delivery;
mod errors;
mod history;
mod members;
mod retries;
mod support;
mod telemetry;
