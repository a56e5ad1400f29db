//! The real servers of the backend and system tiers. `scripts/test backend` (and `system`)
//! provisions and starts them, then passes their addresses in `GOCHAT_TEST_*` variables; a
//! test run without them fails with a message saying how to run it, never skips.

use std::sync::atomic::{AtomicU64, Ordering};

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this test needs the real servers that `scripts/test backend` \
             starts (run that instead of cargo test directly)"
        )
    })
}

/// `redis://127.0.0.1:PORT/` of the test Redis.
pub fn redis_url() -> String {
    required("GOCHAT_TEST_REDIS_URL")
}

/// `127.0.0.1:PORT` of the test CQL server (Cassandra, standing in for ScyllaDB).
pub fn cql_node() -> String {
    required("GOCHAT_TEST_CQL_NODE")
}

/// `127.0.0.1:PORT` of the test SMTP sink.
pub fn smtp_addr() -> String {
    required("GOCHAT_TEST_SMTP_ADDR")
}

/// The Maildir where the SMTP sink writes every message it accepts.
pub fn maildir() -> std::path::PathBuf {
    required("GOCHAT_TEST_MAILDIR").into()
}

/// A name unique to this test process and call, usable as a CQL keyspace or a Redis key
/// prefix, so tests sharing one server never see each other's data.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}
