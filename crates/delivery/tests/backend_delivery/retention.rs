//! Retention: trimming on publish and the low-water mark replay reports.

use std::time::Duration;

use bytes::Bytes;
use gochat_delivery::{EventId, EventLog, conformance};

use crate::support::{PATIENCE, cleanup, config, connect, replay_all};

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
