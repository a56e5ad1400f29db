//! Everything a store holds survives closing and reopening it.

use std::sync::Arc;

use super::{direct, fresh_user, group, message_at};
use crate::{ChatStore, MessageIdGenerator};

/// A base time after the message-id epoch.
const T0: i64 = 1_780_000_000_000;

/// Writes through one store from `open`, drops it, and checks through a second one:
/// conversations, the pair index, lists, messages, idempotency records and publication state.
/// `open` must give a store over the same data each time.
pub async fn survives_reopen<F>(open: F)
where
    F: Fn() -> Arc<dyn ChatStore>,
{
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(4).unwrap();
    let pair = direct(&a, &b, T0);
    let trio = group(&[&a, &b, &c], T0 + 1);
    let published = message_at(&ids, &pair, &a, "one", T0 + 10);
    let pending = message_at(&ids, &trio, &c, "two", T0 + 20);
    {
        let store = open();
        store.create_conversation(&pair).await.unwrap();
        store.create_conversation(&trio).await.unwrap();
        store.store_message(&published).await.unwrap();
        store.mark_published(&pair.id, published.id).await.unwrap();
        store.store_message(&pending).await.unwrap();
    }

    let store = open();
    assert_eq!(
        store.conversation(&trio.id).await.unwrap(),
        Some(trio.clone())
    );
    assert_eq!(
        store.direct_conversation(&b, &a).await.unwrap(),
        Some(pair.clone())
    );
    let list = store.list_conversations(&a).await.unwrap();
    let order: Vec<_> = list.iter().map(|s| s.conversation.id.clone()).collect();
    assert_eq!(order, vec![trio.id.clone(), pair.id.clone()]);
    assert_eq!(list[0].last_message, Some(pending.clone()));

    let retry = store
        .store_message(&message_at(&ids, &pair, &a, "one", T0 + 30))
        .await
        .unwrap();
    assert_eq!(
        (retry.message, retry.created, retry.published),
        (published.clone(), false, true)
    );
    let retry = store
        .store_message(&message_at(&ids, &trio, &c, "two", T0 + 30))
        .await
        .unwrap();
    assert_eq!(
        (retry.message, retry.created, retry.published),
        (pending.clone(), false, false)
    );
    assert_eq!(
        store.messages_since(&a, T0, 10).await.unwrap(),
        vec![published, pending]
    );
    let again = store
        .create_conversation(&direct(&b, &a, T0 + 40))
        .await
        .unwrap();
    assert_eq!((again.conversation, again.created), (pair, false));
}
