//! AddMembers and RemoveMember: who may change a group, the cap, what the removed member
//! still reads, and the events every member gets.

use gochat_proto::chat::v1::{
    AddMembersRequest, EventKind, ListMessagesRequest, RemoveMemberRequest,
};
use gochat_proto::error::{ErrorCode, error_code};

use super::support::{Harness, send_request};
use crate::conformance::fresh_user;

fn add(user: &str, conversation: &str, members: &[&str]) -> AddMembersRequest {
    AddMembersRequest {
        user_id: user.to_owned(),
        conversation_id: conversation.to_owned(),
        member_ids: members.iter().map(|m| (*m).to_owned()).collect(),
    }
}

fn remove(user: &str, conversation: &str, member: &str) -> RemoveMemberRequest {
    RemoveMemberRequest {
        user_id: user.to_owned(),
        conversation_id: conversation.to_owned(),
        member_id: member.to_owned(),
    }
}

/// The code an AddMembers call was refused with; panics when it succeeds.
async fn add_refusal(h: &mut Harness, request: AddMembersRequest) -> Option<ErrorCode> {
    error_code(&h.client.add_members(request).await.unwrap_err())
}

/// The code a RemoveMember call was refused with; panics when it succeeds.
async fn remove_refusal(h: &mut Harness, request: RemoveMemberRequest) -> Option<ErrorCode> {
    error_code(&h.client.remove_member(request).await.unwrap_err())
}

#[tokio::test]
async fn any_member_adds_and_only_the_creator_removes_others() {
    let mut h = Harness::start().await;
    let (a, b, c, d) = (fresh_user(), fresh_user(), fresh_user(), fresh_user());
    let group = h.conversation(&a, &[&b, &c]).await;

    let added = h
        .client
        .add_members(add(&b, &group, &[&d, &a, &d]))
        .await
        .unwrap();
    let conversation = added.into_inner().conversation.unwrap();
    assert_eq!(
        conversation.member_ids,
        [a.clone(), b.clone(), c.clone(), d.clone()]
    );
    assert_eq!(conversation.created_by, a);
    let again = h.client.add_members(add(&b, &group, &[&d])).await.unwrap();
    assert_eq!(
        again.into_inner().conversation.unwrap().member_ids.len(),
        4,
        "d is in already"
    );

    let outsider = fresh_user();
    assert_eq!(
        add_refusal(&mut h, add(&outsider, &group, &[&outsider])).await,
        Some(ErrorCode::NotAMember)
    );
    assert_eq!(
        remove_refusal(&mut h, remove(&b, &group, &c)).await,
        Some(ErrorCode::NotTheCreator)
    );
    assert_eq!(
        remove_refusal(&mut h, remove(&a, &group, &outsider)).await,
        Some(ErrorCode::UserNotFound)
    );
    assert_eq!(
        add_refusal(&mut h, add(&a, &group, &[])).await,
        Some(ErrorCode::InvalidMembers)
    );

    h.client
        .remove_member(remove(&a, &group, &c))
        .await
        .unwrap();
    h.client
        .remove_member(remove(&d, &group, &d))
        .await
        .unwrap();
    let events = h.events_of(&c).await;
    let removal = events.last().unwrap();
    assert_eq!(removal.kind(), EventKind::MemberRemoved);
    let change = removal.members.as_ref().unwrap();
    assert_eq!(
        (change.user_ids.as_slice(), change.by.as_str()),
        ([c.clone()].as_slice(), a.as_str())
    );
    assert_eq!(
        change.member_ids,
        [a.clone(), b.clone(), d.clone()],
        "the members right after"
    );
    let last = h.events_of(&a).await.pop().unwrap();
    assert_eq!(last.kind(), EventKind::MemberRemoved);
    assert_eq!(last.members.unwrap().member_ids, [a.clone(), b.clone()]);
    assert_eq!(
        h.events_of(&d).await.last().unwrap().kind(),
        EventKind::MemberRemoved
    );
}

