//! System tests: gochat distributed over separate OS processes (email, auth, chat, two
//! gateways) on real Redis, Cassandra (standing in for ScyllaDB) and an SMTP sink, started by
//! `tests/system/cluster`, one cluster per test. The whole API across two gateways (and the
//! messenger additions across two gateways and two chat replicas), then
//! faults while messages flow; each fault test prints
//! `FAULT <name>: sent=N received=N lost=N duplicated=N` and fails if anything is lost.
//! The `observability` tests start the cluster with `--observability` (an OpenTelemetry
//! Collector and Prometheus beside it) and check traces and metrics with those real tools.
//!
//! Tests take turns (a cluster holds a GiB); run them as the system tier does:
//! `cargo build -p gochat && cargo test -p gochat-tests --test system -- --test-threads=1 --nocapture`.

#[path = "system/chat_restart.rs"]
mod chat_restart;
#[path = "system/cql_outage.rs"]
mod cql_outage;
#[path = "system/gateway_kill.rs"]
mod gateway_kill;
#[path = "system/hardening.rs"]
mod hardening;
#[path = "system/messenger.rs"]
mod messenger;
#[path = "system/observability.rs"]
mod observability;
#[path = "system/redis_restart.rs"]
mod redis_restart;
#[path = "system/scenario.rs"]
mod scenario;
#[path = "system/secrets.rs"]
mod secrets;
#[path = "system/support.rs"]
mod support;
