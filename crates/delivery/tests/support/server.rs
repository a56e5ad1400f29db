//! The Redis outage scenario, on a throwaway redis-server of the test's own.

use std::time::Duration;

use bytes::Bytes;
use gochat_delivery::{
    DeliveryError, EventLog, Subscription, conformance::fresh_user, redis::RedisEventLog,
};
use gochat_tests::servers::ThrowawayRedis;

use super::{PATIENCE, config, next_event, publisher_of, replay_all};

/// Publishes `payload` to `user` until it succeeds (the first calls after a restart may
/// still see the dead connection), failing the test after a while.
async fn publish_until_ok(log: &RedisEventLog, user: &str, payload: &'static [u8]) {
    let deadline = tokio::time::Instant::now() + 2 * PATIENCE;
    loop {
        match log
            .publish(&[user.to_owned()], Bytes::from_static(payload))
            .await
        {
            Ok(()) => return,
            Err(e) => assert!(
                tokio::time::Instant::now() < deadline,
                "publish did not recover: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Redis dies and comes back: calls fail with `Unavailable` meanwhile, then work again on
/// the same `RedisEventLog`s, and a subscription made before the outage gets the events
/// published after it. Without persistence the consumer group and presence are recreated.
pub async fn outage(persistent: bool) {
    let mut server = ThrowawayRedis::start(persistent).await;
    let mut gateway_config = config("outage", Some("A"));
    gateway_config.presence_ttl = Duration::from_secs(3);
    let gateway = RedisEventLog::connect(&server.url(), gateway_config.clone())
        .await
        .unwrap();
    let publisher = RedisEventLog::connect(&server.url(), publisher_of(&gateway_config))
        .await
        .unwrap();
    let user = fresh_user("outage");
    let one = std::slice::from_ref(&user);
    let mut before = gateway.subscribe(&user).await.unwrap();
    publisher
        .publish(one, Bytes::from_static(b"before"))
        .await
        .unwrap();
    let first = next_event(&mut before).await;
    assert_eq!(first.payload, Bytes::from_static(b"before"));

    server.kill();
    let down = tokio::time::timeout(
        PATIENCE,
        publisher.publish(one, Bytes::from_static(b"lost")),
    )
    .await
    .expect("a publish while Redis is down fails promptly");
    assert!(
        matches!(down, Err(DeliveryError::Unavailable(_))),
        "{down:?}"
    );
    assert!(publisher.ping().await.is_err(), "readiness turns false");
    assert!(
        publisher
            .replay(&user, Default::default(), 10)
            .await
            .is_err()
    );

    server.restart().await;
    publish_until_ok(&publisher, &user, b"after").await;
    assert_eq!(
        next_event(&mut before).await.payload,
        Bytes::from_static(b"after"),
        "the subscription made before the outage resumes"
    );
    let logged: Vec<Bytes> = replay_all(&publisher, &user)
        .await
        .into_iter()
        .map(|e| e.payload)
        .collect();
    let expected: &[&[u8]] = if persistent {
        &[b"before", b"after"]
    } else {
        &[b"after"]
    };
    assert_eq!(logged, expected);
    let resumed = publisher.replay(&user, first.id, 10).await.unwrap();
    assert_eq!(
        resumed.truncated, !persistent,
        "a resume from before a restart that lost the data must fall back to history"
    );

    let mut fresh = subscribe_until_ok(&gateway, &user).await;
    publisher
        .publish(one, Bytes::from_static(b"again"))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut fresh).await.payload,
        Bytes::from_static(b"again")
    );
    assert_eq!(
        next_event(&mut before).await.payload,
        Bytes::from_static(b"again")
    );
    gateway
        .ping()
        .await
        .expect("the gateway's connection is back");
}

/// Subscribes `user` until it succeeds (the gateway's connection may need one failed
/// call to notice the restart), failing the test after a while.
async fn subscribe_until_ok(log: &RedisEventLog, user: &str) -> Subscription {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match log.subscribe(user).await {
            Ok(sub) => return sub,
            Err(e) => assert!(
                tokio::time::Instant::now() < deadline,
                "subscribe did not recover: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