#[tokio::test]
async fn direct_conversations_and_the_cap_are_refused() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let direct = h.conversation(&a, &[&b]).await;
    assert_eq!(
        add_refusal(&mut h, add(&a, &direct, &[&fresh_user()])).await,
        Some(ErrorCode::InvalidMembers)
    );
    assert_eq!(
        remove_refusal(&mut h, remove(&a, &direct, &a)).await,
        Some(ErrorCode::InvalidMembers)
    );

    let group = h.conversation(&a, &[&b, &fresh_user()]).await;
    let many: Vec<String> = (0..253).map(|_| fresh_user()).collect();
    let names: Vec<&str> = many.iter().map(String::as_str).collect();
    let full = h.client.add_members(add(&a, &group, &names)).await.unwrap();
    assert_eq!(
        full.into_inner().conversation.unwrap().member_ids.len(),
        256
    );
    assert_eq!(
        add_refusal(&mut h, add(&a, &group, &[&fresh_user()])).await,
        Some(ErrorCode::InvalidMembers)
    );
}

#[tokio::test]
async fn a_removed_member_reads_only_what_came_before_and_cannot_send() {
    let mut h = Harness::start().await;
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let group = h.conversation(&a, &[&b, &c]).await;
    let before = h.send(&a, &group, "before").await;
    h.client
        .remove_member(remove(&a, &group, &c))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let after = h.send(&a, &group, "after").await;

    let history = |user: &str| ListMessagesRequest {
        user_id: user.to_owned(),
        conversation_id: group.clone(),
        before: String::new(),
        limit: 50,
    };
    let page = h
        .client
        .list_messages(history(&c))
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<String> = page.messages.iter().map(|m| m.id.clone()).collect();
    assert_eq!(
        ids,
        std::slice::from_ref(&before.id),
        "nothing after the removal"
    );
    let full = h
        .client
        .list_messages(history(&b))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(full.messages[0].id, after.id);

    let e = h
        .client
        .send_message(send_request(&c, &group, "still here?", "k"))
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), Some(ErrorCode::NotAMember));
    let c_log = h.events_of(&c).await;
    assert!(
        c_log
            .iter()
            .all(|e| e.message.as_ref().is_none_or(|m| m.id != after.id)),
        "the removed member got no later message"
    );
    assert!(h.client.add_members(add(&b, &group, &[&c])).await.is_ok());
    let page = h
        .client
        .list_messages(history(&c))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.messages.len(),
        2,
        "added back, the whole history is readable"
    );
}

#[tokio::test]
async fn a_blocked_user_cannot_write_directly_but_groups_still_flow() {
    use gochat_proto::chat::v1::{
        BlockRequest, CreateConversationRequest, ListBlocksRequest, SendDirectMessageRequest,
        UnblockRequest,
    };
    let mut h = Harness::start().await;
    let (a, b, c) = (fresh_user(), fresh_user(), fresh_user());
    let direct = h.conversation(&a, &[&b]).await;
    let group = h.conversation(&a, &[&b, &c]).await;
    let block = BlockRequest {
        user_id: a.clone(),
        blocked_id: b.clone(),
    };
    h.client.block(block.clone()).await.unwrap();
    h.client.block(block).await.unwrap();
    let listed = h
        .client
        .list_blocks(ListBlocksRequest { user_id: a.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.blocks.len(), 1);
    assert_eq!(listed.blocks[0].user_id, b);

    let blocked = |status: tonic::Status| error_code(&status) == Some(ErrorCode::Blocked);
    let e = h
        .client
        .send_message(send_request(&b, &direct, "hello?", "k1"))
        .await
        .unwrap_err();
    assert!(blocked(e));
    let e = h
        .client
        .send_direct_message(SendDirectMessageRequest {
            sender_id: b.clone(),
            recipient_id: a.clone(),
            body: "hello?".into(),
            client_msg_id: "k2".into(),
        })
        .await
        .unwrap_err();
    assert!(blocked(e));
    let d = fresh_user();
    h.client
        .block(BlockRequest {
            user_id: d.clone(),
            blocked_id: b.clone(),
        })
        .await
        .unwrap();
    let e = h
        .client
        .create_conversation(CreateConversationRequest {
            creator_id: b.clone(),
            member_ids: vec![d.clone()],
            title: None,
        })
        .await
        .unwrap_err();
    assert!(blocked(e), "no new direct conversation with the blocker");
    h.send(&b, &group, "groups still flow").await;
    h.send(&a, &direct, "the blocker may still write").await;

    let e = h
        .client
        .block(BlockRequest {
            user_id: a.clone(),
            blocked_id: a.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), Some(ErrorCode::InvalidRequest));
    h.client
        .unblock(UnblockRequest {
            user_id: a.clone(),
            blocked_id: b.clone(),
        })
        .await
        .unwrap();
    h.send(&b, &direct, "unblocked").await;
}
