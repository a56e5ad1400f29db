//! Sends: what is stored, what each member's event log receives, duplicates, direct messages.

use std::{collections::HashSet, time::Duration};

use gochat_proto::chat::v1::{DeliveryEvent, SendDirectMessageRequest};

use super::support::{Harness, send_request};
use crate::{MessageId, conformance::fresh_user};

#[tokio::test]
async fn a_send_reaches_every_members_log_once() {
    let mut h = Harness::start().await;
    let (a, b, c, outsider) = (fresh_user(), fresh_user(), fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b, &c]).await;
    let before_ms = gochat_runtime::clock::now_ms();
    let sent = h
        .client
        .send_message(send_request(&a, &conversation, "hello", "k1"))
        .await
        .unwrap();
    let sent = sent.into_inner();
    assert!(sent.created);
    let message = sent.message.unwrap();
    let id: MessageId = message.id.parse().expect("a 16-hex-digit message id");
    assert_eq!(id.node_id(), 9);
    assert_eq!(id.unix_ms(), message.sent_at_ms);
    assert!((before_ms..before_ms + 10_000).contains(&message.sent_at_ms));
    assert_eq!(
        (
            &*message.conversation_id,
            &*message.sender_id,
            &*message.body,
            &*message.client_msg_id
        ),
        (&*conversation, &*a, "hello", "k1")
    );

    let expected = DeliveryEvent {
        message: Some(message.clone()),
        ..Default::default()
    };
    for member in [&a, &b, &c] {
        assert_eq!(
            h.events_of(member).await,
            vec![expected.clone()],
            "{member}'s log"
        );
    }
    assert!(h.events_of(&outsider).await.is_empty());

    let retry = h
        .client
        .send_message(send_request(&a, &conversation, "changed", "k1"))
        .await;
    let retry = retry.unwrap().into_inner();
    assert!(!retry.created);
    assert_eq!(
        retry.message,
        Some(message.clone()),
        "the first message comes back"
    );
    assert_eq!(h.log.publishes(), 1, "a duplicate publishes nothing");
    for member in [&a, &b, &c] {
        assert_eq!(h.events_of(member).await.len(), 1);
    }

    let other_sender = h
        .client
        .send_message(send_request(&b, &conversation, "hi", "k1"))
        .await;
    assert!(
        other_sender.unwrap().into_inner().created,
        "keys are per sender"
    );
    assert_eq!(h.events_of(&c).await.len(), 2);
}

#[tokio::test]
async fn live_subscribers_get_the_event() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    let live = gochat_delivery::EventLog::subscribe(&*h.log, &b)
        .await
        .unwrap();
    let message = h.send(&a, &conversation, "live").await;
    let event = tokio::time::timeout(Duration::from_secs(5), live.next())
        .await
        .unwrap()
        .unwrap();
    let decoded = <DeliveryEvent as prost::Message>::decode(event.payload).unwrap();
    assert_eq!(decoded.message, Some(message));
}

#[tokio::test]
async fn concurrent_duplicates_create_one_message() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    let calls: Vec<_> = (0..8)
        .map(|n| {
            let mut client = h.client.clone();
            let request = send_request(&a, &conversation, &format!("try {n}"), "same");
            tokio::spawn(async move { client.send_message(request).await.unwrap().into_inner() })
        })
        .collect();
    let mut created = 0;
    let mut ids = HashSet::new();
    for call in calls {
        let response = call.await.unwrap();
        created += usize::from(response.created);
        ids.insert(response.message.unwrap().id);
    }
    assert_eq!((created, ids.len()), (1, 1));
    let published: HashSet<_> = h
        .events_of(&b)
        .await
        .into_iter()
        .map(|e| e.message.unwrap().id)
        .collect();
    assert_eq!(
        published, ids,
        "members see that one message (clients dedupe repeats by id)"
    );
    assert_eq!(
        h.store
            .messages_before(&conversation, None, 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_direct_message_creates_the_pair_conversation_once() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let direct = |sender: &str, recipient: &str, key: &str| SendDirectMessageRequest {
        sender_id: sender.to_owned(),
        recipient_id: recipient.to_owned(),
        body: "psst".into(),
        client_msg_id: key.to_owned(),
    };
    let first = h
        .client
        .send_direct_message(direct(&a, &b, "1"))
        .await
        .unwrap()
        .into_inner();
    let reply = h
        .client
        .send_direct_message(direct(&b, &a, "1"))
        .await
        .unwrap()
        .into_inner();
    assert!(first.created && reply.created);
    let (first, reply) = (first.message.unwrap(), reply.message.unwrap());
    assert_eq!(first.conversation_id, reply.conversation_id);
    let existing = h.conversation(&b, &[&a]).await;
    assert_eq!(existing, first.conversation_id);
    let retry = h
        .client
        .send_direct_message(direct(&a, &b, "1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((retry.created, retry.message), (false, Some(first.clone())));
    let events: Vec<_> = h
        .events_of(&b)
        .await
        .into_iter()
        .map(|e| e.message.unwrap())
        .collect();
    assert_eq!(events, vec![first, reply]);
}

#[tokio::test]
async fn readiness_checks_the_store_and_the_log() {
    let h = Harness::start().await;
    assert!(crate::readiness(&h.backends).failures().await.is_empty());
}

#[tokio::test]
async fn serving_refuses_a_node_id_over_ten_bits() {
    let h = Harness::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = crate::Config {
        node_id: 1024,
        ..crate::Config::default()
    };
    let result = crate::serve(
        config,
        h.backends.clone(),
        listener,
        gochat_runtime::Shutdown::new(),
    )
    .await;
    assert!(
        matches!(result, Err(crate::Error::InvalidNodeId(_))),
        "{result:?}"
    );
}
