//! Edit and delete (additions to API v1): only the sender changes a message, history and
//! the list show the change, every member's sockets get `message_edited` /
//! `message_deleted`, and `since` replays them.

use gochat_tests::{HarnessError, TestEnv, WsClient, check};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn senders_edit_and_delete_their_messages() {
    let env = support::env().await;
    support::finish(edit_and_delete(&env).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_and_deletes_refuse_what_the_contract_refuses() {
    let env = support::env().await;
    support::finish(refusals(&env).await);
}

/// The next frame of `kind`, checked to carry an event id and a Message, returns both.
async fn change_frame(ws: &mut WsClient, kind: &str) -> Result<(String, Value), HarnessError> {
    let frame = ws.next_of_type(kind, WS_WAIT).await?;
    let event_id = check::id(&frame["event_id"], "event_id");
    check::message(&frame["message"]);
    Ok((event_id, frame["message"].clone()))
}

async fn edit_and_delete(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("edna").await?;
    let b = env.register("ed").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;
    let mut a1 = socket(env, &a, false, None).await?;
    let mut b1 = socket(env, &b, true, None).await?;
    let sent = send(env, &a, &conv, "helo", "e-1").await?;
    let mid = id_of(&sent);
    let first = b1.collect_messages(&[&mid], WS_WAIT).await?;
    let before_edit = first[0].event_id.clone();
    a1.collect_messages(&[&mid], WS_WAIT).await?;
    assert_eq!(
        sent["edited_at"],
        Value::Null,
        "a new message is not edited"
    );
    assert_eq!(sent["deleted"], false);

    let edited = env
        .api()
        .edit(&a.access_token, &conv, &mid, "hello")
        .await?;
    check::status(&edited, 200);
    check::message(&edited.json);
    assert_eq!(edited.json["id"], mid.as_str());
    assert_eq!(edited.json["body"], "hello");
    assert_eq!(edited.json["sent_at"], sent["sent_at"]);
    assert!(edited.json["edited_at"].is_string(), "{}", edited.text);
    for ws in [&mut a1, &mut b1] {
        let (_, message) = change_frame(ws, "message_edited").await?;
        assert_eq!(message, edited.json, "the pushed Message is the edited one");
    }
    let again = env
        .api()
        .edit(&a.access_token, &conv, &mid, "hello")
        .await?;
    check::status(&again, 200);
    assert_eq!(
        again.json, edited.json,
        "the same body again changes nothing"
    );

    let page = env
        .api()
        .history(&b.access_token, &conv, None, None)
        .await?;
    check::status(&page, 200);
    assert_eq!(page.json["messages"][0], edited.json);

    let deleted = env
        .api()
        .delete_message(&a.access_token, &conv, &mid)
        .await?;
    check::status(&deleted, 204);
    for ws in [&mut a1, &mut b1] {
        let (_, tombstone) = change_frame(ws, "message_deleted").await?;
        assert_eq!(tombstone["id"], mid.as_str());
        assert_eq!(
            (&tombstone["deleted"], &tombstone["body"]),
            (&json!(true), &json!(""))
        );
    }
    let page = env
        .api()
        .history(&b.access_token, &conv, None, None)
        .await?;
    let tombstone = &page.json["messages"][0];
    assert_eq!(
        tombstone["id"],
        mid.as_str(),
        "the tombstone keeps its place"
    );
    assert_eq!(
        (&tombstone["deleted"], &tombstone["body"]),
        (&json!(true), &json!(""))
    );
    let list = env.api().conversations(Some(&b.access_token)).await?;
    assert_eq!(&list.json["conversations"][0]["last_message"], tombstone);
    let twice = env
        .api()
        .delete_message(&a.access_token, &conv, &mid)
        .await?;
    check::status(&twice, 204);
    let revived = env.api().edit(&a.access_token, &conv, &mid, "back").await?;
    check::error(&revived, 409, "message_deleted");

    // A socket resuming from before the edit gets the edit, then the delete.
    let mut b2 = socket(env, &b, false, Some(&before_edit)).await?;
    let (edit_event, message) = change_frame(&mut b2, "message_edited").await?;
    assert_eq!(message, edited.json);
    let (delete_event, message) = change_frame(&mut b2, "message_deleted").await?;
    assert_eq!(&message, tombstone);
    assert_ne!(edit_event, delete_event);
    Ok(())
}

async fn refusals(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("rita").await?;
    let b = env.register("rob").await?;
    let outsider = env.register("ron").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;
    let mid = id_of(&send(env, &a, &conv, "mine", "r-1").await?);
    let api = env.api();

    check::error(
        &api.edit(&b.access_token, &conv, &mid, "x").await?,
        403,
        "not_the_sender",
    );
    check::error(
        &api.delete_message(&b.access_token, &conv, &mid).await?,
        403,
        "not_the_sender",
    );
    check::error(
        &api.edit(&outsider.access_token, &conv, &mid, "x").await?,
        403,
        "not_a_member",
    );
    check::error(
        &api.delete_message(&outsider.access_token, &conv, &mid)
            .await?,
        403,
        "not_a_member",
    );
    check::error(
        &api.edit(&a.access_token, &conv, &mid, "").await?,
        400,
        "invalid_body",
    );
    check::error(
        &api.edit(&a.access_token, &conv, &mid, "   ").await?,
        400,
        "invalid_body",
    );
    let long = "x".repeat(4097);
    check::error(
        &api.edit(&a.access_token, &conv, &mid, &long).await?,
        400,
        "invalid_body",
    );
    for missing in ["nope", "0", &format!("{mid}0"), "0000000000000001"] {
        check::error(
            &api.edit(&a.access_token, &conv, missing, "x").await?,
            404,
            "message_not_found",
        );
        check::error(
            &api.delete_message(&a.access_token, &conv, missing).await?,
            404,
            "message_not_found",
        );
    }
    let ghost = "00000000-0000-7000-8000-000000000000";
    check::error(
        &api.edit(&a.access_token, ghost, &mid, "x").await?,
        404,
        "conversation_not_found",
    );
    let path = format!("/api/v1/conversations/{conv}/messages/{mid}");
    let anonymous = api
        .call(Method::PATCH, &path, None, Some(&json!({"body": "x"})))
        .await?;
    check::error(&anonymous, 401, "unauthorized");
    let anonymous = api.call(Method::DELETE, &path, None, None).await?;
    check::error(&anonymous, 401, "unauthorized");
    let malformed = api
        .call_raw(
            Method::PATCH,
            &path,
            Some(&a.access_token),
            Some("{\"body\":"),
        )
        .await?;
    check::error(&malformed, 400, "invalid_request");
    let wrong_type = api
        .call(
            Method::PATCH,
            &path,
            Some(&a.access_token),
            Some(&json!({"body": 5})),
        )
        .await?;
    check::error(&wrong_type, 400, "invalid_request");

    // Nothing refused changed the message.
    let page = api.history(&a.access_token, &conv, None, None).await?;
    assert_eq!(page.json["messages"][0]["body"], "mine");
    assert_eq!(page.json["messages"][0]["edited_at"], Value::Null);
    Ok(())
}
