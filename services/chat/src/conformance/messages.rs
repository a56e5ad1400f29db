//! Idempotent message stores, publication state, history pages and catch-up.

use std::sync::Arc;

use super::{fresh_user, group, message_at};
use crate::{ChatStore, MessageId, MessageIdGenerator, StoreError};

/// A base time after the message-id epoch.
const T0: i64 = 1_760_000_000_000;

/// A new message is stored unpublished; a retry with the same key returns the first message
/// and its publication state, and writes nothing.
pub async fn store_then_retry_returns_the_first_message(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(2).unwrap();
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let first = message_at(&ids, &conversation, &a, "key-1", T0 + 10);
    let stored = store.store_message(&first).await.unwrap();
    assert_eq!(
        (stored.message.clone(), stored.created, stored.published),
        (first.clone(), true, false)
    );

    let mut retry = message_at(&ids, &conversation, &a, "key-1", T0 + 20);
    retry.body = "a different body".into();
    let again = store.store_message(&retry).await.unwrap();
    assert_eq!(
        (again.message, again.created, again.published),
        (first.clone(), false, false)
    );

    store
        .mark_published(&conversation.id, first.id)
        .await
        .unwrap();
    store
        .mark_published(&conversation.id, first.id)
        .await
        .unwrap();
    let after = store.store_message(&retry).await.unwrap();
    assert_eq!(
        (after.message, after.created, after.published),
        (first.clone(), false, true)
    );
    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history, vec![first]);
}

/// A message for a conversation that does not exist is refused.
pub async fn unknown_conversation_is_refused(store: &Arc<dyn ChatStore>) {
    let a = fresh_user();
    let ids = MessageIdGenerator::new(2).unwrap();
    let ghost = group(&[&a, &fresh_user()], T0);
    let result = store
        .store_message(&message_at(&ids, &ghost, &a, "k", T0))
        .await;
    assert!(
        matches!(result, Err(StoreError::ConversationNotFound(_))),
        "{result:?}"
    );
    assert!(store.list_conversations(&a).await.unwrap().is_empty());
}

/// The idempotency key is (conversation, sender, client_msg_id): the same client_msg_id from
/// another sender or in another conversation is a new message.
pub async fn idempotency_is_per_sender_and_conversation(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(2).unwrap();
    let one = group(&[&a, &b], T0);
    let two = group(&[&a, &b], T0);
    store.create_conversation(&one).await.unwrap();
    store.create_conversation(&two).await.unwrap();
    for (conversation, sender) in [(&one, &a), (&one, &b), (&two, &a)] {
        let message = message_at(&ids, conversation, sender, "same", T0 + 1);
        assert!(store.store_message(&message).await.unwrap().created);
    }
    assert_eq!(
        store
            .messages_before(&one.id, None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .messages_before(&two.id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// History comes newest first in pages; `before` is exclusive.
pub async fn pages_newest_first(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(2).unwrap();
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let mut sent = Vec::new();
    for n in 0..7 {
        let message = message_at(&ids, &conversation, &a, &format!("k{n}"), T0 + n / 3);
        store.store_message(&message).await.unwrap();
        sent.push(message);
    }
    sent.reverse();

    let mut pages = Vec::new();
    let mut before: Option<MessageId> = None;
    loop {
        let page = store
            .messages_before(&conversation.id, before, 3)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|m| m.id);
        pages.push(page);
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    assert_eq!(pages.concat(), sent);
    let all = store
        .messages_before(&conversation.id, None, 100)
        .await
        .unwrap();
    assert_eq!(all, sent);
    assert!(
        store
            .messages_before(&conversation.id, None, 0)
            .await
            .unwrap()
            .is_empty()
    );
    let below_oldest = store
        .messages_before(&conversation.id, Some(sent[6].id), 10)
        .await;
    assert!(below_oldest.unwrap().is_empty());
}

/// Catch-up returns the user's messages at or after a time from every conversation,
/// oldest first, the earliest ones when limited, and nothing from other conversations.
pub async fn since_is_oldest_first_across_conversations(store: &Arc<dyn ChatStore>) {
    let (user, other) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(2).unwrap();
    let mine_1 = group(&[&user, &other], T0);
    let mine_2 = group(&[&other, &user], T0);
    let not_mine = group(&[&other, &fresh_user()], T0);
    for c in [&mine_1, &mine_2, &not_mine] {
        store.create_conversation(c).await.unwrap();
    }
    let plan = [
        (&mine_1, 100),
        (&mine_2, 200),
        (&not_mine, 250),
        (&mine_1, 300),
        (&mine_2, 300),
        (&mine_1, 400),
    ];
    let mut sent = Vec::new();
    for (n, (conversation, at)) in plan.iter().enumerate() {
        let message = message_at(&ids, conversation, &other, &format!("k{n}"), T0 + at);
        store.store_message(&message).await.unwrap();
        sent.push(message);
    }
    let expected = |indexes: &[usize]| indexes.iter().map(|&i| sent[i].clone()).collect::<Vec<_>>();
    let since = |ms: i64, limit: usize| store.messages_since(&user, ms, limit);
    assert_eq!(since(T0, 100).await.unwrap(), expected(&[0, 1, 3, 4, 5]));
    assert_eq!(
        since(T0 + 200, 100).await.unwrap(),
        expected(&[1, 3, 4, 5]),
        "at the time counts"
    );
    assert_eq!(since(T0 + 201, 100).await.unwrap(), expected(&[3, 4, 5]));
    assert_eq!(
        since(T0, 3).await.unwrap(),
        expected(&[0, 1, 3]),
        "the earliest ones"
    );
    assert!(since(T0 + 401, 100).await.unwrap().is_empty());
    assert!(since(T0, 0).await.unwrap().is_empty());
}

/// A time well before the other checks' messages, so that the outbox's oldest entries are
/// this check's own on a shared database.
const T_OUTBOX: i64 = T0 - 1_000_000;

/// A stored message waits among the unpublished (the outbox) until it is recorded
/// published, and one claim at a time takes its republication.
pub async fn unpublished_messages_wait_for_their_publication(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(3).unwrap();
    let conversation = group(&[&a, &b], T_OUTBOX - 10);
    store.create_conversation(&conversation).await.unwrap();
    let message = message_at(&ids, &conversation, &a, "outbox", T_OUTBOX);
    store.store_message(&message).await.unwrap();
    let entry = (conversation.id.clone(), message.id);

    let pending = store
        .unpublished(MessageId::first_at(T_OUTBOX + 1), 1000)
        .await
        .unwrap();
    assert!(
        pending.contains(&entry),
        "a stored message waits to be published"
    );
    let earlier = store
        .unpublished(MessageId::first_at(T_OUTBOX), 1000)
        .await
        .unwrap();
    assert!(
        !earlier.contains(&entry),
        "only messages below the cutoff are listed"
    );

    let until = gochat_runtime::clock::now_ms() + 60_000;
    let claim = || store.claim_republication(&conversation.id, message.id, until);
    assert!(claim().await.unwrap(), "the first claim takes it");
    assert!(
        !claim().await.unwrap(),
        "a second claim waits for the lease"
    );

    store
        .mark_published(&conversation.id, message.id)
        .await
        .unwrap();
    let pending = store
        .unpublished(MessageId::first_at(T_OUTBOX + 1), 1000)
        .await
        .unwrap();
    assert!(
        !pending.contains(&entry),
        "a published message leaves the outbox"
    );
    assert!(!claim().await.unwrap(), "nothing is left to claim");
}
