//! Restarts: a gateway that comes back, and Redis restarted with and without persistence.

use bytes::Bytes;
use gochat_delivery::{
    EventId, EventLog, conformance, conformance::fresh_user, redis::RedisEventLog,
};

use crate::support::{self, cleanup, config, connect, eventually, next_event, raw};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_gateway_reclaims_what_its_previous_incarnation_left_pending() {
    let gateway_config = config("reclaim", Some("A"));
    let prefix = gateway_config.prefix.clone();
    let inbox = format!("{}:{{gw:A}}:inbox", gateway_config.prefix);
    let publisher = connect(support::publisher_of(&gateway_config)).await;
    let user = conformance::fresh_user("reclaim");
    let first = connect(gateway_config.clone()).await;
    let subscription = first.subscribe(&user).await.unwrap();
    drop(first);

    for n in 0..5u8 {
        publisher
            .publish(std::slice::from_ref(&user), Bytes::from(vec![n]))
            .await
            .unwrap();
    }
    drop(subscription);
    // The previous incarnation read these notifications and died before acknowledging.
    let mut redis = raw().await;
    let read: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("gateway")
        .arg("A")
        .arg("COUNT")
        .arg(100)
        .arg("STREAMS")
        .arg(&inbox)
        .arg(">")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_ne!(
        read,
        redis::Value::Nil,
        "the notifications reached the inbox"
    );
    assert_eq!(support::pending(&mut redis, &inbox).await, 5);

    let second = connect(gateway_config).await;
    eventually("the pending notifications are reclaimed", || {
        let second = second.clone();
        let inbox = inbox.clone();
        async move {
            let mut redis = raw().await;
            support::pending(&mut redis, &inbox).await == 0 && second.reclaimed_notifications() == 5
        }
    })
    .await;

    let mut again = second.subscribe(&user).await.unwrap();
    publisher
        .publish(std::slice::from_ref(&user), Bytes::from_static(b"after"))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut again).await.payload,
        Bytes::from_static(b"after")
    );
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_with_persistence_is_survived_without_reconnecting() {
    support::outage(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_without_persistence_is_survived_without_reconnecting() {
    support::outage(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_from_before_a_flushall_is_reported_truncated() {
    let server = gochat_tests::servers::ThrowawayRedis::start(false).await;
    let log = RedisEventLog::connect(&server.url(), support::config("flush", None))
        .await
        .unwrap();
    let user = fresh_user("flush");
    let one = std::slice::from_ref(&user);
    log.publish(one, Bytes::from_static(b"before"))
        .await
        .unwrap();
    let before = support::replay_all(&log, &user).await[0].id;
    assert!(!log.replay(&user, before, 10).await.unwrap().truncated);

    let client = redis::Client::open(server.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("FLUSHALL").query_async(&mut raw).await.unwrap();

    // The first replay after the wipe finds no origin and records one: from then on the
    // dataset is new, and the old resume point is older than it.
    let resumed = log.replay(&user, before, 10).await.unwrap();
    assert!(
        resumed.truncated,
        "the events after the resume point went with the data: history must fill in"
    );
    assert!(resumed.events.is_empty(), "the log went with the data");

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    log.publish(one, Bytes::from_static(b"after"))
        .await
        .unwrap();
    let from_start = log.replay(&user, EventId::ZERO, 10).await.unwrap();
    assert!(
        !from_start.truncated,
        "a resume from the start claims nothing"
    );
    assert_eq!(
        from_start.events.len(),
        1,
        "what the new log has is replayed"
    );
    let latest = from_start.events[0].id;
    assert!(
        !log.replay(&user, latest, 10).await.unwrap().truncated,
        "a resume point of the new dataset is complete"
    );
    assert!(
        log.replay(&user, before, 10).await.unwrap().truncated,
        "the old resume point stays older than the dataset"
    );
}
