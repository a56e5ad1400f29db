//! Insert-if-absent under concurrent callers.

use std::{collections::HashSet, sync::Arc};

use super::{direct, fresh_user, group, message_at};
use crate::{ChatStore, MessageIdGenerator};

/// How many callers race.
const RACERS: usize = 16;
/// A base time after the message-id epoch.
const T0: i64 = 1_770_000_000_000;

/// Concurrent sends of one idempotency key store exactly one message, and every caller
/// gets that message back.
pub async fn concurrent_duplicate_sends_store_one_message(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let ids = MessageIdGenerator::new(3).unwrap();
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let store = Arc::clone(store);
            let message = message_at(&ids, &conversation, &a, "dup", T0);
            tokio::spawn(async move { store.store_message(&message).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    let mut returned = HashSet::new();
    for task in tasks {
        let stored = task.await.unwrap();
        created += usize::from(stored.created);
        returned.insert(stored.message.id);
    }
    assert_eq!(created, 1, "exactly one caller creates");
    assert_eq!(returned.len(), 1, "every caller gets the same message");
    let history = store
        .messages_before(&conversation.id, None, 100)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert!(returned.contains(&history[0].id));
}

/// Concurrent creators of one pair's direct conversation all get the same one.
pub async fn concurrent_direct_creation_makes_one_conversation(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let tasks: Vec<_> = (0..RACERS)
        .map(|n| {
            let store = Arc::clone(store);
            let candidate = if n % 2 == 0 {
                direct(&a, &b, T0)
            } else {
                direct(&b, &a, T0)
            };
            tokio::spawn(async move { store.create_conversation(&candidate).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    let mut returned = HashSet::new();
    for task in tasks {
        let result = task.await.unwrap();
        created += usize::from(result.created);
        returned.insert(result.conversation.id);
    }
    assert_eq!(created, 1, "exactly one caller creates");
    assert_eq!(returned.len(), 1, "every caller gets the same conversation");
    assert_eq!(store.list_conversations(&a).await.unwrap().len(), 1);
    assert_eq!(store.list_conversations(&b).await.unwrap().len(), 1);
}
