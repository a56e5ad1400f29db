//! ListMessages and ListMessagesSince.

use gochat_proto::chat::v1::{ListMessagesRequest, ListMessagesResponse, ListMessagesSinceRequest};

use super::support::Harness;
use crate::conformance::fresh_user;

async fn page(
    h: &Harness,
    user: &str,
    conversation: &str,
    before: &str,
    limit: u32,
) -> ListMessagesResponse {
    let request = ListMessagesRequest {
        user_id: user.to_owned(),
        conversation_id: conversation.to_owned(),
        before: before.to_owned(),
        limit,
    };
    h.client
        .clone()
        .list_messages(request)
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn pages_walk_history_newest_first() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(
            h.send(
                if n % 2 == 0 { &a } else { &b },
                &conversation,
                &format!("m{n}"),
            )
            .await,
        );
    }
    sent.reverse();

    let one = page(&h, &b, &conversation, "", 2).await;
    assert_eq!(one.messages, sent[0..2]);
    assert_eq!(one.next_before, sent[1].id);
    let two = page(&h, &b, &conversation, &one.next_before, 2).await;
    assert_eq!(two.messages, sent[2..4]);
    assert_eq!(two.next_before, sent[3].id);
    let three = page(&h, &b, &conversation, &two.next_before, 2).await;
    assert_eq!(
        (three.messages, three.next_before),
        (sent[4..].to_vec(), String::new())
    );

    let default = page(&h, &a, &conversation, "", 0).await;
    assert_eq!(
        (default.messages, default.next_before),
        (sent.clone(), String::new())
    );
    let exact = page(&h, &a, &conversation, "", 5).await;
    assert_eq!(exact.next_before, "", "no older message, no cursor");
    let clamped = page(&h, &a, &conversation, "", 10_000).await;
    assert_eq!(clamped.messages.len(), 5);
}

#[tokio::test]
async fn since_merges_the_users_conversations_oldest_first() {
    let mut h = Harness::start().await;
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let with_b = h.conversation(&a, &[&b]).await;
    let with_c = h.conversation(&c, &[&a]).await;
    let without_a = h.conversation(&b, &[&c]).await;
    let m1 = h.send(&a, &with_b, "1").await;
    let m2 = h.send(&c, &with_c, "2").await;
    h.send(&b, &without_a, "not for a").await;
    let m3 = h.send(&b, &with_b, "3").await;

    let since = |user: &str, since_ms: i64, limit: u32| {
        let request = ListMessagesSinceRequest {
            user_id: user.to_owned(),
            since_ms,
            limit,
        };
        let mut client = h.client.clone();
        async move {
            client
                .list_messages_since(request)
                .await
                .unwrap()
                .into_inner()
                .messages
        }
    };
    assert_eq!(
        since(&a, 0, 0).await,
        vec![m1.clone(), m2.clone(), m3.clone()]
    );
    assert_eq!(
        since(&a, 0, 2).await,
        vec![m1.clone(), m2.clone()],
        "the oldest ones"
    );
    let from_m2: Vec<_> = [&m1, &m2, &m3]
        .into_iter()
        .filter(|m| m.sent_at_ms >= m2.sent_at_ms)
        .cloned()
        .collect();
    assert!(from_m2.contains(&m2) && from_m2.len() >= 2);
    assert_eq!(
        since(&a, m2.sent_at_ms, 0).await,
        from_m2,
        "at the time counts"
    );
    assert!(since(&a, m3.sent_at_ms + 1, 0).await.is_empty());
    assert!(since(&fresh_user(), 0, 0).await.is_empty());
}
