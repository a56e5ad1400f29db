//! [`RedisCodeStore`] on Redis: the store and service conformance suites, key layout and
//! TTLs, and an outage of a private redis-server with recovery on the same store.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gochat_email::{CodeHash, CodeRecord, CodeStore, RedisCodeStore, StoreError, conformance};
use gochat_tests::servers::{redis_url, unique_name};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use gochat_tests::servers::ThrowawayRedis;

async fn connect(url: &str) -> ConnectionManager {
    let client = redis::Client::open(url).expect("a valid Redis URL");
    ConnectionManager::new(client)
        .await
        .expect("the test Redis answers")
}

async fn store() -> RedisCodeStore {
    RedisCodeStore::new(connect(&redis_url()).await, unique_name("email"))
}

async fn pttl(conn: &mut ConnectionManager, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

fn record_expiring_at(expires_at_ms: i64) -> CodeRecord {
    CodeRecord {
        hash: CodeHash::new("135790"),
        expires_at_ms,
        attempts: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_store_conformance_suite() {
    conformance::store::run_all(Arc::new(store().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_service_conformance_suite() {
    conformance::service::run_all(Arc::new(store().await)).await;
}

#[tokio::test]
async fn keys_carry_ttls_past_the_code_expiry_and_the_window() {
    let store = store().await;
    let mut conn = connect(&redis_url()).await;
    let email = conformance::fresh_email();
    let now = gochat_runtime::clock::now_ms();
    store
        .put(&email, &record_expiring_at(now + 15 * 60_000))
        .await
        .unwrap();
    let code_key = store.code_key(&email);
    assert!(code_key.contains(&format!("{{e:{email}}}")), "{code_key}");
    let ttl = pttl(&mut conn, &code_key).await;
    let expected = (15 + 60) * 60_000;
    assert!(
        (expected - 5_000..=expected).contains(&ttl),
        "code TTL {ttl} ms, want about {expected}"
    );
    store.count_attempt(&email).await.unwrap();
    assert!(
        pttl(&mut conn, &code_key).await > expected - 5_000,
        "counting an attempt keeps the TTL"
    );
    store.count_send(&email, now, 3_600_000).await.unwrap();
    let sends_ttl = pttl(&mut conn, &store.sends_key(&email)).await;
    assert!(
        (3_595_000..=3_600_000).contains(&sends_ttl),
        "send counter TTL {sends_ttl}"
    );
}

#[tokio::test]
async fn an_expired_code_is_kept_for_the_grace_then_dropped() {
    let store = store()
        .await
        .with_expired_grace(Duration::from_millis(1000));
    let email = conformance::fresh_email();
    let record = record_expiring_at(gochat_runtime::clock::now_ms());
    store.put(&email, &record).await.unwrap();
    assert_eq!(
        store.get(&email).await.unwrap(),
        Some(record),
        "still there to answer EXPIRED"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        store.get(&email).await.unwrap(),
        None,
        "gone after the grace"
    );
}

#[tokio::test]
async fn a_redis_outage_is_unavailable_and_the_same_store_recovers() {
    let mut server = ThrowawayRedis::start(false).await;
    let client = redis::Client::open(server.url()).unwrap();
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(2)
        .set_connection_timeout(Some(Duration::from_millis(300)))
        .set_response_timeout(Some(Duration::from_millis(500)));
    let conn = ConnectionManager::new_with_config(client, config)
        .await
        .unwrap();
    let store = RedisCodeStore::new(conn, unique_name("outage"));
    let email = conformance::fresh_email();
    store.ping().await.unwrap();
    assert_eq!(store.count_send(&email, 1, 60_000).await.unwrap(), 1);

    server.kill();
    let started = Instant::now();
    for _ in 0..3 {
        assert!(matches!(
            store.ping().await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            store.put(&email, &record_expiring_at(1)).await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            store.count_attempt(&email).await,
            Err(StoreError::Unavailable(_))
        ));
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "outage answers are bounded"
    );

    server.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let record = record_expiring_at(gochat_runtime::clock::now_ms() + 60_000);
    store.put(&email, &record).await.unwrap();
    assert_eq!(store.get(&email).await.unwrap(), Some(record));
    server.kill();
}
