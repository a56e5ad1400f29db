use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use tempfile::TempDir;

use super::{EmbeddedEventLog, ManualClock, Trimmed};
use crate::{
    DeliveryError, EventId, EventLog,
    conformance::{self, LogControl},
};

const START_MS: u64 = 1_700_000_000_000;
const RETENTION: Duration = Duration::from_secs(60);
const SECOND: Duration = Duration::from_secs(1);

/// A log in a fresh temp dir, read through a manual clock starting at `START_MS`.
fn manual_log(dir: &TempDir) -> (EmbeddedEventLog, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START_MS));
    let log = EmbeddedEventLog::open(&dir.path().join("events.redb"))
        .unwrap()
        .with_clock(clock.clone())
        .with_retention(RETENTION);
    (log, clock)
}

fn users(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

async fn all(log: &EmbeddedEventLog, user: &str) -> Vec<EventId> {
    log.replay(user, EventId::ZERO, 10_000)
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.id)
        .collect()
}

/// Drives trimming by moving the manual clock past the retention.
struct ManualControl {
    log: EmbeddedEventLog,
    clock: Arc<ManualClock>,
    capacity: usize,
}

#[async_trait]
impl LogControl for ManualControl {
    async fn expire_all(&self, _users: &[String]) -> Result<(), DeliveryError> {
        self.clock.advance(RETENTION + Duration::from_millis(1));
        while self.log.trim_now().await?.more {}
        Ok(())
    }

    fn live_subscribers(&self, user: &str) -> usize {
        self.log.live_subscribers(user)
    }

