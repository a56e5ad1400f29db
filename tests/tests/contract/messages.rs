//! Sending: the Message answer, idempotency by `client_msg_id`, body limits, membership, and
//! `POST /api/v1/messages` to a recipient.

use gochat_tests::{HarnessError, TestEnv, check};
use serde_json::json;

use crate::support::{self, conversation, id_of, send};

#[tokio::test(flavor = "multi_thread")]
async fn sending_is_idempotent_and_checked() {
    let env = support::env().await;
    support::finish(sending(&env).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn direct_send_uses_the_pair_conversation() {
    let env = support::env().await;
    support::finish(direct_send(&env).await);
}

async fn sending(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let a = env.register("amy").await?;
    let b = env.register("bob").await?;
    let outsider = env.register("oscar").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;

    let first = send(env, &a, &conv, "hello", "m-1").await?;
    let retry = api.send(&a.access_token, &conv, "hello", "m-1").await?;
    check::status(&retry, 200);
    assert_eq!(
        retry.json, first,
        "a retried send must return the first Message"
    );
    let changed = api
        .send(&a.access_token, &conv, "different body", "m-1")
        .await?;
    check::status(&changed, 200);
    assert_eq!(
        changed.json, first,
        "same client_msg_id from the same sender: first Message"
    );
    let other_sender = send(env, &b, &conv, "hello", "m-1").await?;
    assert_ne!(
        id_of(&other_sender),
        id_of(&first),
        "another sender's send is a new message"
    );

    check::error(
        &api.send(&a.access_token, &conv, "", "m-2").await?,
        400,
        "invalid_body",
    );
    let too_long = "x".repeat(4097);
    check::error(
        &api.send(&a.access_token, &conv, &too_long, "m-3").await?,
        400,
        "invalid_body",
    );
    send(env, &a, &conv, &"y".repeat(4096), "m-4").await?;

    let path = format!("/api/v1/conversations/{conv}/messages");
    let no_cmid = api
        .post(&path, Some(&a.access_token), &json!({"body": "hi"}))
        .await?;
    check::error(&no_cmid, 400, "invalid_request");
    let no_body = api
        .post(
            &path,
            Some(&a.access_token),
            &json!({"client_msg_id": "m-5"}),
        )
        .await?;
    check::error(&no_body, 400, "invalid_request");
    let anonymous = api
        .post(&path, None, &json!({"body": "hi", "client_msg_id": "m-6"}))
        .await?;
    check::error(&anonymous, 401, "unauthorized");

    let intruder = api
        .send(&outsider.access_token, &conv, "let me in", "m-7")
        .await?;
    check::error(&intruder, 403, "not_a_member");
    let peek = api
        .history(&outsider.access_token, &conv, None, None)
        .await?;
    check::error(&peek, 403, "not_a_member");

    let nowhere = api
        .send(&a.access_token, "no-such-conversation", "hi", "m-8")
        .await?;
    check::error(&nowhere, 404, "conversation_not_found");
    let no_history = api
        .history(&a.access_token, "no-such-conversation", None, None)
        .await?;
    check::error_shape(&no_history, 404);
    Ok(())
}

async fn direct_send(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let a = env.register("dora").await?;
    let b = env.register("dan").await?;
    let c = env.register("dee").await?;

    let sent = api
        .send_direct(&a.access_token, &b.id, "hi dan", "d-1")
        .await?;
    check::status(&sent, 201);
    check::message(&sent.json);
    assert_eq!(sent.json["sender_id"], a.id.as_str(), "{}", sent.text);
    assert_eq!(sent.json["body"], "hi dan", "{}", sent.text);
    assert_eq!(sent.json["client_msg_id"], "d-1", "{}", sent.text);
    let conv = sent.str_at("/conversation_id")?;

    let list = api.conversations(Some(&a.access_token)).await?;
    check::status(&list, 200);
    let listed = list.json["conversations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found = listed.iter().find(|c| c["id"] == conv.as_str());
    assert!(
        found.is_some(),
        "the created direct conversation is not listed: {}",
        list.text
    );
    let found = found.cloned().unwrap_or_default();
    assert_eq!(found["kind"], "direct", "{found}");
    assert_eq!(check::members(&found), check::sorted(&[&a.id, &b.id]));
    assert_eq!(conversation(env, &a, &[&b], None, 200).await?, conv);

    let reply = api
        .send_direct(&b.access_token, &a.id, "hi dora", "d-2")
        .await?;
    check::status(&reply, 201);
    assert_eq!(
        reply.json["conversation_id"],
        conv.as_str(),
        "{}",
        reply.text
    );
    let retry = api
        .send_direct(&a.access_token, &b.id, "hi dan", "d-1")
        .await?;
    check::status(&retry, 200);
    assert_eq!(
        retry.json, sent.json,
        "a retried direct send must return the first Message"
    );

    let ghost = api
        .send_direct(&a.access_token, "no-such-user", "hello?", "d-3")
        .await?;
    check::error(&ghost, 404, "user_not_found");
    let empty = api.send_direct(&a.access_token, &b.id, "", "d-4").await?;
    check::error(&empty, 400, "invalid_body");

    let page = api.history(&a.access_token, &conv, None, None).await?;
    check::status(&page, 200);
    let got: Vec<String> = page.json["messages"]
        .as_array()
        .map(|m| m.iter().map(id_of).collect())
        .unwrap_or_default();
    assert_eq!(
        got,
        [id_of(&reply.json), id_of(&sent.json)],
        "{}",
        page.text
    );

    let existing = conversation(env, &a, &[&c], None, 201).await?;
    let to_c = api
        .send_direct(&a.access_token, &c.id, "hi dee", "d-5")
        .await?;
    check::status(&to_c, 201);
    assert_eq!(
        to_c.json["conversation_id"],
        existing.as_str(),
        "{}",
        to_c.text
    );
    Ok(())
}
