//! Presence: where a user is connected, and when that ends.

use std::time::Duration;

use bytes::Bytes;
use gochat_delivery::{EventLog, conformance};

use crate::support::{self, cleanup, config, connect, eventually, inbox_users, next_event, raw};

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
