//! The Redis event log against a real Redis: the conformance suite, then what only a
//! distributed deployment shows (two gateways, a restarted gateway, presence expiry,
//! concurrent publishers, a Redis outage).
//!
//! Run with `cargo test -p gochat-delivery --test backend_delivery`
//! and `GOCHAT_TEST_REDIS_URL` set (see `gochat_tests::servers`).

mod support;

#[path = "backend_delivery/conformance.rs"]
mod conformance;
#[path = "backend_delivery/order.rs"]
mod order;
#[path = "backend_delivery/presence.rs"]
mod presence;
#[path = "backend_delivery/recovery.rs"]
mod recovery;
#[path = "backend_delivery/retention.rs"]
mod retention;
#[path = "backend_delivery/routing.rs"]
mod routing;
