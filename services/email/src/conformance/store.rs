//! The [`CodeStore`] contract.

use std::sync::Arc;

use crate::{CodeHash, CodeRecord, CodeStore, conformance::fresh_email};

const NOW: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

fn record(code: &str) -> CodeRecord {
    CodeRecord {
        hash: CodeHash::new(code),
        expires_at_ms: NOW + 900_000,
        attempts: 0,
    }
}

/// Runs every check of this suite against `store`.
pub async fn run_all(store: Arc<dyn CodeStore>) {
    missing_address_has_nothing(&store).await;
    put_then_get_round_trips(&store).await;
    put_replaces_the_previous_code(&store).await;
    count_attempt_returns_the_record_before_it(&store).await;
    count_attempt_is_atomic(&store).await;
    consume_deletes_only_the_named_code(&store).await;
    consume_is_won_once(&store).await;
    addresses_are_independent(&store).await;
    count_send_counts_within_the_window(&store).await;
    count_send_is_atomic(&store).await;
    ping_answers(&store).await;
}

/// An address never written has no code, no attempt to count and nothing to consume.
pub async fn missing_address_has_nothing(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    assert_eq!(store.get(&email).await.unwrap(), None);
    assert_eq!(store.count_attempt(&email).await.unwrap(), None);
    assert_eq!(
        store.get(&email).await.unwrap(),
        None,
        "count_attempt must not create a record"
    );
    assert!(!store.consume(&email, &[0; crate::SALT_LEN]).await.unwrap());
}

/// What is put is read back unchanged.
pub async fn put_then_get_round_trips(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let rec = CodeRecord {
        attempts: 2,
        ..record("123456")
    };
    store.put(&email, &rec).await.unwrap();
    assert_eq!(store.get(&email).await.unwrap(), Some(rec));
}

/// A new code replaces the old one, attempts included.
pub async fn put_replaces_the_previous_code(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let old = CodeRecord {
        attempts: 4,
        ..record("111111")
    };
    let new = record("222222");
    store.put(&email, &old).await.unwrap();
    store.put(&email, &new).await.unwrap();
    assert_eq!(store.get(&email).await.unwrap(), Some(new));
    assert!(
        !store.consume(&email, &old.hash.salt).await.unwrap(),
        "the old code is dead"
    );
}

/// Each attempt returns the record as it was and leaves the count one higher.
pub async fn count_attempt_returns_the_record_before_it(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let rec = record("333333");
    store.put(&email, &rec).await.unwrap();
    for n in 0..3 {
        let before = store.count_attempt(&email).await.unwrap().unwrap();
        assert_eq!(before, CodeRecord { attempts: n, ..rec });
    }
    assert_eq!(store.get(&email).await.unwrap().unwrap().attempts, 3);
}

/// Concurrent attempts each see a distinct count: none is lost.
pub async fn count_attempt_is_atomic(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    store.put(&email, &record("444444")).await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, email) = (Arc::clone(store), email.clone());
            tokio::spawn(
                async move { store.count_attempt(&email).await.unwrap().unwrap().attempts },
            )
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..16).collect::<Vec<u32>>());
    assert_eq!(store.get(&email).await.unwrap().unwrap().attempts, 16);
}

/// Consume deletes the code only when the salt names the current code.
pub async fn consume_deletes_only_the_named_code(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let rec = record("555555");
    store.put(&email, &rec).await.unwrap();
    let mut other = rec.hash.salt;
    other[0] ^= 1;
    assert!(!store.consume(&email, &other).await.unwrap());
    assert_eq!(store.get(&email).await.unwrap(), Some(rec));
    assert!(store.consume(&email, &rec.hash.salt).await.unwrap());
    assert_eq!(store.get(&email).await.unwrap(), None);
    assert!(
        !store.consume(&email, &rec.hash.salt).await.unwrap(),
        "consumed once only"
    );
}

/// Of many concurrent consumers of one code, exactly one wins.
pub async fn consume_is_won_once(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let rec = record("666666");
    store.put(&email, &rec).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, email) = (Arc::clone(store), email.clone());
            tokio::spawn(async move { store.consume(&email, &rec.hash.salt).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
}

/// Codes and counters of one address never touch another's.
pub async fn addresses_are_independent(store: &Arc<dyn CodeStore>) {
    let (a, b) = (fresh_email(), fresh_email());
    let rec = record("777777");
    store.put(&a, &rec).await.unwrap();
    assert_eq!(store.get(&b).await.unwrap(), None);
    store.count_attempt(&a).await.unwrap();
    assert!(!store.consume(&b, &rec.hash.salt).await.unwrap());
    assert_eq!(store.get(&a).await.unwrap().unwrap().attempts, 1);
    assert_eq!(store.count_send(&a, NOW, HOUR).await.unwrap(), 1);
    assert_eq!(store.count_send(&a, NOW, HOUR).await.unwrap(), 2);
    assert_eq!(store.count_send(&b, NOW, HOUR).await.unwrap(), 1);
}

/// Sends count up inside a window, and a new window starts from one once it closes.
pub async fn count_send_counts_within_the_window(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    assert_eq!(store.count_send(&email, NOW, HOUR).await.unwrap(), 1);
    assert_eq!(
        store.count_send(&email, NOW + 1_000, HOUR).await.unwrap(),
        2
    );
    assert_eq!(
        store
            .count_send(&email, NOW + HOUR - 1, HOUR)
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.count_send(&email, NOW + HOUR, HOUR).await.unwrap(), 1);
    assert_eq!(
        store
            .count_send(&email, NOW + HOUR + 5, HOUR)
            .await
            .unwrap(),
        2
    );
}

/// Concurrent sends each get a distinct count.
pub async fn count_send_is_atomic(store: &Arc<dyn CodeStore>) {
    let email = fresh_email();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, email) = (Arc::clone(store), email.clone());
            tokio::spawn(async move { store.count_send(&email, NOW, HOUR).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=16).collect::<Vec<u32>>());
}

/// A healthy store answers its ping.
pub async fn ping_answers(store: &Arc<dyn CodeStore>) {
    store.ping().await.unwrap();
}
