//! Every validation rule answers its API error code with the matching gRPC code.

use gochat_proto::chat::v1::{
    CreateConversationRequest, ListConversationsRequest, ListMessagesRequest,
    ListMessagesSinceRequest, SendDirectMessageRequest,
};
use tonic::Code;

use super::support::{Harness, code_of, send_request};
use crate::conformance::fresh_user;

/// Asserts `result` failed with `code` and `api_code`.
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, tonic::Status>,
    code: Code,
    api_code: &str,
    case: &str,
) {
    let err = result.expect_err(case);
    assert_eq!(
        (err.code(), code_of(&err)),
        (code, api_code),
        "{case}: {err:?}"
    );
}

#[tokio::test]
async fn create_conversation_rules() {
    let h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let create = |creator: &str, members: Vec<String>, title: Option<String>| {
        let request = CreateConversationRequest {
            creator_id: creator.to_owned(),
            member_ids: members,
            title,
        };
        let mut client = h.client.clone();
        async move { client.create_conversation(request).await }
    };
    let members = |n: usize| (0..n).map(|_| fresh_user()).collect::<Vec<_>>();
    let invalid = (Code::InvalidArgument, "invalid_members");
    let cases = [
        ("nobody else", a.clone(), vec![], None, invalid),
        (
            "only the creator",
            a.clone(),
            vec![a.clone(), a.clone()],
            None,
            invalid,
        ),
        (
            "an empty member id",
            a.clone(),
            vec![b.clone(), String::new()],
            None,
            invalid,
        ),
        (
            "an empty creator id",
            String::new(),
            vec![b.clone()],
            None,
            invalid,
        ),
        ("256 other members", a.clone(), members(256), None, invalid),
        (
            "a 129-char title",
            a.clone(),
            members(2),
            Some("t".repeat(129)),
            (Code::InvalidArgument, "invalid_request"),
        ),
    ];
    for (case, creator, others, title, (code, api_code)) in cases {
        assert_refused(create(&creator, others, title).await, code, api_code, case);
    }
    assert!(
        create(&a, members(255), Some("t".repeat(128)))
            .await
            .is_ok(),
        "the limits themselves pass"
    );
}

#[tokio::test]
async fn send_message_rules() {
    let mut h = Harness::start().await;
    let (a, b, outsider) = (fresh_user(), fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let long_body = "b".repeat(4097);
    let long_key = "k".repeat(129);
    let cases = [
        (
            "an empty body",
            send_request(&a, &conversation, "", "k"),
            Code::InvalidArgument,
            "invalid_body",
        ),
        (
            "a blank body",
            send_request(&a, &conversation, " \n\t", "k"),
            Code::InvalidArgument,
            "invalid_body",
        ),
        (
            "a 4097-char body",
            send_request(&a, &conversation, &long_body, "k"),
            Code::InvalidArgument,
            "invalid_body",
        ),
        (
            "no client_msg_id",
            send_request(&a, &conversation, "x", ""),
            Code::InvalidArgument,
            "invalid_request",
        ),
        (
            "a 129-char client_msg_id",
            send_request(&a, &conversation, "x", &long_key),
            Code::InvalidArgument,
            "invalid_request",
        ),
        (
            "an unknown conversation",
            send_request(&a, &unknown, "x", "k"),
            Code::NotFound,
            "conversation_not_found",
        ),
        (
            "a malformed conversation id",
            send_request(&a, "nope", "x", "k"),
            Code::NotFound,
            "conversation_not_found",
        ),
        (
            "a non-member",
            send_request(&outsider, &conversation, "x", "k"),
            Code::PermissionDenied,
            "not_a_member",
        ),
    ];
    for (case, request, code, api_code) in cases {
        assert_refused(h.client.send_message(request).await, code, api_code, case);
    }
    assert!(
        h.store
            .messages_before(&conversation, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.log.publishes(), 0);
    let fits = send_request(&a, &conversation, &"ü".repeat(4096), &"k".repeat(128));
    assert!(
        h.client.send_message(fits).await.is_ok(),
        "the limits themselves pass"
    );
}

#[tokio::test]
async fn send_direct_message_rules() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let direct = |sender: &str, recipient: &str, body: &str, key: &str| SendDirectMessageRequest {
        sender_id: sender.to_owned(),
        recipient_id: recipient.to_owned(),
        body: body.to_owned(),
        client_msg_id: key.to_owned(),
    };
    let cases = [
        ("oneself", direct(&a, &a, "x", "k"), "invalid_members"),
        ("no recipient", direct(&a, "", "x", "k"), "invalid_members"),
        ("a blank body", direct(&a, &b, "  ", "k"), "invalid_body"),
        (
            "no client_msg_id",
            direct(&a, &b, "x", ""),
            "invalid_request",
        ),
    ];
    for (case, request, api_code) in cases {
        assert_refused(
            h.client.send_direct_message(request).await,
            Code::InvalidArgument,
            api_code,
            case,
        );
    }
    assert_eq!(
        h.store.direct_conversation(&a, &b).await.unwrap(),
        None,
        "nothing created"
    );
}

#[tokio::test]
async fn history_rules() {
    let mut h = Harness::start().await;
    let (a, b, outsider) = (fresh_user(), fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    let history = |user: &str, conversation: &str, before: &str| ListMessagesRequest {
        user_id: user.to_owned(),
        conversation_id: conversation.to_owned(),
        before: before.to_owned(),
        limit: 10,
    };
    let unknown = uuid::Uuid::now_v7().to_string();
    let cases = [
        (
            "a non-member",
            history(&outsider, &conversation, ""),
            Code::PermissionDenied,
            "not_a_member",
        ),
        (
            "an unknown conversation",
            history(&a, &unknown, ""),
            Code::NotFound,
            "conversation_not_found",
        ),
        (
            "a malformed conversation id",
            history(&a, "", ""),
            Code::NotFound,
            "conversation_not_found",
        ),
        (
            "a malformed cursor",
            history(&a, &conversation, "zz"),
            Code::InvalidArgument,
            "invalid_request",
        ),
    ];
    for (case, request, code, api_code) in cases {
        assert_refused(h.client.list_messages(request).await, code, api_code, case);
    }
    let no_user = ListConversationsRequest {
        user_id: String::new(),
    };
    assert_refused(
        h.client.list_conversations(no_user).await,
        Code::InvalidArgument,
        "invalid_request",
        "no user",
    );
    let no_user = ListMessagesSinceRequest {
        user_id: String::new(),
        since_ms: 0,
        limit: 0,
    };
    assert_refused(
        h.client.list_messages_since(no_user).await,
        Code::InvalidArgument,
        "invalid_request",
        "no user",
    );
}
