//! Order under concurrent publishers.

use bytes::Bytes;
use gochat_delivery::{EventLog, conformance};

use crate::support::{self, cleanup, config, connect, next_event, replay_all};

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
