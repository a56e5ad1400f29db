//! Edits and deletes by a message's sender, read markers and unread counts.

use std::sync::Arc;

use super::{fresh_user, group, message_at};
use crate::{
    ChangeOutcome, ChangeRequest, ChatStore, Message, MessageChange, MessageId, MessageIdGenerator,
    Publication, ReadState,
};

/// A base time after the message-id epoch.
const T0: i64 = 1_760_000_000_000;

fn request(message: &Message, user: &str, change: MessageChange, at_ms: i64) -> ChangeRequest {
    ChangeRequest {
        conversation_id: message.conversation_id.clone(),
        message_id: message.id,
        user_id: user.to_owned(),
        change,
        at_ms,
    }
}

/// The message a change answered, and whether it wrote anything.
fn applied(outcome: ChangeOutcome) -> (Message, bool) {
    match outcome {
        ChangeOutcome::Applied {
            message, changed, ..
        } => (message, changed),
        other => panic!("expected the change to apply, got {other:?}"),
    }
}

/// Only the sender edits; the same body again writes nothing; a delete leaves a tombstone
/// that history and the list show, that cannot be edited, and that a second delete keeps.
pub async fn sender_edits_and_deletes(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(3).unwrap();
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let first = message_at(&ids, &conversation, &a, "k1", T0 + 10);
    store.store_message(&first).await.unwrap();
    let none = Publication::default();
    let change = |user: &str, change: MessageChange, at_ms: i64| {
        let request = request(&first, user, change, at_ms);
        let store = Arc::clone(store);
        let none = none.clone();
        async move { store.change_message(&request, &none).await.unwrap() }
    };

    let edit = MessageChange::Edit("fixed".into());
    assert_eq!(
        change(&b, edit.clone(), T0 + 20).await,
        ChangeOutcome::NotTheSender
    );
    let (edited, changed) = applied(change(&a, edit.clone(), T0 + 30).await);
    assert!(changed);
    assert_eq!(
        edited,
        Message {
            body: "fixed".into(),
            edited_at_ms: Some(T0 + 30),
            ..first.clone()
        }
    );
    let (again, changed) = applied(change(&a, edit.clone(), T0 + 40).await);
    assert_eq!(
        (again, changed),
        (edited.clone(), false),
        "a repeat writes nothing"
    );
    assert_eq!(
        store.message(&conversation.id, first.id).await.unwrap(),
        Some(edited.clone())
    );

    assert_eq!(
        change(&b, MessageChange::Delete, T0 + 50).await,
        ChangeOutcome::NotTheSender
    );
    let (tombstone, changed) = applied(change(&a, MessageChange::Delete, T0 + 60).await);
    assert!(changed);
    assert_eq!(
        (tombstone.body.as_str(), tombstone.deleted, tombstone.id),
        ("", true, first.id)
    );
    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history, vec![tombstone.clone()]);
    let list = store.list_conversations(&b).await.unwrap();
    assert_eq!(list[0].last_message.as_ref(), Some(&tombstone));
    assert_eq!(
        change(&a, MessageChange::Edit("back".into()), T0 + 70).await,
        ChangeOutcome::Deleted,
        "a deleted message cannot be edited"
    );
    let (still, changed) = applied(change(&a, MessageChange::Delete, T0 + 80).await);
    assert_eq!((still, changed), (tombstone, false));

    let ghost = message_at(&ids, &conversation, &a, "never-stored", T0 + 90);
    let missing = request(&ghost, &a, MessageChange::Delete, T0 + 90);
    assert_eq!(
        store.change_message(&missing, &none).await.unwrap(),
        ChangeOutcome::NotFound
    );
    assert_eq!(
        store.message(&conversation.id, ghost.id).await.unwrap(),
        None
    );
}

