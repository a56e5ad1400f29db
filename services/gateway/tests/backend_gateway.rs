//! The gateway's Redis rate-limit store against a real Redis (`GOCHAT_TEST_REDIS_URL`):
//! the rate-limit conformance suite, plus what only a real server shows (the window's TTL,
//! counts shared by two gateways, window expiry, an outage and recovery).
//!
//! `cargo test -p gochat-gateway --test backend_gateway`

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gochat_gateway::rate_limit::{
    RateLimitError, RateLimitStore, RedisRateLimitStore, conformance,
};
use gochat_tests::servers::ThrowawayRedis;
use gochat_tests::servers::{redis_url, unique_name};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

async fn connect() -> ConnectionManager {
    let client = redis::Client::open(redis_url()).expect("a valid Redis URL");
    ConnectionManager::new(client)
        .await
        .expect("the test Redis answers")
}

async fn store() -> RedisRateLimitStore {
    RedisRateLimitStore::new(connect().await, unique_name("gw"))
}

#[tokio::test]
async fn passes_the_rate_limit_conformance_suite() {
    conformance::run_all(Arc::new(store().await)).await;
}

#[tokio::test]
async fn the_counter_key_expires_with_its_window() {
    let store = store().await;
    let key = store.redis_key("ip:127.0.0.1");
    assert!(key.ends_with(":{rl:ip:127.0.0.1}"), "{key}");
    store
        .hit("ip:127.0.0.1", 5, Duration::from_secs(10))
        .await
        .unwrap();
    let mut conn = connect().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((9_000..=10_000).contains(&ttl), "PTTL {ttl}");
    // Later hits in the window do not push the expiry out (fixed, not sliding).
    tokio::time::sleep(Duration::from_millis(300)).await;
    store
        .hit("ip:127.0.0.1", 5, Duration::from_secs(10))
        .await
        .unwrap();
    let later: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(later <= ttl - 250, "PTTL {later} after {ttl}");
}

#[tokio::test]
async fn the_window_ends_and_the_key_is_gone() {
    let store = store().await;
    let window = Duration::from_millis(1000);
    assert!(store.hit("acct:ada", 1, window).await.unwrap().allowed);
    let refused = store.hit("acct:ada", 1, window).await.unwrap();
    assert!(!refused.allowed);
    assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= window);
    tokio::time::sleep(refused.retry_after + Duration::from_millis(100)).await;
    let mut conn = connect().await;
    let exists: bool = redis::cmd("EXISTS")
        .arg(store.redis_key("acct:ada"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!exists, "the counter expired with its window");
    assert!(store.hit("acct:ada", 1, window).await.unwrap().allowed);
}

#[tokio::test]
async fn two_gateways_share_one_count() {
    let prefix = unique_name("gw");
    let (a, b) = (
        RedisRateLimitStore::new(connect().await, prefix.clone()),
        RedisRateLimitStore::new(connect().await, prefix),
    );
    let window = Duration::from_secs(30);
    let mut allowed = 0;
    for i in 0..10 {
        let gateway = if i % 2 == 0 { &a } else { &b };
        if gateway.hit("user:u1", 6, window).await.unwrap().allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 6, "the limit holds across gateways");
}

#[tokio::test]
async fn concurrent_hits_are_counted_exactly() {
    let store = Arc::new(store().await);
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .hit("burst", 25, Duration::from_secs(30))
                    .await
                    .unwrap()
                    .allowed
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        allowed += usize::from(task.await.unwrap());
    }
    assert_eq!(allowed, 25);
}

#[tokio::test]
async fn an_outage_is_unavailable_and_the_same_store_recovers() {
    let mut server = ThrowawayRedis::start(false).await;
    let client = redis::Client::open(server.url()).unwrap();
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(2)
        .set_connection_timeout(Some(Duration::from_millis(300)))
        .set_response_timeout(Some(Duration::from_millis(500)));
    let conn = ConnectionManager::new_with_config(client, config)
        .await
        .unwrap();
    let store = RedisRateLimitStore::new(conn, unique_name("gw-outage"));
    let window = Duration::from_secs(30);
    assert!(store.hit("k", 5, window).await.unwrap().allowed);

    server.kill();
    let started = Instant::now();
    for _ in 0..3 {
        assert!(matches!(
            store.hit("k", 5, window).await,
            Err(RateLimitError::Unavailable(_))
        ));
        assert!(matches!(
            store.ping().await,
            Err(RateLimitError::Unavailable(_))
        ));
    }
    assert!(started.elapsed() < Duration::from_secs(15), "bounded");

    server.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        store.hit("k", 1, window).await.unwrap().allowed,
        "a fresh server, a fresh count"
    );
    assert!(!store.hit("k", 1, window).await.unwrap().allowed);
    server.kill();
}
