//! The whole API walked on the distributed cluster, every step's two sides on different
//! gateways: accounts made through the real SMTP path, direct and group conversations,
//! WebSocket delivery across gateways, history, and resuming on the other gateway with `since`.

use gochat_tests::cluster::Cluster;
use gochat_tests::ws::ids;
use gochat_tests::{HarnessError, TestUser, WsAuth, WsClient, order};
use serde_json::{Value, json};

use crate::support::{self, WAIT, api, expect, register};

#[tokio::test(flavor = "multi_thread")]
async fn whole_api_across_two_gateways() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(scenario(&cluster).await);
    support::finish(cluster.down().await);
}

/// Opens `user`'s socket on gateway `gw`, optionally resuming after `since`.
async fn socket(
    cluster: &Cluster,
    user: &TestUser,
    gw: usize,
    since: Option<&str>,
) -> Result<WsClient, HarnessError> {
    WsClient::connect(
        &cluster.ws_url(gw),
        WsAuth::Header(&user.access_token),
        since,
    )
    .await
}

/// Sends over REST on gateway `gw`, asserts 201, returns the Message.
async fn post(
    cluster: &Cluster,
    gw: usize,
    user: &TestUser,
    conversation: &str,
    body: &str,
    client_msg_id: &str,
) -> Result<Value, HarnessError> {
    let sent = api(cluster, gw)
        .send(&user.access_token, conversation, body, client_msg_id)
        .await?;
    expect(&sent, 201, "send");
    assert_eq!(sent.json["sender_id"], user.id.as_str(), "{}", sent.text);
    assert_eq!(sent.json["conversation_id"], conversation, "{}", sent.text);
    Ok(sent.json)
}

fn id_of(message: &Value) -> String {
    message["id"].as_str().unwrap_or_default().to_owned()
}

async fn scenario(cluster: &Cluster) -> Result<(), HarnessError> {
    let alice = register(cluster, "alice", [0, 1, 0]).await?;
    let bob = register(cluster, "bob", [1, 0, 1]).await?;
    let carol = register(cluster, "carol", [0, 0, 1]).await?;

    let me = api(cluster, 1).me(Some(&alice.access_token)).await?;
    expect(&me, 200, "me on the other gateway");
    assert_eq!(me.json["id"], alice.id.as_str());
    assert_eq!(me.json["status"], "active");
    let found = api(cluster, 0)
        .lookup(&alice.access_token, &bob.email)
        .await?;
    expect(&found, 200, "lookup");
    assert_eq!(found.json["id"], bob.id.as_str());
    let missing = api(cluster, 1)
        .lookup(&alice.access_token, "nobody@example.com")
        .await?;
    expect(&missing, 404, "lookup of nobody");
    assert_eq!(missing.json["error"]["code"], "user_not_found");

    let mut alice_ws = socket(cluster, &alice, 0, None).await?;
    let mut bob_ws = socket(cluster, &bob, 1, None).await?;
    let mut carol_ws = socket(cluster, &carol, 0, None).await?;

    direct(cluster, &alice, &bob, &mut alice_ws, &mut bob_ws).await?;
    let group = group(
        cluster,
        [&alice, &bob, &carol],
        [&mut alice_ws, &mut bob_ws, &mut carol_ws],
    )
    .await?;
    let direct_cb = send_direct(cluster, &carol, &bob, &mut bob_ws).await?;
    conversations_order(cluster, &bob, &[&direct_cb, &group]).await?;
    resume(cluster, &alice, &bob, &carol, &group, bob_ws).await?;
    sessions(cluster, &alice).await?;
    alice_ws.close().await;
    carol_ws.close().await;
    Ok(())
}

