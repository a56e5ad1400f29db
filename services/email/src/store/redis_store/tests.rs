//! Server-free checks; the behaviour against a real Redis is in `tests/backend_email.rs`.

use std::time::{Duration, Instant};

use redis::aio::ConnectionManagerConfig;

use super::*;

/// A store whose manager points at a port nothing listens on (connects lazily, so building it
/// needs no server).
fn store_without_server() -> RedisCodeStore {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_connection_timeout(Some(Duration::from_millis(200)));
    let conn = ConnectionManager::new_lazy_with_config(client, config).unwrap();
    RedisCodeStore::new(conn, "unit")
}

#[tokio::test]
async fn keys_of_one_address_share_one_hash_tag_under_the_prefix() {
    let store = store_without_server();
    assert_eq!(store.code_key("ada@x.org"), "unit:{e:ada@x.org}:code");
    assert_eq!(store.sends_key("ada@x.org"), "unit:{e:ada@x.org}:sends");
}

#[tokio::test]
async fn record_ttl_is_the_time_left_plus_the_grace() {
    let store = store_without_server().with_expired_grace(Duration::from_secs(60));
    assert_eq!(store.record_ttl_ms(10_000, 4_000), 66_000);
    assert_eq!(
        store.record_ttl_ms(1_000, 5_000),
        60_000,
        "already expired: the grace alone"
    );
    assert_eq!(
        store.record_ttl_ms(i64::MAX, i64::MIN),
        MAX_RECORD_TTL_MS,
        "capped"
    );
    let no_grace = store_without_server().with_expired_grace(Duration::ZERO);
    assert_eq!(no_grace.record_ttl_ms(0, 5), 1, "never a zero TTL");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_a_panic() {
    let store = store_without_server();
    let started = Instant::now();
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.count_send("a@b.c", 0, 1_000).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(10));
}
