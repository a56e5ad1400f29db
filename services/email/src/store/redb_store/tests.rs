use super::*;
use crate::{CodeHash, conformance};

fn open(dir: &tempfile::TempDir) -> RedbCodeStore {
    RedbCodeStore::open(&dir.path().join("email.redb")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    conformance::store::run_all(Arc::new(open(&dir))).await;
}

#[tokio::test]
async fn codes_and_counters_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let record = CodeRecord {
        hash: CodeHash::new("246810"),
        expires_at_ms: 42,
        attempts: 0,
    };
    {
        let store = open(&dir);
        store.put("ada@example.org", &record).await.unwrap();
        store.count_attempt("ada@example.org").await.unwrap();
        assert_eq!(
            store
                .count_send("ada@example.org", 1_000, 3_600_000)
                .await
                .unwrap(),
            1
        );
    }
    let store = open(&dir);
    let back = store.get("ada@example.org").await.unwrap().unwrap();
    assert_eq!(
        back,
        CodeRecord {
            attempts: 1,
            ..record
        }
    );
    assert!(back.hash.matches("246810"));
    assert_eq!(
        store
            .count_send("ada@example.org", 2_000, 3_600_000)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn the_file_never_holds_the_code_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(&dir);
        let record = CodeRecord {
            hash: CodeHash::new("918273"),
            expires_at_ms: 42,
            attempts: 0,
        };
        store.put("ada@example.org", &record).await.unwrap();
    }
    let bytes = std::fs::read(dir.path().join("email.redb")).unwrap();
    assert!(
        bytes.windows(13).any(|w| w == b"ada@example.o"),
        "the key is stored"
    );
    assert!(!bytes.windows(6).any(|w| w == b"918273"));
}

#[tokio::test]
async fn a_corrupt_record_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let db = Arc::clone(&store.db);
    tokio::task::spawn_blocking(move || {
        let txn = db.begin_write().unwrap();
        txn.open_table(CODES)
            .unwrap()
            .insert("ada@example.org", b"junk".as_slice())
            .unwrap();
        txn.commit().unwrap();
    })
    .await
    .unwrap();
    assert!(matches!(
        store.get("ada@example.org").await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.count_attempt("ada@example.org").await,
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn opening_a_file_twice_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let _first = open(&dir);
    assert!(matches!(
        RedbCodeStore::open(&dir.path().join("email.redb")),
        Err(StoreError::Unavailable(_))
    ));
}
