//! The Redis event log against a real Redis: the conformance suite, then what only a
//! distributed deployment shows (two gateways, a restarted gateway, presence expiry,
//! concurrent publishers, a Redis outage).
//!
//! Run with `cargo test -p gochat-delivery --features conformance --test backend_delivery`
//! and `GOCHAT_TEST_REDIS_URL` set (see `gochat_tests::servers`).

mod support;

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use gochat_delivery::{
    DeliveryError, EventId, EventLog,
    conformance::{self},
};
use support::{
    PATIENCE, RedisControl, Split, cleanup, config, connect, eventually, inbox_users, next_event,
    raw, replay_all,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_passes_the_conformance_suite() {
    let log_config = config("conf", Some("gw-conf"));
    let prefix = log_config.prefix.clone();
    let log = connect(log_config).await;
    let control = RedisControl { log: log.clone() };
    conformance::run_all(Arc::new(log), Arc::new(control)).await;
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_and_a_gateway_pass_the_conformance_suite_together() {
    let gateway_config = config("split", Some("gw-split"));
    let prefix = gateway_config.prefix.clone();
    let publisher = connect(support::publisher_of(&gateway_config)).await;
    let gateway = connect(gateway_config).await;
    let control = RedisControl {
        log: gateway.clone(),
    };
    let split = Split { publisher, gateway };
    conformance::run_all(Arc::new(split), Arc::new(control)).await;
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_reach_only_the_gateways_where_the_user_is_connected() {
    let a_config = config("route", Some("A"));
    let prefix = a_config.prefix.clone();
    let publisher = connect(support::publisher_of(&a_config)).await;
    let a = connect(a_config.clone()).await;
    let b = connect(support::gateway_of(&a_config, "B")).await;
    let (only_a, both) = (
        conformance::fresh_user("only-a"),
        conformance::fresh_user("both"),
    );

    let mut on_a = a.subscribe(&only_a).await.unwrap();
    let mut both_on_a = a.subscribe(&both).await.unwrap();
    let mut both_on_b = b.subscribe(&both).await.unwrap();
    assert!(
        matches!(publisher.subscribe(&only_a).await, Err(DeliveryError::Unavailable(m)) if m.contains("gateway id")),
        "a log without a gateway id cannot subscribe"
    );

    publisher
        .publish(std::slice::from_ref(&only_a), Bytes::from_static(b"one"))
        .await
        .unwrap();
    let event = next_event(&mut on_a).await;
    assert_eq!(event.payload, Bytes::from_static(b"one"));
    assert_eq!(replay_all(&publisher, &only_a).await, [event]);

    publisher
        .publish(std::slice::from_ref(&both), Bytes::from_static(b"two"))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut both_on_a).await.payload,
        Bytes::from_static(b"two")
    );
    assert_eq!(
        next_event(&mut both_on_b).await.payload,
        Bytes::from_static(b"two")
    );

    let mut redis = raw().await;
    let b_inbox = format!("{prefix}:{{gw:B}}:inbox");
    let a_inbox = format!("{prefix}:{{gw:A}}:inbox");
    assert_eq!(
        inbox_users(&mut redis, &b_inbox).await,
        std::slice::from_ref(&both)
    );
    let on_a_inbox = inbox_users(&mut redis, &a_inbox).await;
    assert!(on_a_inbox.contains(&only_a) && on_a_inbox.contains(&both));

    let presence: Vec<String> = redis::cmd("HKEYS")
        .arg(format!("{prefix}:{{u:{both}}}:gw"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(presence.len(), 2, "both gateways are present: {presence:?}");
    let log_len: usize = redis::cmd("XLEN")
        .arg(format!("{prefix}:{{u:{only_a}}}:log"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(log_len, 1);
    let mut gateways: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("{prefix}:gateways"))
        .arg(0)
        .arg(-1)
        .query_async(&mut redis)
        .await
        .unwrap();
    gateways.sort();
    assert_eq!(gateways, ["A", "B"], "both gateways heartbeat");
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_creates_the_gateway_inbox_and_its_heartbeat_before_returning() {
    let gateway_config = config("inbox", Some("A"));
    let prefix = gateway_config.prefix.clone();
    let inbox = format!("{prefix}:{{gw:A}}:inbox");
    // Dropped at once, which stops its background tasks: only `connect` itself can have
    // created the inbox (a publish right after connecting depends on it).
    drop(connect(gateway_config).await);
    let groups: Vec<Vec<redis::Value>> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(&inbox)
        .query_async(&mut raw().await)
        .await
        .expect("the inbox exists");
    assert_eq!(groups.len(), 1, "one consumer group on the inbox");
    assert!(
        groups[0].contains(&redis::Value::BulkString(b"gateway".to_vec())),
        "the group is the gateways' one: {groups:?}"
    );
    let beat: Option<f64> = redis::cmd("ZSCORE")
        .arg(format!("{prefix}:gateways"))
        .arg("A")
        .query_async(&mut raw().await)
        .await
        .unwrap();
    assert!(beat.is_some(), "the gateway's first heartbeat is recorded");
    cleanup(&prefix).await;
}

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
async fn presence_ends_when_a_gateway_stops_refreshing_or_its_last_subscription_drops() {
    let mut short = config("presence", Some("A"));
    short.presence_ttl = Duration::from_millis(1500);
    let prefix = short.prefix.clone();
    let publisher = connect(support::publisher_of(&short)).await;
    let a = connect(short.clone()).await;
    let b = connect(support::gateway_of(&short, "B")).await;
    let (shared, alone, dropped) = (
        conformance::fresh_user("presence-shared"),
        conformance::fresh_user("presence-alone"),
        conformance::fresh_user("presence-dropped"),
    );
    let presence_of = |user: &str| format!("{prefix}:{{u:{user}}}:gw");
    let a_inbox = format!("{prefix}:{{gw:A}}:inbox");

    let sub_a = a.subscribe(&shared).await.unwrap();
    let mut sub_b = b.subscribe(&shared).await.unwrap();
    let sub_alone = a.subscribe(&alone).await.unwrap();
    let sub_dropped = b.subscribe(&dropped).await.unwrap();
    let mut redis = raw().await;
    let fields = |user: String| {
        let key = presence_of(&user);
        async move {
            let mut redis = raw().await;
            let mut fields: Vec<String> = redis::cmd("HKEYS")
                .arg(key)
                .query_async(&mut redis)
                .await
                .unwrap();
            fields.sort();
            fields
        }
    };
    assert_eq!(fields(shared.clone()).await, ["A", "B"]);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(presence_of(&alone))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 1500, "presence expires by itself: {ttl}");

    // B keeps refreshing; its user's last subscription dropping ends its presence.
    drop(sub_dropped);
    eventually("the dropped subscription's presence is removed", || {
        let fields = fields(dropped.clone());
        async move { fields.await.is_empty() }
    })
    .await;

    // Gateway A stops (as if killed): nothing refreshes its presence any more.
    drop((a, sub_a, sub_alone));
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let exists: bool = redis::cmd("EXISTS")
        .arg(presence_of(&alone))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(!exists, "the presence key of a user only A had expired");

    let before = inbox_users(&mut redis, &a_inbox).await.len();
    publisher
        .publish(std::slice::from_ref(&shared), Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut sub_b).await.payload,
        Bytes::from_static(b"x")
    );
    assert_eq!(
        inbox_users(&mut redis, &a_inbox).await.len(),
        before,
        "a gateway whose presence expired is not notified"
    );
    assert_eq!(
        fields(shared.clone()).await,
        ["B"],
        "the expired field is cleaned up"
    );
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interleaved_publishers_are_delivered_in_log_order_without_gaps() {
    const EACH: usize = 100;
    let gateway_config = config("order", Some("A"));
    let prefix = gateway_config.prefix.clone();
    let gateway = connect(gateway_config.clone()).await;
    let user = conformance::fresh_user("order");
    let mut sub = gateway.subscribe(&user).await.unwrap();

    let mut publishers = tokio::task::JoinSet::new();
    for tag in ["p1", "p2"] {
        let publisher = connect(support::publisher_of(&gateway_config)).await;
        let user = user.clone();
        publishers.spawn(async move {
            for n in 0..EACH {
                publisher
                    .publish(
                        std::slice::from_ref(&user),
                        Bytes::from(format!("{tag}-{n}")),
                    )
                    .await
                    .unwrap();
            }
        });
    }
    let mut live = Vec::new();
    while live.len() < 2 * EACH {
        live.push(next_event(&mut sub).await);
    }
    while let Some(done) = publishers.join_next().await {
        done.unwrap();
    }
    let logged = replay_all(&gateway, &user).await;
    assert_eq!(logged.len(), 2 * EACH);
    assert_eq!(
        live, logged,
        "live delivery is the log, in order, nothing missing"
    );
    assert!(live.windows(2).all(|w| w[0].id < w[1].id));
    for tag in ["p1", "p2"] {
        let own: Vec<_> = live
            .iter()
            .filter(|e| e.payload.starts_with(tag.as_bytes()))
            .map(|e| e.payload.clone())
            .collect();
        let expected: Vec<_> = (0..EACH)
            .map(|n| Bytes::from(format!("{tag}-{n}")))
            .collect();
        assert_eq!(own, expected, "each publisher's events keep its order");
    }
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
async fn trimming_moves_the_low_water_mark_and_replay_reports_it() {
    let log_config = config("trim", None);
    let prefix = log_config.prefix.clone();
    let log = connect(log_config).await;
    let user = conformance::fresh_user("trim");
    for n in 0..4u8 {
        log.publish(std::slice::from_ref(&user), Bytes::from(vec![n]))
            .await
            .unwrap();
    }
    let ids: Vec<EventId> = replay_all(&log, &user).await.iter().map(|e| e.id).collect();
    let cutoff = ids[2].ms + 1;
    let removed = log.trim_older_than(&user, cutoff, 1).await.unwrap();
    assert_eq!(removed, 1, "trimming is bounded");
    while log.trim_older_than(&user, cutoff, 1).await.unwrap() > 0 {}
    let kept = replay_all(&log, &user).await;
    assert!(kept.iter().all(|e| e.id.ms >= cutoff));
    let last_gone = *ids.iter().filter(|id| id.ms < cutoff).max().unwrap();
    assert!(
        log.replay(&user, EventId::ZERO, 10)
            .await
            .unwrap()
            .truncated
    );
    assert!(!log.replay(&user, last_gone, 10).await.unwrap().truncated);
    assert!(
        tokio::time::timeout(PATIENCE, log.ping())
            .await
            .unwrap()
            .is_ok()
    );
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_trims_on_publish() {
    let mut short = config("retention", None);
    short.retention = Duration::from_millis(300);
    let prefix = short.prefix.clone();
    let log = connect(short).await;
    let user = conformance::fresh_user("retention");
    let one = std::slice::from_ref(&user);
    log.publish(one, Bytes::from_static(b"old")).await.unwrap();
    let old = replay_all(&log, &user).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    log.publish(one, Bytes::from_static(b"new")).await.unwrap();
    let kept = replay_all(&log, &user).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].payload, Bytes::from_static(b"new"));
    let from_start = log.replay(&user, EventId::ZERO, 10).await.unwrap();
    assert!(
        from_start.truncated,
        "the expired event is reported missing"
    );
    assert!(!log.replay(&user, old[0].id, 10).await.unwrap().truncated);
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_delivers_events_whose_notification_was_lost() {
    let gateway_config = config("sweep", Some("A"));
    let prefix = gateway_config.prefix.clone();
    let gateway = connect(gateway_config).await;
    let user = conformance::fresh_user("sweep");
    let mut sub = gateway.subscribe(&user).await.unwrap();

    // Appended behind the publishers' back: no gateway is notified.
    let mut redis = raw().await;
    let id: String = redis::cmd("XADD")
        .arg(format!("{prefix}:{{u:{user}}}:log"))
        .arg("*")
        .arg("p")
        .arg("unannounced")
        .query_async(&mut redis)
        .await
        .unwrap();
    let event = next_event(&mut sub).await;
    assert_eq!(event.payload, Bytes::from_static(b"unannounced"));
    assert_eq!(event.id.to_string(), id, "the stream id is the event id");
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_of_a_dead_gateway_is_deleted_by_a_live_one() {
    let mut live_config = config("dead", Some("live"));
    live_config.dead_gateway_after = Duration::from_secs(1);
    let prefix = live_config.prefix.clone();
    let (dead_inbox, live_inbox) = (
        format!("{prefix}:{{gw:dead}}:inbox"),
        format!("{prefix}:{{gw:live}}:inbox"),
    );
    let gateways = format!("{prefix}:gateways");
    let mut redis = raw().await;
    let () = redis::pipe()
        .cmd("XADD")
        .arg(&dead_inbox)
        .arg("*")
        .arg("u")
        .arg("someone")
        .ignore()
        .cmd("ZADD")
        .arg(&gateways)
        .arg(1)
        .arg("dead")
        .ignore()
        .query_async(&mut redis)
        .await
        .unwrap();

    let live = connect(live_config).await;
    eventually("the dead gateway's inbox is gone", || {
        let (dead_inbox, gateways) = (dead_inbox.clone(), gateways.clone());
        async move {
            let mut redis = raw().await;
            let exists: bool = redis::cmd("EXISTS")
                .arg(dead_inbox)
                .query_async(&mut redis)
                .await
                .unwrap();
            let score: Option<f64> = redis::cmd("ZSCORE")
                .arg(gateways)
                .arg("dead")
                .query_async(&mut redis)
                .await
                .unwrap();
            !exists && score.is_none()
        }
    })
    .await;
    let exists: bool = redis::cmd("EXISTS")
        .arg(&live_inbox)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(exists, "a live gateway keeps its own inbox");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&live_inbox)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        ttl > 0,
        "an inbox nobody heartbeats for expires by itself: {ttl}"
    );
    drop(live);
    cleanup(&prefix).await;
}
