//! The messenger additions across processes: read markers, edits, deletes, typing and
//! presence crossing from one gateway to the other; a member removed through one chat
//! replica refused by the other within the group cache's staleness bound; and presence
//! recovering after a gateway is SIGKILLed.

use std::time::{Duration, Instant};

use gochat_proto::chat::v1::{
    RemoveMemberRequest, SendMessageRequest, chat_service_client::ChatServiceClient,
};
use gochat_proto::error::{ErrorCode, error_code};
use gochat_runtime::tls::Role;
use gochat_tests::cluster::{Cluster, Part};
use gochat_tests::{HarnessError, TestUser, WsAuth, WsClient, check};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{self, WAIT, api, register};

#[tokio::test(flavor = "multi_thread")]
async fn messenger_features_cross_gateways_and_chat_replicas() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

/// A socket of `user` on gateway `index`.
async fn socket(
    cluster: &Cluster,
    user: &TestUser,
    index: usize,
) -> Result<WsClient, HarnessError> {
    WsClient::connect(
        &cluster.ws_url(index),
        WsAuth::Header(&user.access_token),
        None,
    )
    .await
}

/// A gRPC client of the chat replica at `key` (`CHAT_GRPC_URL` or `CHAT2_GRPC_URL`),
/// presenting the gateway's certificate.
fn chat(cluster: &Cluster, key: &str) -> ChatServiceClient<gochat_runtime::grpc::TracedChannel> {
    let url = cluster
        .value(key)
        .unwrap_or_else(|| panic!("cluster up printed no {key}"));
    ChatServiceClient::new(support::grpc_channel(cluster, url, Role::Chat))
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    let a = register(cluster, "msg-ann", [0, 1, 0]).await?;
    let b = register(cluster, "msg-ben", [1, 0, 1]).await?;
    let c = register(cluster, "msg-cat", [0, 0, 1]).await?;
    let (gw1, gw2) = (api(cluster, 0), api(cluster, 1));
    let created = gw1
        .create_conversation(&a.access_token, &[&b.id, &c.id], Some("Across"))
        .await?;
    check::status(&created, 201);
    let group = created.str_at("/id")?;
    let mut a1 = socket(cluster, &a, 0).await?;
    let mut b2 = socket(cluster, &b, 1).await?;

    // Read markers, edits and deletes cross from one gateway to the other.
    let sent = gw1
        .send(&a.access_token, &group, "hello from gw1", "x-1")
        .await?;
    check::status(&sent, 201);
    let mid = sent.str_at("/id")?;
    b2.collect_messages(&[&mid], WAIT).await?;
    check::status(&gw2.mark_read(&b.access_token, &group, &mid).await?, 204);
    let read = a1.next_of_type("read", WAIT).await?;
    assert_eq!(
        (&read["user_id"], &read["message_id"]),
        (&json!(b.id), &json!(mid)),
        "{read}"
    );
    check::status(
        &gw1.edit(&a.access_token, &group, &mid, "hello, edited")
            .await?,
        200,
    );
    let edited = b2.next_of_type("message_edited", WAIT).await?;
    assert_eq!(edited["message"]["body"], "hello, edited", "{edited}");
    check::status(
        &gw1.delete_message(&a.access_token, &group, &mid).await?,
        204,
    );
    let deleted = b2.next_of_type("message_deleted", WAIT).await?;
    assert_eq!(deleted["message"]["deleted"], true, "{deleted}");
    let listed = gw2.conversations(Some(&b.access_token)).await?;
    assert_eq!(listed.json["conversations"][0]["read_up_to"], mid.as_str());

    // Typing on gw1 reaches gw2; presence of a user on gw2 reaches gw1.
    a1.send_json(&json!({"type": "typing", "conversation_id": group}))
        .await?;
    let typing = b2.next_of_type("typing", WAIT).await?;
    assert_eq!(
        typing,
        json!({"type": "typing", "conversation_id": group, "user_id": a.id})
    );
    let c2 = socket(cluster, &c, 1).await?;
    let online = a1.next_of_type("presence", WAIT).await?;
    assert_eq!(
        (&online["user_id"], &online["status"]),
        (&json!(c.id), &json!("online")),
        "{online}"
    );
    c2.close().await;
    let offline = a1.next_of_type("presence", WAIT).await?;
    assert_eq!(
        (&offline["user_id"], &offline["status"]),
        (&json!(c.id), &json!("offline")),
        "{offline}"
    );

    removed_on_one_replica_refused_on_the_other(cluster, &a, &c, &group).await?;
    presence_recovers_after_a_gateway_kill(cluster, &a, &b, b2).await
}