    fn subscriber_capacity(&self) -> usize {
        self.capacity
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_conformance_suite() {
    let dir = TempDir::new().unwrap();
    let (log, clock) = manual_log(&dir);
    let log = log.with_subscriber_capacity(64).with_trim_batch(2);
    let control = ManualControl {
        log: log.clone(),
        clock,
        capacity: 64,
    };
    conformance::run_all(Arc::new(log), Arc::new(control)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_core_suite_on_the_system_clock() {
    let dir = TempDir::new().unwrap();
    let log = EmbeddedEventLog::open(&dir.path().join("events.redb")).unwrap();
    conformance::run_core(Arc::new(log)).await;
}

#[tokio::test]
async fn a_reopened_log_keeps_events_last_ids_and_low_water_marks() {
    let dir = TempDir::new().unwrap();
    let (before, trimmed_ids) = {
        let (log, clock) = manual_log(&dir);
        for n in 0..3u8 {
            log.publish(&users(&["ada"]), Bytes::from(vec![n]))
                .await
                .unwrap();
        }
        let trimmed_ids = all(&log, "ada").await;
        clock.advance(RETENTION + SECOND);
        assert_eq!(
            log.trim_now().await.unwrap(),
            Trimmed {
                events: 3,
                more: false
            }
        );
        log.publish(&users(&["ada", "bob"]), Bytes::from_static(b"kept"))
            .await
            .unwrap();
        (
            log.replay("ada", EventId::ZERO, 10).await.unwrap(),
            trimmed_ids,
        )
    };
    assert!(before.truncated);
    assert_eq!(before.events.len(), 1);

    // The clock is back at the start: new ids must still continue above the old ones.
    let (log, _clock) = manual_log(&dir);
    let after = log.replay("ada", EventId::ZERO, 10).await.unwrap();
    assert_eq!(
        after, before,
        "events and the low-water mark survive reopening"
    );
    assert!(
        log.replay("ada", trimmed_ids[1], 10)
            .await
            .unwrap()
            .truncated
    );
    assert!(
        !log.replay("ada", trimmed_ids[2], 10)
            .await
            .unwrap()
            .truncated
    );
    assert_eq!(all(&log, "bob").await.len(), 1);

    log.publish(&users(&["ada"]), Bytes::from_static(b"new"))
        .await
        .unwrap();
    let ids = all(&log, "ada").await;
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > ids[0], "{} must follow {}", ids[1], ids[0]);
}

#[tokio::test]
async fn ids_keep_increasing_when_the_clock_steps_back() {
    let dir = TempDir::new().unwrap();
    let (log, clock) = manual_log(&dir);
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    clock.set(START_MS - 5_000);
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    clock.set(START_MS + 1);
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    assert_eq!(
        all(&log, "ada").await,
        [
            EventId::new(START_MS, 0),
            EventId::new(START_MS, 1),
            EventId::new(START_MS, 2),
            EventId::new(START_MS + 1, 0),
        ]
    );
}

#[tokio::test]
async fn each_user_counts_its_own_sequence_within_a_millisecond() {
    let dir = TempDir::new().unwrap();
    let (log, _clock) = manual_log(&dir);
    log.publish(&users(&["ada", "bob"]), Bytes::new())
        .await
        .unwrap();
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    log.publish(&users(&["bob", "ada"]), Bytes::new())
        .await
        .unwrap();
    assert_eq!(
        all(&log, "ada").await,
        (0..3)
            .map(|s| EventId::new(START_MS, s))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        all(&log, "bob").await,
        [EventId::new(START_MS, 0), EventId::new(START_MS, 1)]
    );
}

#[tokio::test]
async fn a_repeated_recipient_gets_the_event_once() {
    let dir = TempDir::new().unwrap();
    let (log, _clock) = manual_log(&dir);
    let sub = log.subscribe("ada").await.unwrap();
    log.publish(&users(&["ada", "bob", "ada"]), Bytes::from_static(b"hi"))
        .await
        .unwrap();
    log.publish(&users(&["bob"]), Bytes::new()).await.unwrap();
    assert_eq!(all(&log, "ada").await.len(), 1);
    assert_eq!(all(&log, "bob").await.len(), 2);
    assert_eq!(sub.next().await.unwrap().id, EventId::new(START_MS, 0));
    drop(log);
    assert_eq!(sub.next().await, None, "nothing else was sent to ada");
}

#[tokio::test]
async fn trimming_removes_only_expired_events_and_raises_the_low_water_mark() {
    let dir = TempDir::new().unwrap();
    let (log, clock) = manual_log(&dir);
    for _ in 0..2 {
        log.publish(&users(&["ada", "bob"]), Bytes::new())
            .await
            .unwrap();
        clock.advance(30 * SECOND);
    }
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    let ids = all(&log, "ada").await;

    // Now START + 60 s: only the events of START are older than the 60 s retention.
    clock.advance(SECOND);
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed {
            events: 2,
            more: false
        }
    );
    assert_eq!(all(&log, "ada").await, ids[1..]);
    assert_eq!(all(&log, "bob").await.len(), 1);
    let replay = log.replay("ada", EventId::ZERO, 10).await.unwrap();
    assert!(replay.truncated);
    assert!(!log.replay("ada", ids[0], 10).await.unwrap().truncated);
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed::default(),
        "nothing else is old"
    );
}

#[tokio::test]
async fn a_trim_pass_is_bounded_by_its_batch() {
    let dir = TempDir::new().unwrap();
    let (log, clock) = manual_log(&dir);
    let log = log.with_trim_batch(3);
    for _ in 0..7 {
        log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    }
    clock.advance(RETENTION + SECOND);
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed {
            events: 3,
            more: true
        }
    );
    assert_eq!(all(&log, "ada").await.len(), 4);
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed {
            events: 3,
            more: true
        }
    );
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed {
            events: 1,
            more: false
        }
    );
    assert!(all(&log, "ada").await.is_empty());
}

#[tokio::test]
async fn publishing_trims_when_a_pass_is_due() {
    let dir = TempDir::new().unwrap();
    let (log, clock) = manual_log(&dir);
    let log = log.with_trim_interval(30 * SECOND).with_trim_batch(2);
    for _ in 0..5 {
        log.publish(&users(&["old"]), Bytes::new()).await.unwrap();
    }
    clock.advance(30 * SECOND);
    log.publish(&users(&["mid"]), Bytes::new()).await.unwrap();

    clock.set(START_MS + 61_000);
    log.publish(&users(&["new"]), Bytes::new()).await.unwrap();
    assert_eq!(all(&log, "old").await.len(), 3, "one bounded pass ran");
    log.publish(&users(&["new"]), Bytes::new()).await.unwrap();
    assert_eq!(
        all(&log, "old").await.len(),
        1,
        "a backlog keeps the next pass due"
    );
    log.publish(&users(&["new"]), Bytes::new()).await.unwrap();
    assert!(all(&log, "old").await.is_empty());

    // 29.5 s after the last pass; `mid` expired 0.5 s ago.
    clock.set(START_MS + 90_500);
    log.publish(&users(&["new"]), Bytes::new()).await.unwrap();
    assert_eq!(
        all(&log, "mid").await.len(),
        1,
        "expired, but the interval has not passed"
    );
    clock.set(START_MS + 92_000);
    log.publish(&users(&["new"]), Bytes::new()).await.unwrap();
    assert!(
        all(&log, "mid").await.is_empty(),
        "the interval passed, so a pass ran"
    );
    assert_eq!(all(&log, "new").await.len(), 5, "recent events stay");
}

