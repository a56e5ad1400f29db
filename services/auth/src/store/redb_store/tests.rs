use std::sync::Arc;

use super::*;
use crate::{
    conformance,
    store::{AccountStore, SessionRecord, SessionStore},
};

fn open() -> (tempfile::TempDir, RedbStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(&dir.path().join(STORE_FILE)).unwrap();
    (dir, store)
}

#[tokio::test]
async fn redb_passes_the_account_suite() {
    let (_dir, store) = open();
    conformance::run_account_suite(Arc::new(store)).await;
}

#[tokio::test]
async fn redb_passes_the_session_suite() {
    let (_dir, store) = open();
    conformance::run_session_suite(Arc::new(store)).await;
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    let account = conformance::sample_account();
    {
        let store = RedbStore::open(&path).unwrap();
        AccountStore::create(&store, &account).await.unwrap();
    }
    let store = RedbStore::open(&path).unwrap();
    assert_eq!(
        AccountStore::get(&store, &account.id).await.unwrap(),
        Some(account)
    );
}

#[tokio::test]
async fn purge_drops_only_dead_sessions() {
    let (_dir, store) = open();
    let live = conformance::sample_session();
    let expired = SessionRecord {
        expires_at_ms: 1,
        ..conformance::sample_session()
    };
    let revoked = SessionRecord {
        revoked: true,
        ..conformance::sample_session()
    };
    for session in [&live, &expired, &revoked] {
        SessionStore::create(&store, session).await.unwrap();
    }
    assert_eq!(
        store
            .purge_sessions(gochat_runtime::clock::now_ms())
            .unwrap(),
        2
    );
    assert_eq!(
        SessionStore::get(&store, &live.id).await.unwrap(),
        Some(live)
    );
    assert_eq!(SessionStore::get(&store, &expired.id).await.unwrap(), None);
    assert_eq!(SessionStore::get(&store, &revoked.id).await.unwrap(), None);
}
