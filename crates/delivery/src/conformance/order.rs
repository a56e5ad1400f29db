//! Publishing and replaying: ids, recipients, resume points, paging, concurrency.

use std::{collections::HashSet, sync::Arc};

use super::{assert_increasing, fresh_user, ids, payload, publish, replay_all};
use crate::{EventId, EventLog};

/// Ids strictly increase within a user's log, events keep publish order, and a user never
/// published to has an empty, untruncated log.
pub async fn ids_increase_per_user(log: &Arc<dyn EventLog>) {
    let user = fresh_user("ids");
    let empty = log.replay(&user, EventId::ZERO, 10).await.unwrap();
    assert!(
        empty.events.is_empty() && !empty.truncated,
        "unknown user: {empty:?}"
    );

    for n in 0..50 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    let events = replay_all(log, &user).await;
    assert_eq!(events.len(), 50);
    assert_increasing(&ids(&events));
    for (n, event) in events.iter().enumerate() {
        assert_eq!(event.payload, payload(n), "event {n} out of publish order");
    }
}

/// One publish lands once in each recipient's log and nowhere else; no recipients is a
/// no-op.
pub async fn publish_lands_in_every_recipients_log(log: &Arc<dyn EventLog>) {
    let users: Vec<String> = (0..3).map(|_| fresh_user("fanout")).collect();
    let bystander = fresh_user("bystander");
    publish(log, &users, payload(7)).await;
    log.publish(&[], payload(8))
        .await
        .expect("publishing to nobody succeeds");
    for user in &users {
        let events = replay_all(log, user).await;
        assert_eq!(events.len(), 1, "{user} must get the event once");
        assert_eq!(events[0].payload, payload(7));
    }
    assert!(replay_all(log, &bystander).await.is_empty());

    publish(log, &users[..1], payload(9)).await;
    assert_eq!(replay_all(log, &users[0]).await.len(), 2);
    assert_eq!(
        replay_all(log, &users[1]).await.len(),
        1,
        "others' logs are untouched"
    );
}

/// Replay after an id returns exactly the later events, oldest first, at most `limit`.
pub async fn replay_returns_later_events_in_order(log: &Arc<dyn EventLog>) {
    let user = fresh_user("replay");
    for n in 0..10 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    let all = replay_all(log, &user).await;
    assert_eq!(all.len(), 10);

    let after_3 = log.replay(&user, all[3].id, 100).await.unwrap();
    assert_eq!(after_3.events, all[4..].to_vec());
    assert!(!after_3.truncated);

    let limited = log.replay(&user, all[3].id, 3).await.unwrap();
    assert_eq!(limited.events, all[4..7].to_vec());

    let first_two = log.replay(&user, EventId::ZERO, 2).await.unwrap();
    assert_eq!(first_two.events, all[..2].to_vec());

    assert!(
        log.replay(&user, all[9].id, 100)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    assert!(
        log.replay(&user, all[3].id, 0)
            .await
            .unwrap()
            .events
            .is_empty()
    );

    let beyond = EventId::new(u64::MAX, u64::MAX);
    let none = log.replay(&user, beyond, 100).await.unwrap();
    assert!(none.events.is_empty() && !none.truncated);
}

/// Paging with the last id of each page as the next `after` sees every event exactly once.
pub async fn paging_sees_every_event_once(log: &Arc<dyn EventLog>) {
    let user = fresh_user("paging");
    for n in 0..25 {
        publish(log, std::slice::from_ref(&user), payload(n)).await;
    }
    let mut seen = Vec::new();
    let mut after = EventId::ZERO;
    loop {
        let page = log.replay(&user, after, 4).await.unwrap();
        assert!(page.events.len() <= 4);
        let Some(last) = page.events.last() else {
            break;
        };
        after = last.id;
        seen.extend(page.events);
        assert!(seen.len() <= 25, "paging must terminate");
    }
    assert_eq!(seen, replay_all(log, &user).await);
    assert_eq!(seen.len(), 25);
}

/// Concurrent publishes to one user get unique, strictly increasing ids, and a live
/// subscription sees them in id order.
pub async fn concurrent_publishes_get_unique_increasing_ids(log: &Arc<dyn EventLog>) {
    const TASKS: usize = 6;
    const EACH: usize = 8;
    let user = fresh_user("concurrent");
    let mut sub = log.subscribe(&user).await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let (log, users) = (
            Arc::clone(log),
            vec![user.clone(), fresh_user("concurrent-other")],
        );
        tasks.spawn(async move {
            for n in 0..EACH {
                publish(&log, &users, payload(task * EACH + n)).await;
            }
        });
    }
    let mut live = Vec::new();
    while live.len() < TASKS * EACH {
        match super::next_live(&mut sub).await {
            Some(event) => live.push(event),
            None => break,
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a publishing task panicked");
    }

    let events = replay_all(log, &user).await;
    assert_eq!(events.len(), TASKS * EACH);
    assert_increasing(&ids(&events));
    let payloads: HashSet<_> = events.iter().map(|e| e.payload.clone()).collect();
    assert_eq!(payloads.len(), TASKS * EACH, "every publish landed once");
    assert_eq!(
        live,
        events[..live.len()],
        "live events arrive in log order"
    );
}
