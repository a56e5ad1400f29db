use serde_json::json;

use super::*;
use crate::error::ErrorCode;

#[test]
fn a_valid_send_parses() {
    let frame = parse_client_frame(
        r#"{"type":"send","conversation_id":"c1","body":"hi","client_msg_id":"k1","extra":1}"#,
    )
    .unwrap();
    assert_eq!(
        frame,
        ClientFrame::Send(ClientSendFrame {
            conversation_id: "c1".into(),
            body: "hi".into(),
            client_msg_id: "k1".into(),
        })
    );
}

#[test]
fn malformed_frames_are_refused_with_the_reason() {
    let table: &[(&str, &str, Option<&str>)] = &[
        ("not json", "malformed JSON", None),
        ("", "malformed JSON", None),
        ("[1,2]", "a frame must be a JSON object", None),
        ("\"send\"", "a frame must be a JSON object", None),
        (r#"{"conversation_id":"c"}"#, "missing field `type`", None),
        (r#"{"type":7}"#, "`type` must be a string", None),
        (
            r#"{"type":"shout","client_msg_id":"k"}"#,
            "unknown frame type \"shout\"",
            Some("k"),
        ),
        (
            r#"{"type":"send","body":"b","client_msg_id":"k"}"#,
            "missing field `conversation_id`",
            Some("k"),
        ),
        (
            r#"{"type":"send","conversation_id":"c","client_msg_id":"k"}"#,
            "missing field `body`",
            Some("k"),
        ),
        (
            r#"{"type":"send","conversation_id":"c","body":"b"}"#,
            "missing field `client_msg_id`",
            None,
        ),
        (
            r#"{"type":"send","conversation_id":1,"body":"b","client_msg_id":"k"}"#,
            "`conversation_id` must be a string",
            Some("k"),
        ),
        (
            r#"{"type":"send","conversation_id":"c","body":null,"client_msg_id":"k"}"#,
            "`body` must be a string",
            Some("k"),
        ),
        (
            r#"{"type":"send","conversation_id":"c","body":"b","client_msg_id":5}"#,
            "`client_msg_id` must be a string",
            None,
        ),
    ];
    for (text, message, id) in table {
        let e = parse_client_frame(text).expect_err(text);
        assert_eq!(e.message, *message, "{text}");
        assert_eq!(e.client_msg_id.as_deref(), *id, "{text}");
    }
}

fn message() -> MessageJson {
    MessageJson {
        id: "m".into(),
        conversation_id: "c".into(),
        sender_id: "u".into(),
        body: "b".into(),
        client_msg_id: "k".into(),
        sent_at: "1970-01-01T00:00:00.000Z".into(),
        edited_at: None,
        deleted: false,
    }
}

#[test]
fn server_frames_have_the_contract_shape() {
    let m = serde_json::to_value(message()).unwrap();
    let text = ServerFrame::Message {
        event_id: "5-1".into(),
        message: message(),
    }
    .to_text();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"type":"message","event_id":"5-1","message":m})
    );
    let text = ServerFrame::Ack {
        client_msg_id: "k".into(),
        message: message(),
    }
    .to_text();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"type":"ack","client_msg_id":"k","message":m})
    );
    let e = crate::error::ApiError::new(ErrorCode::NotAMember, "no");
    let text = ServerFrame::error(&e, None).to_text();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"type":"error","code":"not_a_member","message":"no"})
    );
    let text = ServerFrame::error(&e, Some("k".into())).to_text();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["client_msg_id"],
        "k"
    );
}

#[test]
fn a_typing_frame_parses_and_needs_its_conversation() {
    assert_eq!(
        parse_client_frame(r#"{"type":"typing","conversation_id":"c1"}"#).unwrap(),
        ClientFrame::Typing {
            conversation_id: "c1".into()
        }
    );
    let missing = parse_client_frame(r#"{"type":"typing"}"#).unwrap_err();
    assert_eq!(missing.message, "missing field `conversation_id`");
    let wrong = parse_client_frame(r#"{"type":"typing","conversation_id":1}"#).unwrap_err();
    assert_eq!(wrong.message, "`conversation_id` must be a string");
}

#[test]
fn typing_and_presence_frames_have_no_event_id() {
    let typing = ServerFrame::Typing {
        conversation_id: "c".into(),
        user_id: "u".into(),
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&typing.to_text()).unwrap(),
        json!({"type":"typing","conversation_id":"c","user_id":"u"})
    );
    let presence = ServerFrame::Presence {
        user_id: "u".into(),
        status: "offline",
        last_seen_at: Some("1970-01-01T00:00:00.000Z".into()),
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&presence.to_text()).unwrap(),
        json!({"type":"presence","user_id":"u","status":"offline",
               "last_seen_at":"1970-01-01T00:00:00.000Z"})
    );
}
