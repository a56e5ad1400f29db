//! CreateConversation and ListConversations.

use std::time::Duration;

use gochat_proto::chat::v1::{
    ConversationKind, CreateConversationRequest, CreateConversationResponse,
    ListConversationsRequest,
};

use super::support::Harness;
use crate::conformance::fresh_user;

async fn create(
    h: &mut Harness,
    creator: &str,
    others: &[&str],
    title: Option<&str>,
) -> CreateConversationResponse {
    let request = CreateConversationRequest {
        creator_id: creator.to_owned(),
        member_ids: others.iter().map(|m| (*m).to_owned()).collect(),
        title: title.map(str::to_owned),
    };
    h.client
        .create_conversation(request)
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_group_keeps_its_members_once_and_a_trimmed_title() {
    let mut h = Harness::start().await;
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let before_ms = gochat_runtime::clock::now_ms();
    let response = create(&mut h, &a, &[&b, &c, &b, &a], Some("  Team  ")).await;
    assert!(response.created);
    let group = response.conversation.unwrap();
    assert!(uuid::Uuid::parse_str(&group.id).is_ok());
    assert_eq!(group.kind(), ConversationKind::Group);
    assert_eq!(group.member_ids, vec![a.clone(), b.clone(), c.clone()]);
    assert_eq!(group.title.as_deref(), Some("Team"));
    assert!((before_ms..before_ms + 10_000).contains(&group.created_at_ms));
    assert_eq!(group.last_message, None);

    let untitled = create(&mut h, &a, &[&b, &c], Some("   "))
        .await
        .conversation
        .unwrap();
    assert_eq!(untitled.title, None);
    assert_ne!(
        untitled.id, group.id,
        "groups are not unique per member set"
    );
}

#[tokio::test]
async fn two_members_make_one_direct_conversation_per_pair() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let first = create(&mut h, &a, &[&b], Some("ignored")).await;
    assert!(first.created);
    let direct = first.conversation.unwrap();
    assert_eq!(direct.kind(), ConversationKind::Direct);
    assert_eq!(direct.title, None);
    assert_eq!(direct.member_ids, vec![a.clone(), b.clone()]);

    let message = h.send(&a, &direct.id, "hi").await;
    let again = create(&mut h, &b, &[&a, &a, &b], None).await;
    assert!(!again.created);
    let existing = again.conversation.unwrap();
    assert_eq!(existing.id, direct.id);
    assert_eq!(existing.member_ids, direct.member_ids, "as first stored");
    assert_eq!(existing.last_message, Some(message));
}

#[tokio::test]
async fn lists_are_most_recently_active_first_with_the_last_message() {
    let mut h = Harness::start().await;
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let first = h.conversation(&a, &[&b, &c]).await;
    tokio::time::sleep(Duration::from_millis(3)).await;
    let second = h.conversation(&a, &[&b]).await;
    tokio::time::sleep(Duration::from_millis(3)).await;
    let third = h.conversation(&c, &[&a]).await;
    let list = |h: &mut Harness, user: &str| {
        let request = ListConversationsRequest {
            user_id: user.to_owned(),
        };
        let mut client = h.client.clone();
        async move {
            client
                .list_conversations(request)
                .await
                .unwrap()
                .into_inner()
                .conversations
        }
    };
    let ids = |list: &[gochat_proto::chat::v1::Conversation]| {
        list.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&list(&mut h, &a).await),
        vec![third.clone(), second.clone(), first.clone()]
    );

    let message = h.send(&b, &first, "bump").await;
    let mine = list(&mut h, &a).await;
    assert_eq!(
        ids(&mine),
        vec![first.clone(), third.clone(), second.clone()]
    );
    assert_eq!(mine[0].last_message, Some(message));
    assert_eq!(mine[1].last_message, None);
    assert_eq!(ids(&list(&mut h, &b).await), vec![first.clone(), second]);
    assert_eq!(ids(&list(&mut h, &c).await), vec![first, third]);
    assert!(list(&mut h, &fresh_user()).await.is_empty());
}
