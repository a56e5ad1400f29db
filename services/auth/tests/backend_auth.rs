//! `ScyllaStore` against a real CQL server (Cassandra in tests, ScyllaDB in production): the
//! shared conformance suites plus what only this backend has (idempotent schema, recovery
//! from a create that stopped half-way, TTL expiry).
//!
//! Needs `GOCHAT_TEST_CQL_NODE`; run with
//! `cargo test -p gochat-auth --test backend_auth`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gochat_auth::{
    conformance,
    store::{
        AccountRecord, AccountStore, RotateOutcome, ScyllaStore, SessionRecord, SessionStore,
        StoreError, scylla::migrate,
    },
};
use gochat_cql::{CqlConfig, scylla::client::session::Session};
use gochat_runtime::clock::now_ms;
use gochat_tests::servers::{cql_node, unique_name};
use tokio::sync::OnceCell;

/// How long a TTL test waits for a row to vanish at most.
const TTL_WAIT: Duration = Duration::from_secs(30);

/// The keyspace of this test binary, created and migrated once. Only the name is shared:
/// each test has its own runtime, so each opens its own session.
async fn keyspace() -> &'static str {
    static KEYSPACE: OnceCell<String> = OnceCell::const_new();
    KEYSPACE
        .get_or_init(|| async {
            let keyspace = unique_name("auth");
            let session = connect().await;
            gochat_cql::ensure_keyspace(&session, &keyspace, 1)
                .await
                .expect("create keyspace");
            migrate(&session, &keyspace).await.expect("migrate");
            keyspace
        })
        .await
}

async fn connect() -> Arc<Session> {
    let config = CqlConfig {
        contact_points: vec![cql_node()],
        request_timeout: Duration::from_secs(20),
        ..CqlConfig::default()
    };
    gochat_cql::connect(&config).await.expect("connect to CQL")
}

/// A session, the keyspace and a store on it.
async fn open() -> (Arc<Session>, &'static str, ScyllaStore) {
    let keyspace = keyspace().await;
    let session = connect().await;
    let store = ScyllaStore::new(Arc::clone(&session), keyspace)
        .await
        .expect("prepare statements");
    (session, keyspace, store)
}

/// What a create that stopped right after reserving the email leaves behind.
async fn leave_reservation(session: &Session, keyspace: &str, email: &str, account_id: &str) {
    let cql = format!(
        "INSERT INTO {keyspace}.accounts_by_email (email, account_id, committed) \
         VALUES (?, ?, false) IF NOT EXISTS"
    );
    session
        .query_unpaged(cql, (email, account_id))
        .await
        .expect("reserve");
}

