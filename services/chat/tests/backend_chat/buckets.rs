//! History and catch-up across time buckets: messages whose ids fall in different
//! `messages` partitions, with empty buckets between them.

use gochat_chat::{
    ChatStore, EPOCH_MS, Message, MessageId,
    conformance::{fresh_user, group},
    scylla::{BUCKET_MS, bucket_of},
};

use super::{keyspace, store};

/// A message of `conversation` by `sender` with an id at `bucket` + `offset_ms`.
fn message_in(conversation: &str, sender: &str, bucket: u64, offset_ms: u64, seq: u64) -> Message {
    let elapsed = bucket * BUCKET_MS as u64 + offset_ms;
    let id = MessageId::from_parts(elapsed, 9, seq);
    Message::new(
        id,
        conversation.to_owned(),
        sender.to_owned(),
        format!("at {elapsed} #{seq}"),
        format!("k-{elapsed}-{seq}"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_across_bucket_boundaries() {
    let (session, store) = store().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], EPOCH_MS + 5 * BUCKET_MS);
    store.create_conversation(&conversation).await.unwrap();
    let c = conversation.id.as_str();
    // Buckets 5, 6, 9 and 12; 7, 8, 10 and 11 stay empty.
    let sent = vec![
        message_in(c, &a, 5, 10, 0),
        message_in(c, &b, 5, BUCKET_MS as u64 - 1, 0),
        message_in(c, &a, 6, 0, 0),
        message_in(c, &b, 6, 5, 0),
        message_in(c, &a, 9, 2, 0),
        message_in(c, &a, 9, 2, 1),
        message_in(c, &b, 12, 100, 0),
    ];
    // Stored out of order: the layout, not the arrival order, decides.
    for index in [3, 0, 6, 1, 5, 2, 4] {
        assert!(store.store_message(&sent[index]).await.unwrap().created);
    }

    // Each message sits in its own bucket's partition.
    let keyspace = keyspace().await;
    for message in &sent {
        let rows = session
            .query_unpaged(
                format!(
                    "SELECT message_id FROM {keyspace}.messages \
                     WHERE conversation_id = ? AND bucket = ?"
                ),
                (c, bucket_of(message.id)),
            )
            .await
            .unwrap()
            .into_rows_result()
            .unwrap()
            .rows::<(i64,)>()
            .unwrap()
            .map(|row| row.unwrap().0 as u64)
            .collect::<Vec<_>>();
        assert!(
            rows.contains(&message.id.raw()),
            "{} in its bucket",
            message.id
        );
    }
    assert_eq!(
        sent.iter().map(|m| bucket_of(m.id)).collect::<Vec<_>>(),
        vec![5, 5, 6, 6, 9, 9, 12]
    );

    let newest_first: Vec<Message> = sent.iter().rev().cloned().collect();
    assert_eq!(
        store.messages_before(c, None, 100).await.unwrap(),
        newest_first
    );
    for size in [1, 2, 3, 4] {
        let mut pages = Vec::new();
        let mut before = None;
        loop {
            let page = store.messages_before(c, before, size).await.unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= size);
            before = page.last().map(|m| m.id);
            pages.extend(page);
        }
        assert_eq!(pages, newest_first, "pages of {size}");
    }
    // `before` at a bucket's first id: nothing of that bucket, the older ones follow.
    let at_bucket_6 = MessageId::first_at(EPOCH_MS + 6 * BUCKET_MS);
    assert_eq!(
        store
            .messages_before(c, Some(at_bucket_6), 10)
            .await
            .unwrap(),
        vec![sent[1].clone(), sent[0].clone()]
    );
    // `before` far beyond every bucket still finds the newest.
    let far = MessageId::first_at(EPOCH_MS + 400 * BUCKET_MS);
    assert_eq!(
        store.messages_before(c, Some(far), 2).await.unwrap(),
        newest_first[..2].to_vec()
    );
    assert_eq!(
        store
            .messages_before(c, Some(MessageId::from_raw(u64::MAX)), 1)
            .await
            .unwrap(),
        newest_first[..1].to_vec()
    );

    // Catch-up from inside bucket 6 onwards, oldest first, limited to the earliest ones.
    let since = sent[3].sent_at_ms;
    assert_eq!(
        store.messages_since(&b, since, 100).await.unwrap(),
        sent[3..].to_vec()
    );
    assert_eq!(
        store.messages_since(&a, since, 2).await.unwrap(),
        sent[3..5].to_vec()
    );
    assert_eq!(store.messages_since(&a, 0, 100).await.unwrap(), sent);

    let list = store.list_conversations(&a).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].last_message.as_ref(), sent.last());
}
