//! Retention and readiness: truncation after trimming, ping.

use std::sync::Arc;

use super::{LogControl, fresh_user, ids, payload, publish, replay_all};
use crate::{EventId, EventLog};

/// `truncated` is true exactly when something after the resume point was trimmed; ids keep
/// increasing after a trim.
pub async fn truncation_is_reported_after_trimming(
    log: &Arc<dyn EventLog>,
    control: &dyn LogControl,
) {
    let user = fresh_user("trimmed");
    let one = std::slice::from_ref(&user);
    for n in 0..3 {
        publish(log, one, payload(n)).await;
    }
    let untrimmed = log.replay(&user, EventId::ZERO, 10).await.unwrap();
    assert_eq!(untrimmed.events.len(), 3);
    assert!(
        !untrimmed.truncated,
        "a log never trimmed is complete from the start"
    );
    let old = ids(&untrimmed.events);

    control
        .expire_all(std::slice::from_ref(&user))
        .await
        .expect("expiring failed");
    publish(log, one, payload(3)).await;
    let kept = replay_all(log, &user).await;
    assert_eq!(
        kept.len(),
        1,
        "only the event published after the trim is left"
    );
    assert_eq!(kept[0].payload, payload(3));
    assert!(kept[0].id > old[2], "ids keep increasing after a trim");

    let from_start = log.replay(&user, EventId::ZERO, 10).await.unwrap();
    assert!(from_start.truncated);
    assert_eq!(from_start.events, kept);
    for after in [old[0], old[1]] {
        assert!(
            log.replay(&user, after, 10).await.unwrap().truncated,
            "resume at {after}"
        );
    }
    let at_mark = log.replay(&user, old[2], 10).await.unwrap();
    assert!(
        !at_mark.truncated,
        "nothing after the last trimmed id is missing"
    );
    assert_eq!(at_mark.events, kept);
    let at_end = log.replay(&user, kept[0].id, 10).await.unwrap();
    assert!(at_end.events.is_empty() && !at_end.truncated);
}

/// `ping` answers while the backend is up.
pub async fn ping_answers(log: &Arc<dyn EventLog>) {
    log.ping().await.expect("ping failed");
}
