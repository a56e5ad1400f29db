//! `--node-id auto` against a real Redis (`GOCHAT_TEST_REDIS_URL`): claiming distinct node
//! ids, exhausting them, renewing, losing and releasing a lease, and an unreachable Redis.
//!
//! `cargo test -p gochat --test backend_gochat`

use std::time::{Duration, Instant};

use gochat::node_lease::{LeaseError, NodeLease, NodeLeases};
use gochat_tests::servers::{ThrowawayRedis, redis_url, unique_name};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A short TTL so the keeping tests renew several times within seconds.
const SHORT_TTL: Duration = Duration::from_millis(1500);

async fn connect(url: &str) -> ConnectionManager {
    let client = redis::Client::open(url).expect("a valid Redis URL");
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_connection_timeout(Some(Duration::from_millis(300)))
        .set_response_timeout(Some(Duration::from_millis(500)));
    ConnectionManager::new_with_config(client, config)
        .await
        .expect("the test Redis answers")
}

/// Claimers under a prefix of their own on the shared test Redis, and a raw connection.
async fn leases(tag: &str) -> (NodeLeases, ConnectionManager) {
    let conn = connect(&redis_url()).await;
    (NodeLeases::new(conn.clone(), unique_name(tag)), conn)
}

async fn get(conn: &mut ConnectionManager, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query_async(conn).await.unwrap()
}

async fn set(conn: &mut ConnectionManager, key: &str, value: &str) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async(conn)
        .await
        .unwrap();
}

async fn del(conn: &mut ConnectionManager, key: &str) {
    let _: () = redis::cmd("DEL").arg(key).query_async(conn).await.unwrap();
}

