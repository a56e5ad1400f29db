use serde_json::json;

use super::*;

fn message() -> Message {
    Message {
        id: "m1".into(),
        conversation_id: "c1".into(),
        sender_id: "u1".into(),
        body: "hi".into(),
        client_msg_id: "k1".into(),
        sent_at_ms: 1_795_509_744_123,
        ..Default::default()
    }
}

#[test]
fn a_message_has_exactly_the_contract_fields() {
    let json = serde_json::to_value(MessageJson::from(message())).unwrap();
    assert_eq!(
        json,
        json!({"id":"m1","conversation_id":"c1","sender_id":"u1","body":"hi",
               "client_msg_id":"k1","sent_at":"2026-11-24T08:42:24.123Z",
               "edited_at":null,"deleted":false})
    );
}

#[test]
fn a_conversation_has_null_title_and_last_message_when_absent() {
    let c = Conversation {
        id: "c1".into(),
        kind: ConversationKind::Direct as i32,
        member_ids: vec!["u1".into(), "u2".into()],
        title: None,
        created_at_ms: 0,
        last_message: None,
        ..Default::default()
    };
    let json = serde_json::to_value(ConversationJson::from(c)).unwrap();
    assert_eq!(
        json,
        json!({"id":"c1","kind":"direct","member_ids":["u1","u2"],"created_by":"","title":null,
               "created_at":"1970-01-01T00:00:00.000Z","last_message":null,
               "unread_count":0,"read_up_to":null})
    );
    let g = Conversation {
        kind: ConversationKind::Group as i32,
        title: Some("team".into()),
        last_message: Some(message()),
        ..Default::default()
    };
    let json = serde_json::to_value(ConversationJson::from(g)).unwrap();
    assert_eq!(json["kind"], "group");
    assert_eq!(json["title"], "team");
    assert_eq!(json["last_message"]["id"], "m1");
}

#[test]
fn account_status_strings() {
    let mut a = Account {
        id: "u".into(),
        email: "a@b.c".into(),
        display_name: "A".into(),
        status: AccountStatus::PendingVerification as i32,
    };
    assert_eq!(
        AccountJson::from_proto(a.clone()).unwrap().status,
        "pending_verification"
    );
    a.status = AccountStatus::Active as i32;
    assert_eq!(AccountJson::from_proto(a.clone()).unwrap().status, "active");
    a.status = 0;
    assert!(AccountJson::from_proto(a).is_err());
}

#[test]
fn token_pairs_say_bearer_and_empty_is_an_empty_object() {
    let pair = TokenPairJson::from(TokenPair {
        access_token: "a".into(),
        refresh_token: "r".into(),
        expires_in: 900,
    });
    assert_eq!(
        serde_json::to_value(pair).unwrap(),
        json!({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":900})
    );
    assert_eq!(serde_json::to_string(&EmptyJson {}).unwrap(), "{}");
}

#[test]
fn emails_are_trimmed_and_lower_cased() {
    assert_eq!(normalize_email("  Ada@Example.COM \n"), "ada@example.com");
}
