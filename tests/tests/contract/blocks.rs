//! Blocking (an addition to API v1): a blocked user cannot write to the blocker directly nor
//! open a direct conversation, type to them or see their presence; shared groups still flow;
//! lookup still finds the blocker.

use gochat_tests::{HarnessError, TestEnv, check};
use reqwest::Method;
use serde_json::json;

use crate::support::{self, WS_WAIT, conversation, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_user_cannot_write_directly() {
    let env = support::env().await;
    support::finish(blocking(&env).await);
}

async fn blocking(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("bea").await?;
    let b = env.register("bo").await?;
    let c = env.register("bix").await?;
    let api = env.api();
    let direct = conversation(env, &a, &[&b], None, 201).await?;
    let group = conversation(env, &a, &[&b, &c], Some("Still friends"), 201).await?;
    let blocks_path = format!("/api/v1/blocks/{}", b.id);

    let blocked = api
        .call(Method::PUT, &blocks_path, Some(&a.access_token), None)
        .await?;
    check::status(&blocked, 204);
    let again = api
        .call(Method::PUT, &blocks_path, Some(&a.access_token), None)
        .await?;
    check::status(&again, 204);
    let listed = api
        .call(Method::GET, "/api/v1/blocks", Some(&a.access_token), None)
        .await?;
    check::status(&listed, 200);
    let blocks = listed.json["blocks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(blocks.len(), 1, "{}", listed.text);
    assert_eq!(blocks[0]["user_id"], b.id.as_str());
    check::utc_time(&blocks[0]["blocked_at"], "blocked_at");

    check::error(
        &api.send(&b.access_token, &direct, "hey", "b-1").await?,
        403,
        "blocked",
    );
    check::error(
        &api.send_direct(&b.access_token, &a.id, "hey", "b-2")
            .await?,
        403,
        "blocked",
    );
    send(env, &b, &group, "groups still flow", "b-3").await?;
    send(env, &a, &direct, "the blocker may still write", "b-4").await?;
    let found = api.lookup(&b.access_token, &a.email).await?;
    check::status(&found, 200);
    assert_eq!(
        found.json["id"],
        a.id.as_str(),
        "lookup of the blocker still works"
    );

    // The blocked user no longer sees the blocker's presence nor types to them.
    let a_presence = format!("/api/v1/presence?user_ids={}", a.id);
    let hidden = api
        .call(Method::GET, &a_presence, Some(&b.access_token), None)
        .await?;
    check::error(&hidden, 404, "user_not_found");
    let b_presence = format!("/api/v1/presence?user_ids={}", b.id);
    check::status(
        &api.call(Method::GET, &b_presence, Some(&a.access_token), None)
            .await?,
        200,
    );
    let mut ws = socket(env, &b, false, None).await?;
    ws.send_json(&json!({"type": "typing", "conversation_id": direct}))
        .await?;
    let refused = ws.next_of_type("error", WS_WAIT).await?;
    assert_eq!(refused["code"], "blocked", "{refused}");

    // A blocker without a direct conversation yet cannot be reached with a new one.
    let c_blocks_b = format!("/api/v1/blocks/{}", b.id);
    check::status(
        &api.call(Method::PUT, &c_blocks_b, Some(&c.access_token), None)
            .await?,
        204,
    );
    let opened = api
        .create_conversation(&b.access_token, &[&c.id], None)
        .await?;
    check::error(&opened, 403, "blocked");

    // Refusals.
    let me = format!("/api/v1/blocks/{}", a.id);
    check::error(
        &api.call(Method::PUT, &me, Some(&a.access_token), None)
            .await?,
        400,
        "invalid_request",
    );
    let ghost = "/api/v1/blocks/00000000-0000-7000-8000-000000000000";
    check::error(
        &api.call(Method::PUT, ghost, Some(&a.access_token), None)
            .await?,
        404,
        "user_not_found",
    );
    check::error(
        &api.call(Method::PUT, &blocks_path, None, None).await?,
        401,
        "unauthorized",
    );
    check::error(
        &api.call(Method::GET, "/api/v1/blocks", None, None).await?,
        401,
        "unauthorized",
    );

    // Lifted, the direct conversation works again.
    check::status(
        &api.call(Method::DELETE, &blocks_path, Some(&a.access_token), None)
            .await?,
        204,
    );
    check::status(
        &api.call(Method::DELETE, &blocks_path, Some(&a.access_token), None)
            .await?,
        204,
    );
    send(env, &b, &direct, "thanks", "b-5").await?;
    check::status(
        &api.call(Method::GET, &a_presence, Some(&b.access_token), None)
            .await?,
        200,
    );
    let listed = api
        .call(Method::GET, "/api/v1/blocks", Some(&a.access_token), None)
        .await?;
    assert_eq!(listed.json, json!({"blocks": []}));
    Ok(())
}