async fn pttl(conn: &mut ConnectionManager, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

#[tokio::test]
async fn two_claimers_get_distinct_ids_held_by_their_owners() {
    let (leases, mut conn) = leases("lease_two").await;
    let (a, b) = tokio::join!(leases.claim(), leases.claim());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.node_id(), b.node_id());
    assert!(a.node_id() <= 1023 && b.node_id() <= 1023);
    assert_ne!(a.owner(), b.owner());
    for lease in [&a, &b] {
        assert_eq!(lease.key(), leases.key(lease.node_id()));
        assert_eq!(
            get(&mut conn, lease.key()).await.as_deref(),
            Some(lease.owner())
        );
        let ttl = pttl(&mut conn, lease.key()).await;
        assert!((25_000..=30_000).contains(&ttl), "ttl {ttl} ms");
    }
    assert!(a.release().await.unwrap());
    assert!(b.release().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_1025th_claim_fails_once_every_id_is_leased() {
    let (leases, _conn) = leases("lease_full").await;
    let mut held: Vec<NodeLease> = Vec::with_capacity(1024);
    for _ in 0..1024 {
        held.push(leases.claim().await.expect("a free id is left"));
    }
    let mut ids: Vec<u16> = held.iter().map(NodeLease::node_id).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (0..=1023).collect::<Vec<u16>>(),
        "every id exactly once"
    );

    let err = match leases.claim().await {
        Err(e) => e,
        Ok(lease) => panic!("claimed node id {} twice", lease.node_id()),
    };
    assert!(matches!(err, LeaseError::Exhausted { .. }), "{err:?}");
    assert!(err.to_string().contains("every chat node id"), "{err}");

    let freed = held.swap_remove(100);
    let freed_id = freed.node_id();
    assert!(freed.release().await.unwrap());
    let again = leases.claim().await.unwrap();
    assert_eq!(
        again.node_id(),
        freed_id,
        "the released id is claimable again"
    );
    held.push(again);
    for lease in held {
        assert!(lease.release().await.unwrap());
    }
}

#[tokio::test]
async fn renewing_restores_the_full_ttl() {
    let (leases, mut conn) = leases("lease_renew").await;
    let mut lease = leases.claim().await.unwrap();
    let _: () = redis::cmd("PEXPIRE")
        .arg(lease.key())
        .arg(2000)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(pttl(&mut conn, lease.key()).await <= 2000);
    lease.renew().await.unwrap();
    let ttl = pttl(&mut conn, lease.key()).await;
    assert!(ttl > 25_000, "renewed to the full ttl, got {ttl} ms");
    assert_eq!(
        get(&mut conn, lease.key()).await.as_deref(),
        Some(lease.owner())
    );
    assert!(lease.release().await.unwrap());
}

#[tokio::test]
async fn a_renew_detects_a_key_taken_over_or_gone() {
    let (leases, mut conn) = leases("lease_lost").await;
    let mut lease = leases.claim().await.unwrap();
    set(&mut conn, lease.key(), "intruder:1").await;
    match lease.renew().await {
        Err(LeaseError::Lost { node_id, holder }) => {
            assert_eq!(node_id, lease.node_id());
            assert_eq!(holder.as_deref(), Some("intruder:1"));
        }
        other => panic!("expected Lost, got {other:?}"),
    }
    assert_eq!(
        pttl(&mut conn, lease.key()).await,
        -1,
        "their key is untouched"
    );

    del(&mut conn, lease.key()).await;
    assert!(matches!(
        lease.renew().await,
        Err(LeaseError::Lost { holder: None, .. })
    ));
}

#[tokio::test]
async fn release_deletes_only_our_own_key() {
    let (leases, mut conn) = leases("lease_release").await;
    let ours = leases.claim().await.unwrap();
    let key = ours.key().to_owned();
    assert!(ours.release().await.unwrap());
    assert_eq!(get(&mut conn, &key).await, None);

    let taken = leases.claim().await.unwrap();
    let key = taken.key().to_owned();
    set(&mut conn, &key, "someone-else:2").await;
    assert!(!taken.release().await.unwrap(), "not ours any more");
    assert_eq!(
        get(&mut conn, &key).await.as_deref(),
        Some("someone-else:2")
    );
    del(&mut conn, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_renews_past_the_ttl_and_releases_when_the_work_ends() {
    let (leases, conn) = leases("lease_hold").await;
    let lease = leases.with_ttl(SHORT_TTL).claim().await.unwrap();
    let (key, owner) = (lease.key().to_owned(), lease.owner().to_owned());
    let mut inside = conn.clone();
    let work_key = key.clone();
    let seen = lease
        .hold_while(async move {
            tokio::time::sleep(SHORT_TTL * 2).await;
            get(&mut inside, &work_key).await
        })
        .await
        .unwrap();
    assert_eq!(seen.as_deref(), Some(owner.as_str()), "kept past two TTLs");
    assert_eq!(get(&mut conn.clone(), &key).await, None, "released after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_stops_the_work_when_the_key_is_taken_over() {
    let (leases, mut conn) = leases("lease_taken").await;
    let lease = leases.with_ttl(SHORT_TTL).claim().await.unwrap();
    let key = lease.key().to_owned();
    set(&mut conn, &key, "intruder:3").await;
    let started = Instant::now();
    let outcome = lease
        .hold_while(tokio::time::sleep(Duration::from_secs(30)))
        .await;
    assert!(
        matches!(outcome, Err(LeaseError::Lost { .. })),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < SHORT_TTL,
        "noticed at the first renewal, after {:?}",
        started.elapsed()
    );
    assert_eq!(get(&mut conn, &key).await.as_deref(), Some("intruder:3"));
    del(&mut conn, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_stops_the_work_before_an_unrenewable_lease_expires() {
    let mut server = ThrowawayRedis::start(false).await;
    let conn = connect(&server.url()).await;
    let leases = NodeLeases::new(conn, unique_name("lease_outage")).with_ttl(SHORT_TTL);
    let claimed_at = Instant::now();
    let lease = leases.claim().await.unwrap();
    let node_id = lease.node_id();
    server.kill();
    let outcome = lease
        .hold_while(tokio::time::sleep(Duration::from_secs(30)))
        .await;
    match outcome {
        Err(LeaseError::Expiring { node_id: id }) => assert_eq!(id, node_id),
        other => panic!("expected Expiring, got {other:?}"),
    }
    assert!(
        claimed_at.elapsed() < SHORT_TTL,
        "stopped before Redis could hand the id to another replica ({:?})",
        claimed_at.elapsed()
    );
}