/// Direct conversation: unique per pair on both gateways, REST and WebSocket sends delivered
/// to the other gateway, idempotent retries, history newest first with paging.
async fn direct(
    cluster: &Cluster,
    alice: &TestUser,
    bob: &TestUser,
    alice_ws: &mut WsClient,
    bob_ws: &mut WsClient,
) -> Result<(), HarnessError> {
    let created = api(cluster, 0)
        .create_conversation(&alice.access_token, &[&bob.id], None)
        .await?;
    expect(&created, 201, "create direct");
    assert_eq!(created.json["kind"], "direct");
    let conv = created.str_at("/id")?;
    let again = api(cluster, 1)
        .create_conversation(&bob.access_token, &[&alice.id], None)
        .await?;
    expect(&again, 200, "the same pair again, other gateway");
    assert_eq!(again.json["id"], conv.as_str());

    let m1 = post(cluster, 0, alice, &conv, "hi bob", "d-1").await?;
    let got = bob_ws.collect_messages(&[&id_of(&m1)], WAIT).await?;
    assert_eq!(
        got.last().map(|e| e.message["body"].clone()),
        Some(json!("hi bob"))
    );
    alice_ws.collect_messages(&[&id_of(&m1)], WAIT).await?;

    bob_ws
        .send_json(&json!({"type": "send", "conversation_id": conv, "body": "hi alice", "client_msg_id": "d-2"}))
        .await?;
    let ack = bob_ws.next_of_type("ack", WAIT).await?;
    assert_eq!(ack["client_msg_id"], "d-2", "{ack}");
    let m2 = ack["message"].clone();
    assert_eq!(m2["sender_id"], bob.id.as_str(), "{ack}");
    alice_ws.collect_messages(&[&id_of(&m2)], WAIT).await?;

    let retry = api(cluster, 1)
        .send(&alice.access_token, &conv, "hi bob", "d-1")
        .await?;
    expect(&retry, 200, "the same client_msg_id again, other gateway");
    assert_eq!(
        retry.json["id"], m1["id"],
        "a retry returns the first Message"
    );

    let history = api(cluster, 1)
        .history(&bob.access_token, &conv, None, None)
        .await?;
    expect(&history, 200, "history");
    let listed: Vec<String> = history.json["messages"]
        .as_array()
        .map(|a| a.iter().map(id_of).collect())
        .unwrap_or_default();
    assert_eq!(listed, [id_of(&m2), id_of(&m1)], "newest first, each once");
    let page = api(cluster, 0)
        .history(&alice.access_token, &conv, None, Some("1"))
        .await?;
    expect(&page, 200, "history page");
    let before = page.str_at("/next_before")?;
    let older = api(cluster, 1)
        .history(&alice.access_token, &conv, Some(&before), Some("1"))
        .await?;
    expect(&older, 200, "older page");
    assert_eq!(older.json["messages"][0]["id"], m1["id"], "{}", older.text);
    Ok(())
}

/// Group conversation: every member gets every message on their own gateway.
async fn group(
    cluster: &Cluster,
    [alice, bob, carol]: [&TestUser; 3],
    [alice_ws, bob_ws, carol_ws]: [&mut WsClient; 3],
) -> Result<String, HarnessError> {
    let created = api(cluster, 1)
        .create_conversation(&carol.access_token, &[&alice.id, &bob.id], Some("Trio"))
        .await?;
    expect(&created, 201, "create group");
    assert_eq!(created.json["kind"], "group");
    assert_eq!(created.json["title"], "Trio");
    assert_eq!(created.json["member_ids"].as_array().map(Vec::len), Some(3));
    let group = created.str_at("/id")?;
    let m = post(cluster, 1, carol, &group, "hello all", "g-1").await?;
    alice_ws.collect_messages(&[&id_of(&m)], WAIT).await?;
    bob_ws.collect_messages(&[&id_of(&m)], WAIT).await?;
    carol_ws.collect_messages(&[&id_of(&m)], WAIT).await?;
    alice_ws
        .send_json(&json!({"type": "send", "conversation_id": group, "body": "hi both", "client_msg_id": "g-2"}))
        .await?;
    let ack = alice_ws.next_of_type("ack", WAIT).await?;
    let reply = ack["message"].clone();
    bob_ws.collect_messages(&[&id_of(&reply)], WAIT).await?;
    carol_ws.collect_messages(&[&id_of(&reply)], WAIT).await?;
    Ok(group)
}

/// `POST /api/v1/messages` makes the direct conversation on the fly.
async fn send_direct(
    cluster: &Cluster,
    carol: &TestUser,
    bob: &TestUser,
    bob_ws: &mut WsClient,
) -> Result<String, HarnessError> {
    let sent = api(cluster, 0)
        .send_direct(&carol.access_token, &bob.id, "psst", "p-1")
        .await?;
    expect(&sent, 201, "send to a user");
    bob_ws.collect_messages(&[&id_of(&sent.json)], WAIT).await?;
    sent.str_at("/conversation_id")
}

