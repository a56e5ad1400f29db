//! The chat store on a real CQL server (GOCHAT_TEST_CQL_NODE; Apache Cassandra standing in
//! for ScyllaDB): the conformance suite, plus what only this backend can get wrong: the
//! schema, time buckets, finishing writes interrupted between a claim and its rows, and
//! outages. One keyspace per test binary (schema changes are slow); fresh ids per test.

#[path = "backend_chat/buckets.rs"]
mod buckets;
#[path = "backend_chat/claims.rs"]
mod claims;
#[path = "backend_chat/outage.rs"]
mod outage;
#[path = "backend_chat/proxy.rs"]
mod proxy;
#[path = "backend_chat/recovery.rs"]
mod recovery;

use std::sync::{Arc, Mutex};

use gochat_chat::{ChatStore, ScyllaChatStore, conformance, scylla};
use gochat_cql::{CqlConfig, scylla::client::session::Session};
use gochat_tests::servers::{cql_node, unique_name};
use tokio::sync::OnceCell;

/// The keyspace every test of this binary uses, created and migrated once.
static KEYSPACE: OnceCell<String> = OnceCell::const_new();

/// Settings for the test server.
fn config(keyspace: &str) -> CqlConfig {
    CqlConfig {
        contact_points: vec![cql_node()],
        keyspace: keyspace.to_owned(),
        ..CqlConfig::default()
    }
}

/// The migrated keyspace of this binary.
async fn keyspace() -> &'static str {
    KEYSPACE
        .get_or_init(|| async {
            let keyspace = unique_name("chat");
            let session = gochat_cql::connect(&config(&keyspace))
                .await
                .expect("connect to the test CQL server");
            gochat_cql::ensure_keyspace(&session, &keyspace, 1)
                .await
                .expect("create the keyspace");
            scylla::migrate(&session, &keyspace).await.expect("migrate");
            keyspace
        })
        .await
}

/// A new session (each test has its own runtime, so each needs its own session).
async fn session() -> Arc<Session> {
    gochat_cql::connect(&config(keyspace().await))
        .await
        .expect("connect to the test CQL server")
}

/// A store over the shared keyspace, with its own session.
async fn store() -> (Arc<Session>, ScyllaChatStore) {
    let session = session().await;
    let store = ScyllaChatStore::new(Arc::clone(&session), keyspace().await)
        .await
        .expect("prepare the store");
    (session, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite() {
    let (_, store) = store().await;
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn survives_reopen() {
    // Two stores on two sessions: the first is dropped before the second reads.
    let (_, first) = store().await;
    let (_, second) = store().await;
    let stores: Vec<Arc<dyn ChatStore>> = vec![Arc::new(second), Arc::new(first)];
    let stores = Mutex::new(stores);
    conformance::persistence::survives_reopen(|| {
        stores
            .lock()
            .expect("store list")
            .pop()
            .expect("opened at most twice")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_again_changes_nothing() {
    let (session, store) = store().await;
    let keyspace = keyspace().await;
    let (a, b) = (conformance::fresh_user(), conformance::fresh_user());
    let conversation = conformance::group(&[&a, &b], 1_790_000_000_000);
    store.create_conversation(&conversation).await.unwrap();

    scylla::migrate(&session, keyspace)
        .await
        .expect("second migrate");
    scylla::migrate(&session, keyspace)
        .await
        .expect("third migrate");

    assert_eq!(
        store.conversation(&conversation.id).await.unwrap(),
        Some(conversation.clone())
    );
    assert_eq!(store.list_conversations(&a).await.unwrap().len(), 1);
    let mut tables: Vec<String> = session
        .query_unpaged(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
            (keyspace,),
        )
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .rows::<(String,)>()
        .unwrap()
        .map(|row| row.unwrap().0)
        .collect();
    tables.sort();
    assert_eq!(
        tables,
        [
            "blocks",
            "conversation_buckets",
            "conversations",
            "direct_pairs",
            "message_deliveries",
            "message_idempotency",
            "messages",
            "pending_publications",
            "read_markers",
            "user_conversations",
        ]
    );
    assert_eq!(scylla::SCHEMA.len(), tables.len());
    // A store prepared after the re-migration works on the same data.
    let again = ScyllaChatStore::new(Arc::clone(&session), keyspace)
        .await
        .unwrap();
    assert_eq!(
        again.conversation(&conversation.id).await.unwrap(),
        Some(conversation)
    );
}

#[tokio::test]
async fn a_missing_keyspace_is_unavailable() {
    let session = session().await;
    let result = ScyllaChatStore::new(session, &unique_name("absent")).await;
    assert!(
        matches!(result, Err(gochat_chat::StoreError::Unavailable(_))),
        "{:?}",
        result.err()
    );
}

/// A keyspace whose tables predate edits, deletes and membership changes gets their columns
/// from `migrate`, and a store over it edits, deletes and changes members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_adds_the_columns_an_older_keyspace_lacks() {
    let keyspace = unique_name("chat_old");
    let session = Arc::new(
        gochat_cql::connect(&config(&keyspace))
            .await
            .expect("connect to the test CQL server"),
    );
    gochat_cql::ensure_keyspace(&session, &keyspace, 1)
        .await
        .expect("create the keyspace");
    let old_messages = format!(
        "CREATE TABLE {keyspace}.messages (conversation_id text, bucket int, \
         message_id bigint, sender_id text, body text, client_msg_id text, \
         PRIMARY KEY ((conversation_id, bucket), message_id)) \
         WITH CLUSTERING ORDER BY (message_id DESC)"
    );
    session.query_unpaged(old_messages, &[]).await.unwrap();
    let old_conversations = format!(
        "CREATE TABLE {keyspace}.conversations (id text PRIMARY KEY, kind text, \
         member_ids list<text>, title text, created_at_ms bigint)"
    );
    session.query_unpaged(old_conversations, &[]).await.unwrap();
    scylla::migrate(&session, &keyspace).await.expect("migrate");
    scylla::migrate(&session, &keyspace)
        .await
        .expect("migrate again");
    let columns: Vec<(String, String)> = session
        .query_unpaged(
            "SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?",
            (keyspace.as_str(),),
        )
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .rows::<(String, String)>()
        .unwrap()
        .map(|row| row.unwrap())
        .collect();
    for (table, column, _) in scylla::ADDED_COLUMNS {
        assert!(
            columns.iter().any(|(t, c)| t == table && c == column),
            "{table}.{column} in {columns:?}"
        );
    }
    let store: Arc<dyn ChatStore> = Arc::new(
        ScyllaChatStore::new(Arc::clone(&session), &keyspace)
            .await
            .expect("prepare the store"),
    );
    conformance::changes::sender_edits_and_deletes(&store).await;
    conformance::conversations::members_change_by_compare_and_set(&store).await;
}
