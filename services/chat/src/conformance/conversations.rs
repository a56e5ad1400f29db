//! Conversation records, the direct-pair index and per-user lists.

use std::sync::Arc;

use super::{direct, fresh_user, group, message_at};
use crate::{ChatStore, Conversation, MessageIdGenerator, Publication, StoreError};

/// A base time after the message-id epoch.
const T0: i64 = 1_750_000_000_000;

/// Ids that were never stored find nothing, and reading does not create anything.
pub async fn unknown_ids_find_nothing(store: &Arc<dyn ChatStore>) {
    let (user, other) = (fresh_user(), fresh_user());
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(store.conversation(&unknown).await.unwrap(), None);
    assert_eq!(
        store.direct_conversation(&user, &other).await.unwrap(),
        None
    );
    assert!(store.list_conversations(&user).await.unwrap().is_empty());
    assert!(
        store
            .messages_before(&unknown, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.messages_since(&user, 0, 10).await.unwrap().is_empty());
}

/// A group is read back unchanged and appears in each member's list, and only theirs.
pub async fn group_round_trips(store: &Arc<dyn ChatStore>) {
    let (a, b, c, outsider) = (fresh_user(), fresh_user(), fresh_user(), fresh_user());
    let conversation = group(&[&a, &b, &c], T0);
    let created = store.create_conversation(&conversation).await.unwrap();
    assert!(created.created);
    assert_eq!(created.conversation, conversation);
    assert_eq!(
        store.conversation(&conversation.id).await.unwrap(),
        Some(conversation.clone())
    );
    for member in [&a, &b, &c] {
        let list = store.list_conversations(member).await.unwrap();
        assert_eq!(list.len(), 1, "{member}'s list");
        assert_eq!(list[0].conversation, conversation);
        assert_eq!(list[0].last_message, None);
    }
    assert!(
        store
            .list_conversations(&outsider)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.create_conversation(&conversation).await;
    assert!(
        matches!(again, Err(StoreError::Invalid(_))),
        "an id is stored once: {again:?}"
    );
}

/// A pair has one direct conversation, whichever member asks and in whichever order.
pub async fn direct_is_unique_per_pair(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let first = direct(&a, &b, T0);
    let created = store.create_conversation(&first).await.unwrap();
    assert!(created.created);
    let second = direct(&b, &a, T0 + 1);
    let again = store.create_conversation(&second).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.conversation, first);
    assert_eq!(
        store.conversation(&second.id).await.unwrap(),
        None,
        "nothing else stored"
    );
    assert_eq!(
        store.direct_conversation(&b, &a).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.direct_conversation(&a, &b).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.list_conversations(&a).await.unwrap().len(), 1);
    let group_of_two = group(&[&a, &b], T0 + 2);
    assert!(
        store
            .create_conversation(&group_of_two)
            .await
            .unwrap()
            .created
    );
    assert_eq!(
        store.direct_conversation(&a, &b).await.unwrap(),
        Some(first)
    );
}

/// A direct conversation without exactly two distinct members is refused.
pub async fn direct_needs_two_distinct_members(store: &Arc<dyn ChatStore>) {
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let mut three = direct(&a, &b, T0);
    three.member_ids.push(c.clone());
    let same = direct(&a, &a, T0);
    for bad in [three, same] {
        let result = store.create_conversation(&bad).await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        assert_eq!(store.conversation(&bad.id).await.unwrap(), None);
    }
    assert!(store.list_conversations(&a).await.unwrap().is_empty());
}

/// Lists order by the newest message (ties by message id), else by creation time, for
/// every member; each entry carries its newest message.
pub async fn lists_most_recently_active_first(store: &Arc<dyn ChatStore>) {
    let (user, other) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(1).unwrap();
    let c1 = group(&[&user, &other], T0 + 1_000);
    let c2 = group(&[&user, &other], T0 + 2_000);
    let c3 = direct(&user, &other, T0 + 3_000);
    for c in [&c1, &c2, &c3] {
        store.create_conversation(c).await.unwrap();
    }
    let order = |list: Vec<crate::ConversationSummary>| {
        list.into_iter()
            .map(|s| s.conversation.id)
            .collect::<Vec<_>>()
    };
    let ids_of = |cs: &[&crate::Conversation]| cs.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        order(store.list_conversations(&user).await.unwrap()),
        ids_of(&[&c3, &c2, &c1])
    );

    let m1 = message_at(&ids, &c1, &other, "m1", T0 + 4_000);
    store.store_message(&m1).await.unwrap();
    let list = store.list_conversations(&user).await.unwrap();
    assert_eq!(list[0].last_message, Some(m1.clone()));
    assert_eq!(order(list), ids_of(&[&c1, &c3, &c2]));

    let m2 = message_at(&ids, &c2, &user, "m2", T0 + 5_000);
    let m3 = message_at(&ids, &c3, &user, "m3", T0 + 5_000);
    store.store_message(&m2).await.unwrap();
    store.store_message(&m3).await.unwrap();
    for member in [&user, &other] {
        let list = store.list_conversations(member).await.unwrap();
        let last: Vec<_> = list.iter().map(|s| s.last_message.clone()).collect();
        assert_eq!(
            last,
            vec![Some(m3.clone()), Some(m2.clone()), Some(m1.clone())]
        );
        assert_eq!(order(list), ids_of(&[&c3, &c2, &c1]), "{member}'s list");
    }
}

