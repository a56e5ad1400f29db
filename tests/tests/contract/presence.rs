//! Typing and presence (additions to API v1): typing reaches the other members' sockets
//! without an event id and is never replayed; presence is online while a socket is open,
//! offline with a last-seen time after, visible only to people who share a conversation.

use std::time::Duration;

use gochat_tests::{HarnessError, TestEnv, WsClient, check};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn typing_reaches_the_other_members_only_and_is_never_replayed() {
    let env = support::env().await;
    support::finish(typing(&env).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn presence_follows_sockets_and_is_shown_to_contacts_only() {
    let env = support::env().await;
    support::finish(presence(&env).await);
}

/// Asserts that no frame of `kind` arrives within `wait`.
async fn none_of_type(ws: &mut WsClient, kind: &str, wait: Duration) -> Result<(), HarnessError> {
    match ws.next_of_type(kind, wait).await {
        Ok(frame) => panic!("unexpected {kind} frame: {frame}"),
        Err(HarnessError::Timeout { .. }) => Ok(()),
        Err(other) => Err(other),
    }
}

async fn typing(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("tia").await?;
    let b = env.register("tom").await?;
    let c = env.register("tess").await?;
    let outsider = env.register("tod").await?;
    let group = conversation(env, &a, &[&b, &c], Some("Typists"), 201).await?;
    let mut a1 = socket(env, &a, false, None).await?;
    let mut a2 = socket(env, &a, true, None).await?;
    let mut b1 = socket(env, &b, false, None).await?;
    let mut c1 = socket(env, &c, false, None).await?;
    let mut o1 = socket(env, &outsider, false, None).await?;
    let first = id_of(&send(env, &b, &group, "before typing", "t-0").await?);
    let seen = c1.collect_messages(&[&first], WS_WAIT).await?;
    let before_typing = seen[0].event_id.clone();

    a1.send_json(&json!({"type": "typing", "conversation_id": group}))
        .await?;
    for ws in [&mut b1, &mut c1] {
        let frame = ws.next_of_type("typing", WS_WAIT).await?;
        assert_eq!(
            frame,
            json!({"type": "typing", "conversation_id": group, "user_id": a.id}),
            "a typing frame has no event id"
        );
    }
    // Forwarded at most once per 3 s: a second frame right away reaches nobody.
    a1.send_json(&json!({"type": "typing", "conversation_id": group}))
        .await?;
    a2.send_json(&json!({"type": "typing", "conversation_id": group}))
        .await?;
    let quiet = Duration::from_millis(800);
    none_of_type(&mut b1, "typing", quiet).await?;
    none_of_type(&mut a2, "typing", Duration::ZERO).await?;
    none_of_type(&mut o1, "typing", Duration::ZERO).await?;

    // A non-member's typing is refused; an unknown conversation too.
    o1.send_json(&json!({"type": "typing", "conversation_id": group}))
        .await?;
    let refused = o1.next_of_type("error", WS_WAIT).await?;
    assert_eq!(refused["code"], "not_a_member", "{refused}");
    let ghost = "00000000-0000-7000-8000-000000000000";
    o1.send_json(&json!({"type": "typing", "conversation_id": ghost}))
        .await?;
    let refused = o1.next_of_type("error", WS_WAIT).await?;
    assert_eq!(refused["code"], "conversation_not_found", "{refused}");
    o1.send_json(&json!({"type": "typing"})).await?;
    let refused = o1.next_of_type("error", WS_WAIT).await?;
    assert_eq!(refused["code"], "invalid_request", "{refused}");

    // Nothing of it is in the log: a resume replays the next message and no typing.
    let after = id_of(&send(env, &b, &group, "after typing", "t-1").await?);
    let mut late = socket(env, &c, false, Some(&before_typing)).await?;
    loop {
        let frame = late.next_json(WS_WAIT).await?;
        assert_ne!(frame["type"], "typing", "typing was replayed: {frame}");
        if frame["type"] == "message" && frame["message"]["id"] == after.as_str() {
            break;
        }
    }
    Ok(())
}

/// The presence of `ids` as `user` sees it.
async fn presence_of(env: &TestEnv, token: &str, ids: &[&str]) -> Result<Value, HarnessError> {
    let path = format!("/api/v1/presence?user_ids={}", ids.join(","));
    let got = env
        .api()
        .call(Method::GET, &path, Some(token), None)
        .await?;
    check::status(&got, 200);
    Ok(got.json)
}

async fn presence(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("pia").await?;
    let b = env.register("pat").await?;
    let stranger = env.register("pax").await?;
    conversation(env, &a, &[&b], None, 201).await?;
    let mut watcher = socket(env, &a, false, None).await?;

    let offline = presence_of(env, &a.access_token, &[&b.id]).await?;
    assert_eq!(offline["presence"][0]["user_id"], b.id.as_str());
    assert_eq!(offline["presence"][0]["status"], "offline");

    let phone = socket(env, &b, false, None).await?;
    let came = watcher.next_of_type("presence", WS_WAIT).await?;
    assert_eq!(
        (&came["user_id"], &came["status"]),
        (&json!(b.id), &json!("online")),
        "{came}"
    );
    assert!(
        came.get("event_id").is_none(),
        "presence is not logged: {came}"
    );
    assert_eq!(came["last_seen_at"], Value::Null);
    let laptop = socket(env, &b, true, None).await?;
    let both = presence_of(env, &a.access_token, &[&b.id, &a.id]).await?;
    assert_eq!(
        both,
        json!({"presence": [
            {"user_id": b.id, "status": "online", "last_seen_at": null},
            {"user_id": a.id, "status": "online", "last_seen_at": null},
        ]})
    );

    phone.close().await;
    // The laptop is still on: no offline event.
    none_of_type(&mut watcher, "presence", Duration::from_millis(800)).await?;
    laptop.close().await;
    let went = watcher.next_of_type("presence", WS_WAIT).await?;
    assert_eq!(
        (&went["user_id"], &went["status"]),
        (&json!(b.id), &json!("offline")),
        "{went}"
    );
    check::utc_time(&went["last_seen_at"], "last_seen_at");
    let now = presence_of(env, &a.access_token, &[&b.id]).await?;
    assert_eq!(now["presence"][0]["status"], "offline");
    assert_eq!(now["presence"][0]["last_seen_at"], went["last_seen_at"]);

    // Only people who share a conversation are visible.
    let api = env.api();
    let path = format!("/api/v1/presence?user_ids={}", b.id);
    let hidden = api
        .call(Method::GET, &path, Some(&stranger.access_token), None)
        .await?;
    check::error(&hidden, 404, "user_not_found");
    let path = format!("/api/v1/presence?user_ids={},{}", b.id, stranger.id);
    let mixed = api
        .call(Method::GET, &path, Some(&a.access_token), None)
        .await?;
    check::error(&mixed, 404, "user_not_found");
    for bad in [
        "/api/v1/presence",
        "/api/v1/presence?user_ids=",
        "/api/v1/presence?user_ids=a,,b",
    ] {
        let got = api
            .call(Method::GET, bad, Some(&a.access_token), None)
            .await?;
        check::error(&got, 400, "invalid_request");
    }
    let anonymous = api.call(Method::GET, &path, None, None).await?;
    check::error(&anonymous, 401, "unauthorized");
    Ok(())
}
