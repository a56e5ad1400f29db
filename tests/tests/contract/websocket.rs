//! `GET /api/v1/ws`: authentication, live `message` events on every device, `send` → `ack`,
//! `error` frames that leave the socket usable, and increasing event ids.

use gochat_tests::{HarnessError, TestEnv, WsAuth, WsClient, check, order};
use serde_json::{Value, json};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn websocket_refuses_missing_or_bad_tokens() {
    let env = support::env().await;
    support::finish(refusals(&env).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_delivers_acks_and_reports_errors() {
    let env = support::env().await;
    support::finish(live(&env).await);
}

async fn refusals(env: &TestEnv) -> Result<(), HarnessError> {
    let url = env.server().ws_url();
    for auth in [
        WsAuth::Anonymous,
        WsAuth::Query("garbage"),
        WsAuth::Header("garbage"),
    ] {
        match WsClient::connect(&url, auth, None).await {
            Err(HarnessError::WsConnect { status, .. }) => {
                assert_eq!(status, Some(401), "{auth:?} must be refused with 401");
            }
            Err(other) => return Err(other),
            Ok(_) => panic!("{auth:?} was accepted"),
        }
    }
    Ok(())
}

/// A `send` frame.
fn send_frame(conversation_id: &str, body: &str, client_msg_id: &str) -> Value {
    json!({"type": "send", "conversation_id": conversation_id, "body": body, "client_msg_id": client_msg_id})
}

/// Reads the next `ack`, checks it answers `client_msg_id`, returns its Message.
async fn ack(ws: &mut WsClient, client_msg_id: &str) -> Result<Value, HarnessError> {
    let frame = ws.next_of_type("ack", WS_WAIT).await?;
    assert_eq!(frame["client_msg_id"], client_msg_id, "{frame}");
    check::message(&frame["message"]);
    assert_eq!(frame["message"]["client_msg_id"], client_msg_id, "{frame}");
    Ok(frame["message"].clone())
}

/// Reads the next `error` frame, checks its shape, returns its code.
async fn error_frame(ws: &mut WsClient) -> Result<String, HarnessError> {
    let frame = ws.next_of_type("error", WS_WAIT).await?;
    let code = frame["code"].as_str().filter(|c| !c.is_empty());
    assert!(code.is_some(), "error frame without a code: {frame}");
    assert!(
        frame["message"].is_string(),
        "error frame without a message: {frame}"
    );
    Ok(code.unwrap_or_default().to_owned())
}

async fn live(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("wanda").await?;
    let b = env.register("walt").await?;
    let outsider = env.register("wes").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;
    let theirs = conversation(env, &outsider, &[&b], None, 201).await?;
    let mut a1 = socket(env, &a, true, None).await?;
    let mut a2 = socket(env, &a, false, None).await?;
    let mut b1 = socket(env, &b, false, None).await?;

    // A message sent over REST reaches every socket of both members, the sender's included.
    let rest = send(env, &b, &conv, "over rest", "w-1").await?;
    let mut b_log = Vec::new();
    for (i, ws) in [&mut b1, &mut a1, &mut a2].into_iter().enumerate() {
        let events = ws.collect_messages(&[&id_of(&rest)], WS_WAIT).await?;
        assert_eq!(
            events[events.len() - 1].message,
            rest,
            "the event carries the Message"
        );
        if i == 0 {
            b_log.extend(events);
        }
    }

    // send → ack with the Message; the peer and the sender's other device get the event.
    a1.send_json(&send_frame(&conv, "over ws", "w-2")).await?;
    let acked = ack(&mut a1, "w-2").await?;
    assert_eq!(acked["sender_id"], a.id.as_str(), "{acked}");
    assert_eq!(acked["conversation_id"], conv.as_str(), "{acked}");
    assert_eq!(acked["body"], "over ws", "{acked}");
    let events = b1.collect_messages(&[&id_of(&acked)], WS_WAIT).await?;
    assert_eq!(events[events.len() - 1].message, acked);
    b_log.extend(events);
    let events = a2.collect_messages(&[&id_of(&acked)], WS_WAIT).await?;
    assert_eq!(
        events[events.len() - 1].message,
        acked,
        "the sender's other device"
    );
    a1.send_json(&send_frame(&conv, "over ws", "w-2")).await?;
    assert_eq!(
        id_of(&ack(&mut a1, "w-2").await?),
        id_of(&acked),
        "ws sends are idempotent"
    );

    // Bad frames get error frames; the socket stays usable.
    a1.send_text("{this is not json").await?;
    error_frame(&mut a1).await?;
    a1.send_json(&json!({"type": "dance"})).await?;
    error_frame(&mut a1).await?;
    a1.send_json(&send_frame(&conv, "", "w-3")).await?;
    assert_eq!(error_frame(&mut a1).await?, "invalid_body");
    a1.send_json(&send_frame("no-such-conversation", "hi", "w-4"))
        .await?;
    assert_eq!(error_frame(&mut a1).await?, "conversation_not_found");
    a1.send_json(&send_frame(&theirs, "hi", "w-5")).await?;
    assert_eq!(error_frame(&mut a1).await?, "not_a_member");
    a1.send_json(&send_frame(&conv, "still here", "w-6"))
        .await?;
    let after_errors = ack(&mut a1, "w-6").await?;
    let events = b1
        .collect_messages(&[&id_of(&after_errors)], WS_WAIT)
        .await?;
    assert_eq!(events[events.len() - 1].message, after_errors);
    b_log.extend(events);

    // Event ids increase for a user.
    let more = send(env, &a, &conv, "one more", "w-7").await?;
    b_log.extend(b1.collect_messages(&[&id_of(&more)], WS_WAIT).await?);
    let event_ids: Vec<String> = order::dedupe(&b_log)
        .iter()
        .map(|e| e.event_id.clone())
        .collect();
    assert_eq!(
        event_ids.len(),
        4,
        "b saw w-1, w-2, w-6 and w-7 once each: {event_ids:?}"
    );
    assert!(
        order::strictly_increasing(&event_ids),
        "event ids do not increase: {event_ids:?}"
    );
    a1.close().await;
    a2.close().await;
    b1.close().await;
    Ok(())
}