/// Markers only move forward; unread counts are the others' messages after the marker that
/// are not deleted; every marker is listed, and the list carries each user's read state.
pub async fn read_markers_move_forward_and_count_unread(store: &Arc<dyn ChatStore>) {
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(3).unwrap();
    let conversation = group(&[&a, &b, &c], T0);
    store.create_conversation(&conversation).await.unwrap();
    let cid = conversation.id.as_str();
    let mut sent = Vec::new();
    for (i, sender) in [&a, &b, &a, &a, &b].into_iter().enumerate() {
        let message = message_at(
            &ids,
            &conversation,
            sender,
            &format!("k{i}"),
            T0 + 10 * i as i64,
        );
        store.store_message(&message).await.unwrap();
        sent.push(message);
    }
    let state = |user: String| {
        let store = Arc::clone(store);
        let cid = cid.to_owned();
        async move { store.read_state(&cid, &user).await.unwrap() }
    };
    assert_eq!(
        state(b.clone()).await,
        ReadState {
            read_up_to: None,
            unread_count: 3
        }
    );
    assert_eq!(state(c.clone()).await.unread_count, 5);

    let none = Publication::default();
    let mark = |user: String, id: MessageId| {
        let store = Arc::clone(store);
        let (cid, none) = (cid.to_owned(), none.clone());
        async move { store.mark_read(&cid, &user, id, &none).await.unwrap().moved }
    };
    assert!(mark(b.clone(), sent[2].id).await);
    assert!(
        !mark(b.clone(), sent[1].id).await,
        "an older message does not move it"
    );
    assert!(!mark(b.clone(), sent[2].id).await, "nor does the same one");
    assert_eq!(
        state(b.clone()).await,
        ReadState {
            read_up_to: Some(sent[2].id),
            unread_count: 1
        }
    );
    assert!(mark(c.clone(), sent[0].id).await);
    assert_eq!(state(c.clone()).await.unread_count, 4);

    let deleted = request(&sent[3], &a, MessageChange::Delete, T0 + 100);
    store.change_message(&deleted, &none).await.unwrap();
    assert_eq!(
        state(b.clone()).await.unread_count,
        0,
        "a deleted message is not unread"
    );
    assert_eq!(state(c.clone()).await.unread_count, 3);

    let mut markers = store.read_markers(cid).await.unwrap();
    markers.sort();
    let mut expected = vec![(b.clone(), sent[2].id), (c.clone(), sent[0].id)];
    expected.sort();
    assert_eq!(markers, expected);

    let list = store.list_conversations(&c).await.unwrap();
    assert_eq!(
        list[0].read,
        ReadState {
            read_up_to: Some(sent[0].id),
            unread_count: 3
        }
    );
    assert!(mark(c.clone(), sent[4].id).await);
    assert_eq!(
        store.list_conversations(&c).await.unwrap()[0]
            .read
            .unread_count,
        0
    );
}

/// Concurrent moves of one marker end at the furthest of them.
pub async fn concurrent_marks_keep_the_furthest(store: &Arc<dyn ChatStore>) {
    let (a, b) = (fresh_user(), fresh_user());
    let ids = MessageIdGenerator::new(3).unwrap();
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    let mut sent = Vec::new();
    for i in 0..8 {
        let message = message_at(&ids, &conversation, &a, &format!("k{i}"), T0 + i);
        store.store_message(&message).await.unwrap();
        sent.push(message.id);
    }
    let marks = sent.iter().rev().map(|id| {
        let (store, cid, b) = (Arc::clone(store), conversation.id.clone(), b.clone());
        let id = *id;
        tokio::spawn(async move {
            store
                .mark_read(&cid, &b, id, &Publication::default())
                .await
                .unwrap()
        })
    });
    for mark in futures::future::join_all(marks).await {
        mark.unwrap();
    }
    let state = store.read_state(&conversation.id, &b).await.unwrap();
    assert_eq!(state.read_up_to, sent.last().copied());
    assert_eq!(state.unread_count, 0);
}
