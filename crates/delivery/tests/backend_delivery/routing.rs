//! Which gateways hear about an event: per-gateway inboxes, their heartbeats, the sweep that
//! catches lost notifications, and the cleanup of a dead gateway's inbox.

use std::time::Duration;

use bytes::Bytes;
use gochat_delivery::{DeliveryError, EventLog, conformance};

use crate::support::{
    self, cleanup, config, connect, eventually, inbox_users, next_event, raw, replay_all,
};

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
