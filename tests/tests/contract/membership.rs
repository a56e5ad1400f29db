//! Group membership (additions to API v1): any member adds people, members leave, the
//! creator removes others; every member (the removed one included) gets the event; a
//! removed member reads history up to the removal, sends nothing, and hears nothing more.

use std::time::Duration;

use gochat_tests::{HarnessError, TestEnv, WsClient, check};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn members_are_added_leave_and_are_removed_by_the_creator() {
    let env = support::env().await;
    support::finish(membership(&env).await);
}

/// `POST /api/v1/conversations/{id}/members`.
async fn add(
    env: &TestEnv,
    token: &str,
    conv: &str,
    ids: &[&str],
) -> Result<gochat_tests::ApiResponse, HarnessError> {
    let path = format!("/api/v1/conversations/{conv}/members");
    env.api()
        .post(&path, Some(token), &json!({"user_ids": ids}))
        .await
}

/// `DELETE /api/v1/conversations/{id}/members/{user_id}`.
async fn remove(
    env: &TestEnv,
    token: &str,
    conv: &str,
    user: &str,
) -> Result<gochat_tests::ApiResponse, HarnessError> {
    let path = format!("/api/v1/conversations/{conv}/members/{user}");
    env.api()
        .call(Method::DELETE, &path, Some(token), None)
        .await
}

/// The next frame of `kind` about `conv`.
async fn change(ws: &mut WsClient, kind: &str, conv: &str) -> Result<Value, HarnessError> {
    let frame = ws.next_of_type(kind, WS_WAIT).await?;
    assert_eq!(frame["conversation_id"], conv, "{frame}");
    check::id(&frame["event_id"], "event_id");
    Ok(frame)
}

async fn membership(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("mia").await?;
    let b = env.register("max").await?;
    let c = env.register("meg").await?;
    let d = env.register("mo").await?;
    let e = env.register("mel").await?;
    let group = conversation(env, &a, &[&b, &e], Some("Club"), 201).await?;
    let before = id_of(&send(env, &a, &group, "before c", "m-0").await?);
    let mut a1 = socket(env, &a, false, None).await?;
    let mut b1 = socket(env, &b, false, None).await?;
    let mut c1 = socket(env, &c, false, None).await?;

    // Any member adds; the new member and everyone else hear of it.
    let added = add(env, &b.access_token, &group, &[&c.id]).await?;
    check::status(&added, 200);
    check::conversation(&added.json);
    assert_eq!(added.json["member_ids"], json!([a.id, b.id, e.id, c.id]));
    assert_eq!(added.json["created_by"], a.id.as_str());
    for ws in [&mut a1, &mut b1, &mut c1] {
        let frame = change(ws, "member_added", &group).await?;
        assert_eq!(frame["user_ids"], json!([c.id]), "{frame}");
        assert_eq!(frame["by"], b.id.as_str(), "{frame}");
        assert_eq!(
            frame["member_ids"],
            json!([a.id, b.id, e.id, c.id]),
            "{frame}"
        );
    }
    let joined = send(env, &c, &group, "hi all", "m-c").await?;
    b1.collect_messages(&[&id_of(&joined)], WS_WAIT).await?;
    let page = env
        .api()
        .history(&c.access_token, &group, None, None)
        .await?;
    assert_eq!(
        page.json["messages"].as_array().map(Vec::len),
        Some(2),
        "a new member reads it all"
    );

    // Only the creator removes someone else.
    check::error(
        &remove(env, &b.access_token, &group, &c.id).await?,
        403,
        "not_the_creator",
    );
    let removed = remove(env, &a.access_token, &group, &c.id).await?;
    check::status(&removed, 204);
    for ws in [&mut a1, &mut b1, &mut c1] {
        let frame = change(ws, "member_removed", &group).await?;
        assert_eq!(
            (&frame["user_id"], &frame["by"]),
            (&json!(c.id), &json!(a.id)),
            "{frame}"
        );
        assert_eq!(frame["member_ids"], json!([a.id, b.id, e.id]), "{frame}");
    }

    // The removed member: no sends, no events, history only up to the removal.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let later = id_of(&send(env, &a, &group, "after c", "m-1").await?);
    b1.collect_messages(&[&later], WS_WAIT).await?;
    match c1.next_of_type("message", Duration::from_millis(800)).await {
        Err(HarnessError::Timeout { .. }) => {}
        other => panic!("the removed member got a message: {other:?}"),
    }
    let refused = env
        .api()
        .send(&c.access_token, &group, "let me in", "m-c2")
        .await?;
    check::error(&refused, 403, "not_a_member");
    let page = env
        .api()
        .history(&c.access_token, &group, None, None)
        .await?;
    check::status(&page, 200);
    let seen: Vec<String> = page.json["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id_of)
        .collect();
    assert_eq!(
        seen,
        [id_of(&joined), before.clone()],
        "history up to the removal"
    );
    let listed = env.api().conversations(Some(&c.access_token)).await?;
    assert_eq!(
        listed.json["conversations"],
        json!([]),
        "no longer in the removed member's list"
    );
    check::error(
        &env.api().mark_read(&c.access_token, &group, &later).await?,
        403,
        "not_a_member",
    );

    // Leaving oneself; a member who is not there; a direct conversation; bad input.
    let d_added = add(env, &a.access_token, &group, &[&d.id]).await?;
    check::status(&d_added, 200);
    check::status(&remove(env, &d.access_token, &group, &d.id).await?, 204);
    check::error(
        &remove(env, &a.access_token, &group, &d.id).await?,
        404,
        "user_not_found",
    );
    check::error(
        &add(env, &c.access_token, &group, &[&d.id]).await?,
        403,
        "not_a_member",
    );
    let ghost = "00000000-0000-7000-8000-000000000000";
    check::error(
        &add(env, &a.access_token, &group, &[ghost]).await?,
        404,
        "user_not_found",
    );
    check::error(
        &add(env, &a.access_token, ghost, &[&d.id]).await?,
        404,
        "conversation_not_found",
    );
    check::error(
        &add(env, &a.access_token, &group, &[]).await?,
        400,
        "invalid_members",
    );
    let direct = conversation(env, &a, &[&d], None, 201).await?;
    check::error(
        &add(env, &a.access_token, &direct, &[&b.id]).await?,
        400,
        "invalid_members",
    );
    check::error(
        &remove(env, &a.access_token, &direct, &a.id).await?,
        400,
        "invalid_members",
    );
    let path = format!("/api/v1/conversations/{group}/members");
    let malformed = env
        .api()
        .post(&path, Some(&a.access_token), &json!({"user_ids": "x"}))
        .await?;
    check::error(&malformed, 400, "invalid_request");
    let anonymous = env
        .api()
        .post(&path, None, &json!({"user_ids": [d.id]}))
        .await?;
    check::error(&anonymous, 401, "unauthorized");
    Ok(())
}
