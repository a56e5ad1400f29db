//! Live delivery: order, fan-out to every device, overflow, pruning.

use std::sync::Arc;

use super::{
    LogControl, PATIENCE, assert_increasing, fresh_user, ids, next_live, payload, publish,
    replay_all,
};
use crate::EventLog;

/// Events published after `subscribe` returned arrive live, in log order, with the ids and
/// payloads the log holds.
pub async fn live_events_arrive_in_order(log: &Arc<dyn EventLog>) {
    let user = fresh_user("live");
    let mut sub = log.subscribe(&user).await.unwrap();
    for n in 0..20 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    let mut live = Vec::new();
    for _ in 0..20 {
        live.push(
            next_live(&mut sub)
                .await
                .expect("the subscription ended early"),
        );
    }
    assert_increasing(&ids(&live));
    assert_eq!(live, replay_all(log, &user).await);
}

/// Two subscriptions of one user (two devices) each get every event; another user's
/// subscription gets none of them.
pub async fn every_subscription_of_a_user_receives(log: &Arc<dyn EventLog>) {
    let (user, other) = (fresh_user("devices"), fresh_user("devices-other"));
    let mut phone = log.subscribe(&user).await.unwrap();
    let mut laptop = log.subscribe(&user).await.unwrap();
    let mut elsewhere = log.subscribe(&other).await.unwrap();
    for n in 0..3 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    publish(log, std::slice::from_ref(&other), payload(99)).await;
    let expected = replay_all(log, &user).await;
    for sub in [&mut phone, &mut laptop] {
        for event in &expected {
            assert_eq!(next_live(sub).await.as_ref(), Some(event));
        }
    }
    let first = next_live(&mut elsewhere)
        .await
        .expect("the other user's event");
    assert_eq!(
        first.payload,
        payload(99),
        "no event of another user leaks in"
    );
}

/// A subscription that never reads and overflows ends after what it buffered (a prefix of
/// the log), while every publish still succeeds promptly; a new subscription then works.
pub async fn overflowing_subscription_ends_without_blocking_publish(
    log: &Arc<dyn EventLog>,
    control: &dyn LogControl,
) {
    let user = fresh_user("overflow");
    let subscriber_capacity = control.subscriber_capacity();
    let mut stalled = log.subscribe(&user).await.unwrap();
    let total = subscriber_capacity + 5;
    for n in 0..total {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    let logged = replay_all(log, &user).await;
    assert_eq!(logged.len(), total, "the log keeps everything");
    // Delivery may run behind the publishes (a distributed log's consumer does): reading
    // before it has filled the buffer would make room, so wait for the overflow to end it.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while control.live_subscribers(&user) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a subscription {total} events behind is ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let mut buffered = Vec::new();
    while let Some(event) = next_live(&mut stalled).await {
        buffered.push(event);
        assert!(buffered.len() <= total, "the subscription must end");
    }
    assert!(
        buffered.len() < total,
        "an overflowing subscription is ended"
    );
    assert!(
        buffered.len() <= subscriber_capacity,
        "it buffers at most its capacity"
    );
    assert_eq!(
        buffered,
        logged[..buffered.len()],
        "what it buffered is a prefix of the log"
    );

    let mut fresh = log.subscribe(&user).await.unwrap();
    publish(log, std::slice::from_ref(&user), payload(total)).await;
    let next = next_live(&mut fresh)
        .await
        .expect("a new subscription gets events");
    assert_eq!(next.payload, payload(total));
    assert!(next.id > logged[total - 1].id);
}

/// Dropped subscriptions stop being held (at the latest once an event for their user is
/// published) and do not disturb publishing or the user's other subscriptions.
pub async fn dropped_subscriptions_are_pruned(log: &Arc<dyn EventLog>, control: &dyn LogControl) {
    let user = fresh_user("pruned");
    let kept = log.subscribe(&user).await.unwrap();
    let gone = log.subscribe(&user).await.unwrap();
    assert_eq!(control.live_subscribers(&user), 2);
    drop(gone);
    publish(log, std::slice::from_ref(&user), payload(0)).await;
    assert_eq!(
        control.live_subscribers(&user),
        1,
        "the dropped subscription is pruned"
    );

    let mut kept = kept;
    assert_eq!(
        next_live(&mut kept).await.map(|e| e.payload),
        Some(payload(0))
    );
    drop(kept);
    for n in 1..=3 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    assert_eq!(control.live_subscribers(&user), 0);
    assert_eq!(replay_all(log, &user).await.len(), 4);
}
