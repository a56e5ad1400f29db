//! Read markers and unread counts (additions to API v1): a marker only moves forward,
//! conversations carry `unread_count` and `read_up_to`, the members route shows every
//! member's marker, and every member's sockets get `read` events that `since` replays.

use gochat_tests::{HarnessError, TestEnv, WsClient, check};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn read_markers_move_forward_and_reach_every_member() {
    let env = support::env().await;
    support::finish(markers(&env).await);
}

/// The caller's view of conversation `id` in their list.
async fn listed(env: &TestEnv, token: &str, id: &str) -> Result<Value, HarnessError> {
    let list = env.api().conversations(Some(token)).await?;
    check::status(&list, 200);
    let found = list.json["conversations"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == id).cloned());
    let found = found.unwrap_or_else(|| panic!("{id} not in the list: {}", list.text));
    check::conversation(&found);
    Ok(found)
}

/// The next `read` frame, checked, as (event id, user id, message id).
async fn read_frame(
    ws: &mut WsClient,
    conv: &str,
) -> Result<(String, String, String), HarnessError> {
    let frame = ws.next_of_type("read", WS_WAIT).await?;
    assert_eq!(frame["conversation_id"], conv, "{frame}");
    Ok((
        check::id(&frame["event_id"], "event_id"),
        check::id(&frame["user_id"], "user_id"),
        check::id(&frame["message_id"], "message_id"),
    ))
}

async fn markers(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("rhea").await?;
    let b = env.register("rex").await?;
    let c = env.register("roz").await?;
    let outsider = env.register("rudy").await?;
    let group = conversation(env, &a, &[&b, &c], Some("Readers"), 201).await?;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(id_of(
            &send(env, &a, &group, &format!("news {i}"), &format!("n-{i}")).await?,
        ));
    }
    let mut a1 = socket(env, &a, false, None).await?;
    let mut b1 = socket(env, &b, false, None).await?;
    let mut b2 = socket(env, &b, true, None).await?;
    let mut c1 = socket(env, &c, false, None).await?;

    let fresh = listed(env, &b.access_token, &group).await?;
    assert_eq!(
        (&fresh["unread_count"], &fresh["read_up_to"]),
        (&json!(3), &Value::Null)
    );
    assert_eq!(
        listed(env, &a.access_token, &group).await?["unread_count"],
        0,
        "own messages"
    );

    let marked = env
        .api()
        .mark_read(&b.access_token, &group, &ids[1])
        .await?;
    check::status(&marked, 204);
    let mut first_read = String::new();
    for ws in [&mut a1, &mut b1, &mut b2, &mut c1] {
        let (event_id, user, message) = read_frame(ws, &group).await?;
        assert_eq!(
            (user.as_str(), message.as_str()),
            (b.id.as_str(), ids[1].as_str())
        );
        first_read = event_id;
    }
    let after = listed(env, &b.access_token, &group).await?;
    assert_eq!(
        (&after["unread_count"], &after["read_up_to"]),
        (&json!(1), &json!(ids[1]))
    );

    let older = env
        .api()
        .mark_read(&b.access_token, &group, &ids[0])
        .await?;
    check::status(&older, 204);
    assert_eq!(
        listed(env, &b.access_token, &group).await?["read_up_to"],
        ids[1].as_str()
    );

    let members = env.api().members(&c.access_token, &group).await?;
    check::status(&members, 200);
    assert_eq!(
        members.json,
        json!({"members": [
            {"user_id": a.id, "read_up_to": null},
            {"user_id": b.id, "read_up_to": ids[1]},
            {"user_id": c.id, "read_up_to": null},
        ]})
    );

    // The reader's own messages are never unread; deleted ones stop counting.
    send(env, &b, &group, "thanks", "n-b").await?;
    assert_eq!(
        listed(env, &b.access_token, &group).await?["unread_count"],
        1
    );
    assert_eq!(
        listed(env, &c.access_token, &group).await?["unread_count"],
        4
    );
    let deleted = env
        .api()
        .delete_message(&a.access_token, &group, &ids[2])
        .await?;
    check::status(&deleted, 204);
    assert_eq!(
        listed(env, &b.access_token, &group).await?["unread_count"],
        0
    );
    assert_eq!(
        listed(env, &c.access_token, &group).await?["unread_count"],
        3
    );

    // A reconnect from before the marker moved replays the `read` event.
    let mut late = socket(env, &c, false, Some(&ids_event_before(&first_read))).await?;
    let (replayed, user, _) = read_frame(&mut late, &group).await?;
    assert_eq!((replayed, user), (first_read, b.id.clone()));

    // Refusals.
    let api = env.api();
    check::error(
        &api.mark_read(&outsider.access_token, &group, &ids[0])
            .await?,
        403,
        "not_a_member",
    );
    check::error(
        &api.members(&outsider.access_token, &group).await?,
        403,
        "not_a_member",
    );
    check::error(
        &api.mark_read(&b.access_token, &group, "not-an-id").await?,
        400,
        "invalid_request",
    );
    check::error(
        &api.mark_read(&b.access_token, &group, "").await?,
        400,
        "invalid_request",
    );
    let unknown = "0000000000000001";
    check::error(
        &api.mark_read(&b.access_token, &group, unknown).await?,
        404,
        "message_not_found",
    );
    let ghost = "00000000-0000-7000-8000-000000000000";
    check::error(
        &api.mark_read(&b.access_token, ghost, &ids[0]).await?,
        404,
        "conversation_not_found",
    );
    check::error(
        &api.members(&b.access_token, ghost).await?,
        404,
        "conversation_not_found",
    );
    let path = format!("/api/v1/conversations/{group}/read");
    let missing = api.post(&path, Some(&b.access_token), &json!({})).await?;
    check::error(&missing, 400, "invalid_request");
    let anonymous = api
        .post(&path, None, &json!({"message_id": ids[0]}))
        .await?;
    check::error(&anonymous, 401, "unauthorized");
    let members_path = format!("/api/v1/conversations/{group}/members");
    let anonymous = api.call(Method::GET, &members_path, None, None).await?;
    check::error(&anonymous, 401, "unauthorized");
    Ok(())
}

/// An event id just before `event_id` (`N-S` → `N-(S-1)` or `(N-1)-…`): resuming after it
/// replays `event_id`.
fn ids_event_before(event_id: &str) -> String {
    let (ms, seq) = event_id.split_once('-').expect("event ids are MS-SEQ");
    let (ms, seq): (u64, u64) = (ms.parse().unwrap(), seq.parse().unwrap());
    if seq > 0 {
        format!("{ms}-{}", seq - 1)
    } else {
        format!("{}-{}", ms - 1, u64::MAX)
    }
}