/// `GET /api/v1/conversations` lists the most recently active first.
async fn conversations_order(
    cluster: &Cluster,
    bob: &TestUser,
    newest_first: &[&str],
) -> Result<(), HarnessError> {
    let list = api(cluster, 0)
        .conversations(Some(&bob.access_token))
        .await?;
    expect(&list, 200, "conversations");
    let listed: Vec<String> = list.json["conversations"]
        .as_array()
        .map(|a| a.iter().map(id_of).collect())
        .unwrap_or_default();
    assert_eq!(listed.len(), 3, "{}", list.text);
    assert_eq!(&listed[..2], newest_first, "most recently active first");
    Ok(())
}

/// Bob drops his socket on gw2, misses messages, and resumes on gw1 with `since`.
async fn resume(
    cluster: &Cluster,
    alice: &TestUser,
    bob: &TestUser,
    carol: &TestUser,
    group: &str,
    mut bob_ws: WsClient,
) -> Result<(), HarnessError> {
    let conv = api(cluster, 1)
        .create_conversation(&bob.access_token, &[&alice.id], None)
        .await?
        .str_at("/id")?;
    let seen = post(cluster, 0, alice, &conv, "before the gap", "r-0").await?;
    let events = bob_ws.collect_messages(&[&id_of(&seen)], WAIT).await?;
    let since = events
        .iter()
        .map(|e| e.event_id.clone())
        .max_by(|a, b| order::compare_event_ids(a, b))
        .unwrap_or_default();
    bob_ws.close().await;

    let mut missed = Vec::new();
    for (i, body) in ["gap 1", "gap 2", "gap 3"].iter().enumerate() {
        missed.push(id_of(
            &post(cluster, 0, alice, &conv, body, &format!("r-{}", i + 1)).await?,
        ));
    }
    missed.push(id_of(
        &post(cluster, 1, carol, group, "gap 4", "r-4").await?,
    ));

    let mut again = socket(cluster, bob, 0, Some(&since)).await?;
    let wanted: Vec<&str> = missed.iter().map(String::as_str).collect();
    let replayed = again.collect_messages(&wanted, WAIT).await?;
    let fresh: Vec<_> = order::dedupe(&replayed)
        .into_iter()
        .filter(|e| e.message_id() != id_of(&seen))
        .collect();
    assert_eq!(ids(&fresh), missed, "replayed in order, nothing missed");
    let event_ids: Vec<&str> = fresh.iter().map(|e| e.event_id.as_str()).collect();
    assert!(order::strictly_increasing(&event_ids), "{event_ids:?}");
    assert!(
        event_ids
            .iter()
            .all(|id| order::compare_event_ids(&since, id).is_lt())
    );

    let live = post(cluster, 1, alice, &conv, "live again", "r-5").await?;
    let after = again.collect_messages(&[&id_of(&live)], WAIT).await?;
    assert!(
        after
            .iter()
            .all(|e| e.message_id() == id_of(&live) || missed.iter().any(|m| m == e.message_id())),
        "only repeats of the replay before the live message: {:?}",
        ids(&after)
    );
    again.close().await;
    Ok(())
}

/// Refresh rotation and logout, each on the gateway the session was not made on.
async fn sessions(cluster: &Cluster, alice: &TestUser) -> Result<(), HarnessError> {
    let refreshed = api(cluster, 1).refresh(&alice.refresh_token).await?;
    expect(&refreshed, 200, "refresh on the other gateway");
    assert_eq!(refreshed.json["token_type"], "Bearer");
    let stale = api(cluster, 0).refresh(&alice.refresh_token).await?;
    expect(&stale, 401, "a rotated refresh token");
    assert_eq!(stale.json["error"]["code"], "invalid_refresh_token");
    let fresh = api(cluster, 1).login(&alice.email, &alice.password).await?;
    expect(&fresh, 200, "login again");
    let token = fresh.str_at("/access_token")?;
    let refresh = fresh.str_at("/refresh_token")?;
    let out = api(cluster, 0).logout(Some(&token)).await?;
    expect(&out, 204, "logout");
    let after = api(cluster, 1).refresh(&refresh).await?;
    expect(&after, 401, "refresh after logout");
    Ok(())
}