/// Polls until the session `id` is gone; panics after [`TTL_WAIT`].
async fn wait_until_gone(store: &ScyllaStore, id: &str) {
    let start = Instant::now();
    while SessionStore::get(store, id).await.expect("get").is_some() {
        assert!(start.elapsed() < TTL_WAIT, "session {id} outlived its TTL");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn scylla_passes_the_account_suite() {
    let (_session, _ks, store) = open().await;
    conformance::run_account_suite(Arc::new(store)).await;
}

#[tokio::test]
async fn scylla_passes_the_session_suite() {
    let (_session, _ks, store) = open().await;
    conformance::run_session_suite(Arc::new(store)).await;
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    let (session, keyspace, store) = open().await;
    let account = conformance::sample_account();
    AccountStore::create(&store, &account)
        .await
        .expect("create");
    migrate(&session, keyspace).await.expect("second migrate");
    migrate(&session, keyspace).await.expect("third migrate");
    let again = ScyllaStore::new(Arc::clone(&session), keyspace)
        .await
        .expect("prepare after migrate");
    assert_eq!(
        AccountStore::get(&again, &account.id).await.expect("get"),
        Some(account)
    );
}

#[tokio::test]
async fn a_reservation_without_its_account_is_taken_over() {
    let (session, keyspace, store) = open().await;
    let stale = conformance::sample_account();
    leave_reservation(&session, keyspace, &stale.email, &stale.id).await;
    let found = store.get_by_email(&stale.email).await.expect("by email");
    assert_eq!(found, None, "a half-done create does not show");

    let fresh = AccountRecord {
        email: stale.email.clone(),
        ..conformance::sample_account()
    };
    AccountStore::create(&store, &fresh)
        .await
        .expect("create takes the reservation over");
    let found = store.get_by_email(&fresh.email).await.expect("by email");
    assert_eq!(found, Some(fresh.clone()));
    assert_eq!(
        AccountStore::get(&store, &stale.id).await.expect("get"),
        None
    );

    let late = AccountRecord {
        email: stale.email.clone(),
        ..conformance::sample_account()
    };
    let err = AccountStore::create(&store, &late)
        .await
        .expect_err("email taken now");
    assert!(matches!(err, StoreError::EmailTaken), "{err:?}");
}

#[tokio::test]
async fn a_reservation_with_its_account_is_completed() {
    let (session, keyspace, store) = open().await;
    let stalled = conformance::sample_account();
    leave_reservation(&session, keyspace, &stalled.email, &stalled.id).await;
    let cql = format!(
        "INSERT INTO {keyspace}.accounts \
         (id, email, display_name, status, password_hash, created_at_ms) \
         VALUES (?, ?, ?, 'pending', ?, ?)"
    );
    let row = (
        &stalled.id,
        &stalled.email,
        &stalled.display_name,
        &stalled.password_hash,
        stalled.created_at_ms,
    );
    session.query_unpaged(cql, row).await.expect("account row");
    assert_eq!(store.get_by_email(&stalled.email).await.expect("get"), None);

    let rival = AccountRecord {
        email: stalled.email.clone(),
        ..conformance::sample_account()
    };
    let err = AccountStore::create(&store, &rival)
        .await
        .expect_err("the stalled account wins");
    assert!(matches!(err, StoreError::EmailTaken), "{err:?}");
    let found = store.get_by_email(&stalled.email).await.expect("by email");
    assert_eq!(found, Some(stalled));
    assert_eq!(
        AccountStore::get(&store, &rival.id).await.expect("get"),
        None
    );
}

#[tokio::test]
async fn retrying_a_half_done_create_finishes_it() {
    let (session, keyspace, store) = open().await;
    let account = conformance::sample_account();
    leave_reservation(&session, keyspace, &account.email, &account.id).await;
    AccountStore::create(&store, &account)
        .await
        .expect("the retry completes");
    let found = store.get_by_email(&account.email).await.expect("by email");
    assert_eq!(found, Some(account));
}

#[tokio::test]
async fn a_session_row_vanishes_at_its_expiry() {
    let (_session, _ks, store) = open().await;
    let session = SessionRecord {
        expires_at_ms: now_ms() + 4_000,
        ..conformance::sample_session()
    };
    SessionStore::create(&store, &session)
        .await
        .expect("create");
    assert!(
        SessionStore::get(&store, &session.id)
            .await
            .expect("get")
            .is_some()
    );
    wait_until_gone(&store, &session.id).await;
    let late = store
        .rotate(
            &session.id,
            &session.secret_hash,
            &conformance::sample_hash(),
            now_ms(),
            now_ms() + 60_000,
        )
        .await
        .expect("rotate");
    assert_eq!(late, RotateOutcome::Invalid);
}

#[tokio::test]
async fn a_rotation_that_shortens_the_expiry_ends_the_session_sooner() {
    let (_session, _ks, store) = open().await;
    let session = conformance::sample_session();
    SessionStore::create(&store, &session)
        .await
        .expect("create");
    let next = conformance::sample_hash();
    let outcome = store
        .rotate(
            &session.id,
            &session.secret_hash,
            &next,
            now_ms(),
            now_ms() + 4_000,
        )
        .await
        .expect("rotate");
    assert!(matches!(outcome, RotateOutcome::Rotated(_)), "{outcome:?}");
    wait_until_gone(&store, &session.id).await;
}

#[tokio::test]
async fn a_rotation_keeps_the_session_past_its_first_expiry() {
    let (_session, _ks, store) = open().await;
    let session = SessionRecord {
        expires_at_ms: now_ms() + 4_000,
        ..conformance::sample_session()
    };
    SessionStore::create(&store, &session)
        .await
        .expect("create");
    let (next, expiry) = (conformance::sample_hash(), now_ms() + 3_600_000);
    let outcome = store
        .rotate(&session.id, &session.secret_hash, &next, now_ms(), expiry)
        .await
        .expect("rotate");
    let RotateOutcome::Rotated(rotated) = outcome else {
        panic!("expected Rotated, got {outcome:?}");
    };
    tokio::time::sleep(Duration::from_millis(6_000)).await;
    let stored = SessionStore::get(&store, &session.id).await.expect("get");
    assert_eq!(stored, Some(rotated), "every cell took the new TTL");
}

#[tokio::test]
async fn a_revoked_session_keeps_its_expiry() {
    let (_session, _ks, store) = open().await;
    let session = SessionRecord {
        expires_at_ms: now_ms() + 5_000,
        ..conformance::sample_session()
    };
    SessionStore::create(&store, &session)
        .await
        .expect("create");
    assert!(store.revoke(&session.id).await.expect("revoke"));
    let stored = SessionStore::get(&store, &session.id).await.expect("get");
    assert_eq!(
        stored,
        Some(SessionRecord {
            revoked: true,
            ..session.clone()
        })
    );
    wait_until_gone(&store, &session.id).await;
    assert!(!store.revoke(&session.id).await.expect("revoke gone"));
}

#[tokio::test]
async fn races_have_one_winner_every_time() {
    let (_session, _ks, store) = open().await;
    let store = Arc::new(store);
    let accounts: Arc<dyn AccountStore> = store.clone();
    let sessions: Arc<dyn SessionStore> = store;
    for _ in 0..10 {
        conformance::concurrent_creates_have_one_winner(&accounts).await;
        conformance::concurrent_rotations_have_one_winner(&sessions).await;
    }
}

#[tokio::test]
async fn racing_takeovers_of_a_stale_reservation_have_one_winner() {
    let (session, keyspace, store) = open().await;
    let store = Arc::new(store);
    for _ in 0..5 {
        let stale = conformance::sample_account();
        leave_reservation(&session, keyspace, &stale.email, &stale.id).await;
        let contenders: Vec<AccountRecord> = (0..8)
            .map(|_| AccountRecord {
                email: stale.email.clone(),
                ..conformance::sample_account()
            })
            .collect();
        let attempts: Vec<_> = contenders
            .iter()
            .cloned()
            .map(|account| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { AccountStore::create(&*store, &account).await })
            })
            .collect();
        let mut winners = Vec::new();
        for (attempt, account) in attempts.into_iter().zip(&contenders) {
            match attempt.await.expect("task") {
                Ok(()) => winners.push(account.clone()),
                Err(StoreError::EmailTaken) => {}
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let found = store.get_by_email(&stale.email).await.expect("by email");
        assert_eq!(found.as_ref(), winners.first());
        for loser in contenders.iter().filter(|a| a.id != winners[0].id) {
            let row = AccountStore::get(&*store, &loser.id).await.expect("get");
            assert_eq!(row, None, "a losing create leaves no account row");
        }
    }
}
