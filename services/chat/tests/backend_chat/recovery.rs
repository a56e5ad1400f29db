//! Writes interrupted between a lightweight-transaction claim and the rows it stands for
//! (a chat replica killed in between) are finished by the next caller, exactly once.

use std::sync::Arc;

use gochat_chat::{
    ChatStore, Conversation, ConversationKind, Message, MessageId, MessageIdGenerator,
    conformance::{fresh_user, group, message_at},
    scylla::direct_pair,
};

use super::{keyspace, store};

/// A base time after the message-id epoch.
const T0: i64 = 1_785_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_finishes_a_send_interrupted_after_its_claim() {
    let (session, store) = store().await;
    let store: Arc<dyn ChatStore> = Arc::new(store);
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let ids = MessageIdGenerator::new(11).unwrap();

    // The first attempt claimed its idempotency key, then died before any other write.
    let first = message_at(&ids, &conversation, &a, "crashed", T0 + 10);
    session
        .query_unpaged(
            format!(
                "INSERT INTO {}.message_idempotency \
                 (conversation_id, sender_id, client_msg_id, message_id, body) \
                 VALUES (?, ?, ?, ?, ?)",
                keyspace().await
            ),
            (
                &conversation.id,
                &a,
                &first.client_msg_id,
                first.id.raw() as i64,
                &first.body,
            ),
        )
        .await
        .unwrap();
    assert!(
        store
            .messages_before(&conversation.id, None, 10)
            .await
            .unwrap()
            .is_empty(),
        "an interrupted send is not visible"
    );
    assert_eq!(
        store.list_conversations(&b).await.unwrap()[0].last_message,
        None
    );

    // Retries, some concurrent, carry new ids and a changed body: the first message wins.
    let retry = |at: i64| {
        let mut message = message_at(&ids, &conversation, &a, "crashed", at);
        message.body = "edited on retry".into();
        message
    };
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            let message = retry(T0 + 20 + n);
            tokio::spawn(async move { store.store_message(&message).await.unwrap() })
        })
        .collect();
    let mut returned = Vec::new();
    for racer in racers {
        let stored = racer.await.unwrap();
        assert!(!stored.created, "the first attempt created it");
        assert!(!stored.published, "it was never published");
        returned.push(stored.message);
    }
    assert!(returned.iter().all(|m| *m == first), "{returned:?}");

    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history, vec![first.clone()], "stored exactly once");
    for member in [&a, &b] {
        let list = store.list_conversations(member).await.unwrap();
        assert_eq!(list[0].last_message, Some(first.clone()));
        assert_eq!(
            store.messages_since(member, T0, 10).await.unwrap(),
            vec![first.clone()]
        );
    }

    store
        .mark_published(&conversation.id, first.id)
        .await
        .unwrap();
    let again = store.store_message(&retry(T0 + 40)).await.unwrap();
    assert_eq!(
        (again.message, again.created, again.published),
        (first.clone(), false, true)
    );
    assert_eq!(
        store
            .messages_before(&conversation.id, None, 10)
            .await
            .unwrap(),
        vec![first]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_interrupted_after_the_activity_writes_is_finished_once() {
    let (session, store) = store().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let ids = MessageIdGenerator::new(12).unwrap();
    let earlier = message_at(&ids, &conversation, &b, "earlier", T0 + 5);
    store.store_message(&earlier).await.unwrap();

    // Claimed, activity written for every member, message row never written.
    let lost = message_at(&ids, &conversation, &a, "half", T0 + 10);
    let keyspace = keyspace().await;
    session
        .query_unpaged(
            format!(
                "INSERT INTO {keyspace}.message_idempotency \
                 (conversation_id, sender_id, client_msg_id, message_id, body) VALUES (?, ?, ?, ?, ?)"
            ),
            (&conversation.id, &a, &lost.client_msg_id, lost.id.raw() as i64, &lost.body),
        )
        .await
        .unwrap();
    for member in [&a, &b] {
        session
            .query_unpaged(
                format!(
                    "UPDATE {keyspace}.user_conversations USING TIMESTAMP ? \
                     SET last_activity_ms = ?, last_message_id = ? \
                     WHERE user_id = ? AND conversation_id = ?"
                ),
                (
                    lost.sent_at_ms * 1000,
                    lost.sent_at_ms,
                    lost.id.raw() as i64,
                    member,
                    &conversation.id,
                ),
            )
            .await
            .unwrap();
    }
    // Until the retry, lists show the newest committed message.
    let list = store.list_conversations(&b).await.unwrap();
    assert_eq!(list[0].last_message, Some(earlier.clone()));

    let stored = store
        .store_message(&message_at(&ids, &conversation, &a, "half", T0 + 30))
        .await
        .unwrap();
    assert_eq!(
        (stored.message.clone(), stored.created),
        (lost.clone(), false)
    );
    assert_eq!(
        store
            .messages_before(&conversation.id, None, 10)
            .await
            .unwrap(),
        vec![lost.clone(), earlier]
    );
    assert_eq!(
        store.list_conversations(&b).await.unwrap()[0].last_message,
        Some(lost)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_claim_without_its_conversation_is_finished() {
    let (session, store) = store().await;
    let (a, b) = (fresh_user(), fresh_user());
    // The creator claimed the pair, then died before writing the conversation.
    let claimed = Conversation::new(
        uuid::Uuid::now_v7().to_string(),
        ConversationKind::Direct,
        vec![b.clone(), a.clone()],
        None,
        T0,
    );
    session
        .query_unpaged(
            format!(
                "INSERT INTO {}.direct_pairs (pair, conversation_id, member_ids, created_at_ms) \
                 VALUES (?, ?, ?, ?)",
                keyspace().await
            ),
            (direct_pair(&a, &b), &claimed.id, &claimed.member_ids, T0),
        )
        .await
        .unwrap();
    assert_eq!(store.direct_conversation(&a, &b).await.unwrap(), None);

    let mut candidate = claimed.clone();
    candidate.id = uuid::Uuid::now_v7().to_string();
    candidate.member_ids = vec![a.clone(), b.clone()];
    candidate.created_at_ms = T0 + 50;
    let result = store.create_conversation(&candidate).await.unwrap();
    assert_eq!(
        (result.conversation.clone(), result.created),
        (claimed.clone(), false)
    );
    assert_eq!(store.conversation(&candidate.id).await.unwrap(), None);
    assert_eq!(
        store.conversation(&claimed.id).await.unwrap(),
        Some(claimed.clone())
    );
    assert_eq!(
        store.direct_conversation(&b, &a).await.unwrap(),
        Some(claimed.clone())
    );
    for member in [&a, &b] {
        let list = store.list_conversations(member).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].conversation, claimed);
    }
    let message = Message::new(
        MessageId::first_at(T0 + 60),
        claimed.id.clone(),
        a.clone(),
        "hello".into(),
        "k".into(),
    );
    assert!(store.store_message(&message).await.unwrap().created);
}