/// `c` sends through chat2 (which caches the group), is removed through chat, and chat2
/// refuses `c` within the staleness bound.
async fn removed_on_one_replica_refused_on_the_other(
    cluster: &Cluster,
    a: &TestUser,
    c: &TestUser,
    group: &str,
) -> Result<(), HarnessError> {
    let (mut chat1, mut chat2) = (
        chat(cluster, "CHAT_GRPC_URL"),
        chat(cluster, "CHAT2_GRPC_URL"),
    );
    let send = |n: usize| SendMessageRequest {
        sender_id: c.id.clone(),
        conversation_id: group.to_owned(),
        body: format!("via chat2 #{n}"),
        client_msg_id: format!("chat2-{n}"),
    };
    chat2.send_message(send(0)).await.map_err(grpc)?;
    chat1
        .remove_member(RemoveMemberRequest {
            user_id: a.id.clone(),
            conversation_id: group.to_owned(),
            member_id: c.id.clone(),
        })
        .await
        .map_err(grpc)?;
    let removed_at = Instant::now();
    let bound = gochat_chat::GROUP_STALENESS + Duration::from_secs(2);
    let mut n = 1;
    loop {
        match chat2.send_message(send(n)).await {
            Err(status) if error_code(&status) == Some(ErrorCode::NotAMember) => break,
            Err(status) => return Err(grpc(status)),
            Ok(_) => {
                assert!(
                    removed_at.elapsed() < bound,
                    "chat2 still accepted the removed member after {:?}",
                    removed_at.elapsed()
                );
            }
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "MEMBERSHIP removal enforced by the other replica after {:.1}s (bound {bound:?})",
        removed_at.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `b` is connected only through gw2; gw2 is SIGKILLed; `a` (on gw1) sees `b` offline
/// within the presence TTL; gw2 restarts and `b` comes back online.
async fn presence_recovers_after_a_gateway_kill(
    cluster: &Cluster,
    a: &TestUser,
    b: &TestUser,
    b_socket: WsClient,
) -> Result<(), HarnessError> {
    let gw1 = api(cluster, 0);
    let status = |v: &Value| {
        v["presence"][0]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let path = format!("/api/v1/presence?user_ids={}", b.id);
    let before = gw1
        .call(Method::GET, &path, Some(&a.access_token), None)
        .await?;
    assert_eq!(status(&before.json), "online", "{}", before.text);
    cluster.kill(Part::Gw2).await?;
    drop(b_socket);
    let killed_at = Instant::now();
    let bound = Duration::from_secs(60);
    loop {
        let now = gw1
            .call(Method::GET, &path, Some(&a.access_token), None)
            .await?;
        if status(&now.json) == "offline" {
            check::utc_time(&now.json["presence"][0]["last_seen_at"], "last_seen_at");
            break;
        }
        assert!(
            killed_at.elapsed() < bound,
            "b still online {bound:?} after gw2 died"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "PRESENCE offline {:.1}s after the gateway's SIGKILL (bound {bound:?})",
        killed_at.elapsed().as_secs_f64()
    );
    cluster.start(Part::Gw2).await?;
    cluster.wait_ready(support::RECOVER).await?;
    let _back = socket(cluster, b, 1).await?;
    let again = gw1
        .call(Method::GET, &path, Some(&a.access_token), None)
        .await?;
    assert_eq!(status(&again.json), "online", "{}", again.text);
    Ok(())
}

/// A chat call's failure as a harness error.
fn grpc(status: tonic::Status) -> HarnessError {
    HarnessError::Unexpected(format!("chat answered {status:?}"))
}