/// A user's member conversations are every conversation listing them, and nothing else.
pub async fn member_conversations_are_the_users_own(store: &Arc<dyn ChatStore>) {
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let pair = direct(&a, &b, 1_760_000_000_000);
    let trio = group(&[&c, &a, &b], 1_760_000_000_001);
    let theirs = group(&[&b, &c], 1_760_000_000_002);
    for conversation in [&pair, &trio, &theirs] {
        store.create_conversation(conversation).await.unwrap();
    }
    let mut found = store.member_conversations(&a).await.unwrap();
    found.sort_by(|x, y| x.id.cmp(&y.id));
    let mut expected = vec![pair, trio];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(found, expected);
    assert!(
        store
            .member_conversations(&fresh_user())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A group's members change by compare-and-set: an update from a stale member list writes
/// nothing; joiners get the conversation in their lists, leavers lose it and are kept as
/// former members until they join again.
pub async fn members_change_by_compare_and_set(store: &Arc<dyn ChatStore>) {
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let trio = group(&[&a, &b], T0);
    store.create_conversation(&trio).await.unwrap();
    let none = (Publication::default(), bytes::Bytes::new());
    let update = |expected: Vec<String>, updated: Conversation| {
        let (store, none) = (Arc::clone(store), none.clone());
        async move {
            store
                .update_members(&expected, &updated, &none.0, &none.1)
                .await
                .unwrap()
                .applied
        }
    };
    let ids = |users: &[&String]| users.iter().map(|u| (*u).clone()).collect::<Vec<_>>();

    let mut joined = trio.clone();
    joined.member_ids.push(c.clone());
    assert!(update(ids(&[&a, &b]), joined.clone()).await);
    assert_eq!(
        store.conversation(&trio.id).await.unwrap(),
        Some(joined.clone())
    );
    assert_eq!(store.list_conversations(&c).await.unwrap().len(), 1);

    let mut stale = trio.clone();
    stale.title = Some("lost".into());
    assert!(
        !update(ids(&[&a, &b]), stale).await,
        "the members changed meanwhile"
    );
    assert_eq!(
        store.conversation(&trio.id).await.unwrap(),
        Some(joined.clone())
    );

    let mut left = joined.clone();
    left.member_ids.retain(|m| *m != b);
    left.former_members.insert(b.clone(), T0 + 5);
    assert!(update(ids(&[&a, &b, &c]), left.clone()).await);
    let stored = store.conversation(&trio.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.left_at(&b), stored.has_member(&b)),
        (Some(T0 + 5), false)
    );
    assert!(store.list_conversations(&b).await.unwrap().is_empty());
    assert!(store.member_conversations(&b).await.unwrap().is_empty());

    let mut back = left.clone();
    back.member_ids.push(b.clone());
    back.former_members.clear();
    assert!(update(ids(&[&a, &c]), back.clone()).await);
    assert_eq!(store.conversation(&trio.id).await.unwrap(), Some(back));
    assert_eq!(store.list_conversations(&b).await.unwrap().len(), 1);
}

/// Blocks are kept per blocker: blocking again replaces the time, unblocking removes one
/// (and an absent one quietly), and nobody else's blocks show.
pub async fn blocks_are_kept_per_blocker(store: &Arc<dyn ChatStore>) {
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let sorted = |mut v: Vec<(String, i64)>| {
        v.sort();
        v
    };
    store.block(&a, &b, T0).await.unwrap();
    store.block(&a, &c, T0 + 1).await.unwrap();
    store.block(&b, &a, T0 + 2).await.unwrap();
    let mut expected = vec![(b.clone(), T0), (c.clone(), T0 + 1)];
    expected.sort();
    assert_eq!(sorted(store.blocks_of(&a).await.unwrap()), expected);
    store.block(&a, &b, T0 + 5).await.unwrap();
    store.unblock(&a, &c).await.unwrap();
    store.unblock(&a, &c).await.unwrap();
    assert_eq!(store.blocks_of(&a).await.unwrap(), [(b.clone(), T0 + 5)]);
    assert_eq!(store.blocks_of(&b).await.unwrap(), [(a.clone(), T0 + 2)]);
    assert!(store.blocks_of(&c).await.unwrap().is_empty());
}
