use std::sync::Arc;

use gochat_delivery::{
    EventId, EventLog,
    embedded::{DEFAULT_RETENTION, EmbeddedEventLog},
};
use gochat_proto::chat::v1::DeliveryEvent;
use prost::Message as _;

use super::RedbChatStore;
use crate::{
    ChatStore, Conversation, MessageIdGenerator, Publication, StoreError,
    conformance::{self, direct, fresh_user, message_at},
};

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

/// The store opened with the event log in its file, as `gochat local` opens it.
fn open_with_log(dir: &tempfile::TempDir) -> (RedbChatStore, EmbeddedEventLog) {
    RedbChatStore::open_with_event_log(&dir.path().join("chat.redb"), DEFAULT_RETENTION).unwrap()
}

/// A new direct conversation of two fresh users, stored in `store`: (ada, bob, conversation).
async fn direct_of_new_users(store: &dyn ChatStore) -> (String, String, Conversation) {
    let (ada, bob) = (fresh_user(), fresh_user());
    let conversation = direct(&ada, &bob, 1_000);
    store.create_conversation(&conversation).await.unwrap();
    (ada, bob, conversation)
}

/// A publication to every member of `conversation`, without trace context.
fn publication_to(conversation: &Conversation) -> Publication {
    Publication {
        recipients: conversation.member_ids.clone(),
        ..Publication::default()
    }
}

/// The message ids in the delivery events of `user`'s log, oldest first.
async fn published_ids(log: &EmbeddedEventLog, user: &str) -> Vec<String> {
    let replay = log.replay(user, EventId::ZERO, 100).await.unwrap();
    replay
        .events
        .iter()
        .map(|e| {
            DeliveryEvent::decode(e.payload.clone())
                .unwrap()
                .message
                .unwrap()
                .id
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite_with_the_event_log_in_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _log) = open_with_log(&dir);
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test]
async fn with_the_event_log_a_send_is_stored_and_published_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let (store, log) = open_with_log(&dir);
    let (ada, bob, conversation) = direct_of_new_users(&store).await;
    let live = log.subscribe(&bob).await.unwrap();
    let ids = MessageIdGenerator::new(1).unwrap();
    let publication = publication_to(&conversation);

    let first = message_at(&ids, &conversation, &ada, "c1", 2_000);
    let stored = store.store_and_publish(&first, &publication).await.unwrap();
    assert_eq!(stored.message, first);
    assert!(stored.created && stored.published);
    let pushed = DeliveryEvent::decode(live.next().await.unwrap().payload).unwrap();
    assert_eq!(pushed.message.unwrap().id, first.id.to_string());
    for user in [&ada, &bob] {
        assert_eq!(published_ids(&log, user).await, vec![first.id.to_string()]);
    }

    let retry = message_at(&ids, &conversation, &ada, "c1", 3_000);
    let again = store.store_and_publish(&retry, &publication).await.unwrap();
    assert_eq!(
        again.message, first,
        "a retry answers with the first message"
    );
    assert!(!again.created && again.published);
    assert_eq!(
        published_ids(&log, &bob).await.len(),
        1,
        "a retry publishes nothing more"
    );
}

#[tokio::test]
async fn a_message_stored_unpublished_is_published_once_by_its_retry() {
    let dir = tempfile::tempdir().unwrap();
    let (store, log) = open_with_log(&dir);
    let (ada, bob, conversation) = direct_of_new_users(&store).await;
    let ids = MessageIdGenerator::new(1).unwrap();
    let publication = publication_to(&conversation);

    let first = message_at(&ids, &conversation, &ada, "c1", 2_000);
    assert!(!store.store_message(&first).await.unwrap().published);
    assert!(published_ids(&log, &bob).await.is_empty());

    for attempt in 0..2 {
        let retry = message_at(&ids, &conversation, &ada, "c1", 3_000 + attempt);
        let stored = store.store_and_publish(&retry, &publication).await.unwrap();
        assert_eq!(stored.message, first);
        assert!(!stored.created && stored.published);
        assert_eq!(published_ids(&log, &bob).await, vec![first.id.to_string()]);
    }
    let plain = store.store_message(&first).await.unwrap();
    assert!(plain.published, "the unpublished mark is gone");
}

#[tokio::test]
async fn a_store_without_the_event_log_leaves_publishing_to_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let (ada, _, conversation) = direct_of_new_users(store.as_ref()).await;
    let ids = MessageIdGenerator::new(1).unwrap();
    let message = message_at(&ids, &conversation, &ada, "c1", 2_000);
    let stored = store
        .store_and_publish(&message, &Publication::default())
        .await
        .unwrap();
    assert!(stored.created && !stored.published);
}
