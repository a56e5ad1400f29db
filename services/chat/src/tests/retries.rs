//! Sends whose publish failed or hung: the message stays stored, and the retry with the
//! same client_msg_id publishes it exactly once.

use std::time::Duration;

use tonic::Code;

use super::support::{Harness, code_of, send_request};
use crate::conformance::fresh_user;

#[tokio::test]
async fn a_failed_publish_is_completed_by_the_retry_exactly_once() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    h.log.set_failing(true);
    let err = h
        .client
        .send_message(send_request(&a, &conversation, "first", "k"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), code_of(&err)),
        (Code::Unavailable, "unavailable")
    );
    let stored = h
        .store
        .messages_before(&conversation, None, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "the message stays stored");
    assert!(h.events_of(&b).await.is_empty());

    h.log.set_failing(false);
    let retry = h
        .client
        .send_message(send_request(&a, &conversation, "second", "k"))
        .await;
    let retry = retry.unwrap().into_inner();
    assert!(!retry.created);
    let message = retry.message.unwrap();
    assert_eq!(
        (message.id.clone(), message.body.as_str()),
        (stored[0].id.to_string(), "first")
    );
    for member in [&a, &b] {
        let events = h.events_of(member).await;
        assert_eq!(events.len(), 1, "{member}'s log");
        assert_eq!(events[0].message.as_ref(), Some(&message));
    }

    let again = h
        .client
        .send_message(send_request(&a, &conversation, "third", "k"))
        .await;
    assert!(!again.unwrap().into_inner().created);
    assert_eq!(
        h.log.publishes(),
        1,
        "published once, after the first retry"
    );
}

#[tokio::test]
async fn a_hanging_publish_times_out_and_the_retry_publishes() {
    let config = crate::Config {
        node_id: 9,
        publish_timeout: Duration::from_millis(200),
        ..crate::Config::default()
    };
    let mut h = Harness::start_with(config).await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    h.log.set_hanging(true);
    let send = h
        .client
        .send_message(send_request(&a, &conversation, "slow", "k"));
    let err = tokio::time::timeout(Duration::from_secs(5), send)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(code_of(&err), "unavailable");
    assert!(h.events_of(&b).await.is_empty());

    h.log.set_hanging(false);
    let retry = h
        .client
        .send_message(send_request(&a, &conversation, "slow", "k"))
        .await;
    assert!(!retry.unwrap().into_inner().created);
    assert_eq!(h.events_of(&b).await.len(), 1);
}

#[tokio::test]
async fn a_failed_publish_is_republished_once_without_a_retry() {
    let config = crate::Config {
        node_id: 9,
        publish_timeout: Duration::from_millis(100),
        republish_interval: Duration::from_millis(100),
    };
    let mut h = Harness::start_with(config).await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    h.log.set_failing(true);
    let err = h
        .client
        .send_message(send_request(&a, &conversation, "never retried", "k"))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "unavailable");
    // The republisher keeps trying while the log fails.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(h.events_of(&b).await.is_empty());

    h.log.set_failing(false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while h.events_of(&b).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stored message was never republished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Several more passes: it stays published once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for member in [&a, &b] {
        let events = h.events_of(member).await;
        assert_eq!(events.len(), 1, "{member}'s log");
        assert_eq!(events[0].message.as_ref().unwrap().body, "never retried");
    }
    let retry = h
        .client
        .send_message(send_request(&a, &conversation, "never retried", "k"))
        .await;
    assert!(!retry.unwrap().into_inner().created);
    assert_eq!(
        h.events_of(&b).await.len(),
        1,
        "a late retry finds it published"
    );
}
