use std::sync::Arc;

use super::RedbChatStore;
use crate::{ChatStore, StoreError, conformance};

fn open(dir: &tempfile::TempDir) -> Arc<dyn ChatStore> {
    Arc::new(RedbChatStore::open(&dir.path().join("chat.redb")).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    conformance::run_all(open(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    conformance::persistence::survives_reopen(|| open(&dir)).await;
}

#[tokio::test]
async fn reports_an_unusable_file_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.redb");
    std::fs::write(&path, b"not a redb file").unwrap();
    let result = RedbChatStore::open(&path);
    assert!(matches!(result, Err(StoreError::Unavailable(_))));
}
