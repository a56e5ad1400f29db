//! Sends that claim their idempotency keys in Redis instead of a lightweight transaction:
//! the conformance suite (concurrent duplicate sends included), and what a lost or expired
//! claim, or a claimer that died after claiming, must not break.

use std::{sync::Arc, time::Duration};

use gochat_chat::{
    ChatStore, Conversation, MessageIdGenerator, ScyllaChatStore, conformance,
    conformance::{fresh_user, group, message_at},
    scylla::{DEFAULT_CLAIM_TTL, SendClaims, claim_key},
};
use gochat_tests::servers::{ThrowawayRedis, redis_url, unique_name};

use super::store;

/// A base time after the message-id epoch.
const T0: i64 = 1_786_000_000_000;

async fn connection(url: &str) -> redis::aio::ConnectionManager {
    let client = redis::Client::open(url).expect("a Redis URL");
    redis::aio::ConnectionManager::new(client)
        .await
        .expect("connect to Redis")
}

/// The store over the shared keyspace, claiming in the Redis at `url` under a fresh prefix,
/// and that prefix.
async fn claiming_store(url: &str, ttl: Duration) -> (ScyllaChatStore, String) {
    let (_, store) = store().await;
    let prefix = unique_name("claims");
    let claims = SendClaims::new(connection(url).await, &prefix).with_ttl(ttl);
    (store.with_claims(claims), prefix)
}

/// A new group of two fresh users, stored in `store`: (its first member, the conversation).
async fn group_of_new_users(store: &dyn ChatStore) -> (String, Conversation) {
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    (a, conversation)
}

/// `gochat_chat_send_claims_total{outcome="decided_by_row"}` as this process exports it.
fn claims_decided_by_row() -> u64 {
    let text = gochat_telemetry::metrics::render().expect("metrics render");
    text.lines()
        .find_map(|line| {
            line.strip_prefix(r#"gochat_chat_send_claims_total{outcome="decided_by_row"} "#)
        })
        .map_or(0, |value| value.trim().parse().expect("a counter value"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite_with_claims_in_redis() {
    let (store, _) = claiming_store(&redis_url(), DEFAULT_CLAIM_TTL).await;
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_after_redis_lost_every_claim_gets_the_first_message() {
    let mut redis = ThrowawayRedis::start(false).await;
    let store: Arc<dyn ChatStore> =
        Arc::new(claiming_store(&redis.url(), DEFAULT_CLAIM_TTL).await.0);
    let (a, conversation) = group_of_new_users(store.as_ref()).await;
    let ids = MessageIdGenerator::new(12).unwrap();
    let first = message_at(&ids, &conversation, &a, "lost-claim", T0 + 10);
    assert!(store.store_message(&first).await.unwrap().created);

    // A restart without persistence: the claim is gone, the idempotency row decides.
    let decided_before = claims_decided_by_row();
    redis.kill();
    redis.restart().await;
    let retry = |at: i64| message_at(&ids, &conversation, &a, "lost-claim", at);
    let mut answers = Vec::new();
    for attempt in 0..3 {
        let mut outcome = store.store_message(&retry(T0 + 20 + attempt)).await;
        for _ in 0..50 {
            if outcome.is_ok() {
                break;
            }
            // The connection manager reconnects to the restarted server.
            tokio::time::sleep(Duration::from_millis(100)).await;
            outcome = store.store_message(&retry(T0 + 20 + attempt)).await;
        }
        answers.push(outcome.expect("a retry once Redis is back"));
    }
    for answer in &answers {
        assert!(!answer.created);
        assert_eq!(answer.message, first);
    }
    assert!(
        claims_decided_by_row() > decided_before,
        "the retry is counted as decided by the idempotency row"
    );
    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history, vec![first]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_claim_leaves_the_decision_to_the_idempotency_row() {
    let (store, _) = claiming_store(&redis_url(), Duration::from_millis(50)).await;
    let (a, conversation) = group_of_new_users(&store).await;
    let ids = MessageIdGenerator::new(13).unwrap();
    let first = message_at(&ids, &conversation, &a, "expired", T0 + 10);
    assert!(store.store_message(&first).await.unwrap().created);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let retry = message_at(&ids, &conversation, &a, "expired", T0 + 30);
    let answer = store.store_message(&retry).await.unwrap();
    assert!(!answer.created);
    assert_eq!(answer.message, first);
    assert_eq!(
        store
            .messages_before(&conversation.id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claim_whose_sender_died_is_finished_under_the_claimed_id() {
    let url = redis_url();
    let (store, prefix) = claiming_store(&url, DEFAULT_CLAIM_TTL).await;
    let (a, conversation) = group_of_new_users(&store).await;
    let ids = MessageIdGenerator::new(14).unwrap();

    // The first attempt claimed its key in Redis, then died before writing anything.
    let claimed = message_at(&ids, &conversation, &a, "died", T0 + 10);
    let key = claim_key(&prefix, &conversation.id, &a, "died");
    let mut conn = connection(&url).await;
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(claimed.id.to_string())
        .query_async(&mut conn)
        .await
        .unwrap();

    let retry = message_at(&ids, &conversation, &a, "died", T0 + 20);
    let answer = store.store_message(&retry).await.unwrap();
    assert!(!answer.created);
    assert_eq!(answer.message.id, claimed.id, "the claimed id is kept");
    assert_eq!(answer.message.body, retry.body);
    let again = store
        .store_message(&message_at(&ids, &conversation, &a, "died", T0 + 30))
        .await
        .unwrap();
    assert_eq!(again.message, answer.message);
    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history, vec![answer.message]);
}