#[tokio::test]
async fn an_overflowing_subscription_keeps_exactly_its_capacity() {
    let dir = TempDir::new().unwrap();
    let (log, _clock) = manual_log(&dir);
    let log = log.with_subscriber_capacity(4);
    let stalled = log.subscribe("ada").await.unwrap();
    for _ in 0..6 {
        log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    }
    assert_eq!(log.live_subscribers("ada"), 0);
    let mut got = Vec::new();
    while let Some(event) = stalled.next().await {
        got.push(event.id);
    }
    assert_eq!(got, all(&log, "ada").await[..4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_publishes_get_unique_increasing_ids() {
    let dir = TempDir::new().unwrap();
    let log = Arc::new(EmbeddedEventLog::open(&dir.path().join("events.redb")).unwrap());
    let sub = log.subscribe("ada").await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..16u8 {
        let log = Arc::clone(&log);
        tasks.spawn(async move {
            for n in 0..25u8 {
                log.publish(&users(&["ada", "bob"]), Bytes::from(vec![task, n]))
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let ids = all(&log, "ada").await;
    assert_eq!(ids.len(), 400);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ids strictly increase"
    );
    let mut live = Vec::new();
    for _ in 0..400 {
        live.push(sub.next().await.unwrap().id);
    }
    assert_eq!(live, ids, "live subscribers see commit order");
}

#[tokio::test]
async fn open_creates_the_folder_and_reports_a_bad_path() {
    let dir = TempDir::new().unwrap();
    let nested = dir.path().join("a/b/events.redb");
    let log = EmbeddedEventLog::open(&nested).unwrap();
    log.ping().await.unwrap();
    assert!(nested.exists());
    assert!(matches!(
        EmbeddedEventLog::open(dir.path()),
        Err(DeliveryError::Unavailable(_))
    ));
}

#[tokio::test]
async fn nothing_is_trimmed_before_the_retention_has_passed() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::new(10));
    let log = EmbeddedEventLog::open(&dir.path().join("events.redb"))
        .unwrap()
        .with_clock(clock.clone())
        .with_retention(RETENTION);
    log.publish(&users(&["ada"]), Bytes::new()).await.unwrap();
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed::default(),
        "cutoff before the epoch"
    );
    clock.advance(RETENTION);
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed::default(),
        "exactly the retention old"
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        log.trim_now().await.unwrap(),
        Trimmed {
            events: 1,
            more: false
        }
    );
}

/// A log opened in a database of its own, written through a shared-database writer as the
/// chat store does.
fn shared_log(dir: &TempDir) -> (EmbeddedEventLog, Arc<gochat_group_commit::GroupCommit>) {
    let db = Arc::new(gochat_group_commit::open_database(&dir.path().join("shared.redb")).unwrap());
    let writer =
        Arc::new(gochat_group_commit::GroupCommit::new(Arc::clone(&db), "shared").unwrap());
    let log = EmbeddedEventLog::open_in(db, Arc::clone(&writer)).unwrap();
    (log, writer)
}

#[tokio::test]
async fn an_append_inside_a_callers_write_is_persisted_and_delivered_with_it() {
    let dir = TempDir::new().unwrap();
    let (log, writer) = shared_log(&dir);
    let live = log.subscribe("ada").await.unwrap();
    let appender = log.appender();
    let appended = writer
        .write(
            move |txn| {
                appender.append(
                    txn,
                    &users(&["ada", "bob", "ada"]),
                    &Bytes::from_static(b"m1"),
                )
            },
            super::Appended::notify,
            DeliveryError::Unavailable,
        )
        .await
        .unwrap();
    drop(appended);
    let event = live.next().await.unwrap();
    assert_eq!(event.payload, Bytes::from_static(b"m1"));
    assert_eq!(
        all(&log, "ada").await,
        vec![event.id],
        "one event for a repeated recipient"
    );
    assert_eq!(all(&log, "bob").await.len(), 1);
}

#[tokio::test]
async fn an_append_in_a_failed_write_leaves_no_event_and_notifies_nobody() {
    let dir = TempDir::new().unwrap();
    let (log, writer) = shared_log(&dir);
    let live = log.subscribe("ada").await.unwrap();
    let appender = log.appender();
    let failed = writer
        .write(
            move |txn| {
                appender.append(txn, &users(&["ada"]), &Bytes::from_static(b"lost"))?;
                Err::<super::Appended, _>(DeliveryError::Unavailable(
                    "the caller's write failed".into(),
                ))
            },
            super::Appended::notify,
            DeliveryError::Unavailable,
        )
        .await;
    assert!(failed.is_err());
    assert!(all(&log, "ada").await.is_empty());
    log.publish(&users(&["ada"]), Bytes::from_static(b"next"))
        .await
        .unwrap();
    let event = live.next().await.unwrap();
    assert_eq!(
        event.payload,
        Bytes::from_static(b"next"),
        "the failed append was never delivered"
    );
}

#[tokio::test]
async fn importing_a_separate_log_keeps_events_ids_and_truncation_and_is_repeatable() {
    let dir = TempDir::new().unwrap();
    let (old, clock) = manual_log(&dir);
    old.publish(&users(&["ada"]), Bytes::from_static(b"expired"))
        .await
        .unwrap();
    let expired = all(&old, "ada").await[0];
    clock.advance(RETENTION + SECOND);
    while old.trim_now().await.unwrap().more {}
    old.publish(&users(&["ada", "bob"]), Bytes::from_static(b"kept"))
        .await
        .unwrap();
    let before = old.replay("ada", EventId::ZERO, 10).await.unwrap();
    let old_last = all(&old, "ada").await[0];
    drop(old);

    // The shared log's clock is back at the start, behind every imported id.
    let (log, _writer) = shared_log(&dir);
    let log = log
        .with_clock(Arc::new(ManualClock::new(START_MS)))
        .with_retention(RETENTION);
    let path = dir.path().join("events.redb");
    let imported = log.import(&path).await.unwrap();
    assert_eq!(
        imported,
        super::Imported {
            events: 2,
            marks: 1
        }
    );
    assert_eq!(log.replay("ada", EventId::ZERO, 10).await.unwrap(), before);
    assert!(
        log.replay("ada", EventId::ZERO, 10)
            .await
            .unwrap()
            .truncated
    );
    assert!(!log.replay("ada", expired, 10).await.unwrap().truncated);
    assert_eq!(all(&log, "bob").await.len(), 1);

    log.import(&path).await.unwrap();
    assert_eq!(
        all(&log, "ada").await,
        vec![old_last],
        "a second import adds nothing"
    );

    log.publish(&users(&["ada"]), Bytes::from_static(b"new"))
        .await
        .unwrap();
    let ids = all(&log, "ada").await;
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > old_last, "{} must follow {old_last}", ids[1]);
}

#[tokio::test]
async fn ids_stay_above_trimmed_ones_when_every_event_is_gone_and_the_clock_is_back() {
    let dir = TempDir::new().unwrap();
    let trimmed = {
        let (log, clock) = manual_log(&dir);
        log.publish(&users(&["ada"]), Bytes::from_static(b"old"))
            .await
            .unwrap();
        let ids = all(&log, "ada").await;
        clock.advance(RETENTION + SECOND);
        while log.trim_now().await.unwrap().more {}
        assert!(all(&log, "ada").await.is_empty());
        ids[0]
    };
    let (log, _clock) = manual_log(&dir);
    log.publish(&users(&["ada"]), Bytes::from_static(b"new"))
        .await
        .unwrap();
    let next = all(&log, "ada").await[0];
    assert!(next > trimmed, "{next} must follow the trimmed {trimmed}");
}
