use std::time::Duration;

use super::{LeaseError, NodeLeases, Timing, new_owner};

/// A claimer whose connection is never used (it connects lazily).
fn leases(prefix: &str) -> NodeLeases {
    let client = redis::Client::open("redis://127.0.0.1:1/").unwrap();
    let conn = redis::aio::ConnectionManager::new_lazy_with_config(
        client,
        redis::aio::ConnectionManagerConfig::new(),
    )
    .unwrap();
    NodeLeases::new(conn, prefix)
}

#[test]
fn the_default_pace_renews_every_ten_seconds_and_gives_up_five_before_expiry() {
    let t = Timing::for_ttl(Duration::from_secs(30));
    assert_eq!(t.renew_every, Duration::from_secs(10));
    assert_eq!(t.attempt_timeout, Duration::from_secs(2));
    assert_eq!(t.retry_pause, Duration::from_secs(1));
    assert_eq!(t.margin, Duration::from_secs(5));
    assert_eq!(t.ttl_ms(), 30_000);
}

#[test]
fn a_tiny_ttl_is_raised_to_the_minimum() {
    let t = Timing::for_ttl(Duration::ZERO);
    assert_eq!(t.ttl, Duration::from_millis(300));
    assert!(t.attempt_timeout > Duration::ZERO);
}

#[tokio::test]
async fn each_node_id_has_its_own_hash_tagged_key_under_the_prefix() {
    let leases = leases("gochat");
    assert_eq!(leases.key(0), "gochat:{chat-node:0}");
    assert_eq!(leases.key(1023), "gochat:{chat-node:1023}");
    assert_ne!(leases.key(1), leases.key(10));
}

#[test]
fn owners_name_the_host_and_differ_per_process_start() {
    let (a, b) = (new_owner(), new_owner());
    assert_ne!(a, b);
    let (host, random) = a.rsplit_once(':').unwrap();
    assert!(!host.is_empty());
    assert_eq!(random.len(), 16);
    assert!(random.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn errors_say_what_happened() {
    let gone = LeaseError::Lost {
        node_id: 7,
        holder: None,
    };
    assert_eq!(
        gone.to_string(),
        "the lease on chat node id 7 was lost: its key is gone"
    );
    let taken = LeaseError::Lost {
        node_id: 7,
        holder: Some("pod-b:00ff".into()),
    };
    assert!(taken.to_string().contains("\"pod-b:00ff\""), "{taken}");
    let full = LeaseError::Exhausted {
        prefix: "gochat".into(),
    };
    assert!(full.to_string().contains("0..=1023"), "{full}");
    assert!(full.to_string().contains("`gochat`"), "{full}");
}
