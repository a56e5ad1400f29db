//! Hardening across processes: a logout on one gateway closes the session's socket on the
//! other and is refused there; and a message stored whose publish failed reaches the
//! recipient exactly once although its sender never retries (the outbox's republisher).

use std::time::{Duration, Instant};

use gochat_tests::cluster::Cluster;
use gochat_tests::{HarnessError, WsAuth, WsClient, check};

use crate::support::{self, WAIT, api, register};

#[tokio::test(flavor = "multi_thread")]
async fn logout_crosses_gateways_and_failed_publishes_are_republished() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    logout_reaches_the_other_gateway(cluster).await?;
    a_failed_publish_is_delivered_without_a_retry(cluster).await
}

/// Logged out through gw1: the socket on gw2 closes with 4001 and gw2 refuses the token.
async fn logout_reaches_the_other_gateway(cluster: &Cluster) -> Result<(), HarnessError> {
    let user = register(cluster, "hard-leo", [0, 1, 0]).await?;
    let mut on_gw2 =
        WsClient::connect(&cluster.ws_url(1), WsAuth::Header(&user.access_token), None).await?;
    let logged_out = Instant::now();
    check::status(
        &api(cluster, 0).logout(Some(&user.access_token)).await?,
        204,
    );
    match on_gw2.next_json(WAIT).await {
        Err(HarnessError::WsClosed { code, .. }) => assert_eq!(code, Some(4001)),
        other => panic!("the socket on gw2 stayed open after the logout: {other:?}"),
    }
    let closed_after = logged_out.elapsed();
    check::error(
        &api(cluster, 1).me(Some(&user.access_token)).await?,
        401,
        "unauthorized",
    );
    println!(
        "DETAIL hardening: a logout through gw1 closed the session's socket on gw2 after {} ms",
        closed_after.as_millis()
    );
    Ok(())
}

/// Runs a Redis command against the cluster's Redis with redis-cli.
fn redis(cluster: &Cluster, args: &[&str]) -> Result<(), HarnessError> {
    let url = cluster
        .value("REDIS_URL")
        .ok_or_else(|| HarnessError::Unexpected("cluster up printed no REDIS_URL".into()))?;
    let out = std::process::Command::new("redis-cli")
        .arg("-u")
        .arg(url)
        .args(args)
        .output()
        .map_err(|e| HarnessError::Unexpected(format!("running redis-cli: {e}")))?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !said.trim().eq_ignore_ascii_case("ok") {
        return Err(HarnessError::Unexpected(format!(
            "redis-cli {args:?}: {said} {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

/// Redis refuses XADD (the event log's appends) while everything else works: the send is
/// stored, its publish fails, the sender gets 503 and never retries. Once appends work
/// again, the recipient's socket gets the message, once.
async fn a_failed_publish_is_delivered_without_a_retry(
    cluster: &Cluster,
) -> Result<(), HarnessError> {
    let a = register(cluster, "hard-amy", [0, 0, 0]).await?;
    let b = register(cluster, "hard-bob", [1, 1, 1]).await?;
    let created = api(cluster, 0)
        .create_conversation(&a.access_token, &[&b.id], None)
        .await?;
    let conversation = created.str_at("/id")?;
    let mut b2 =
        WsClient::connect(&cluster.ws_url(1), WsAuth::Header(&b.access_token), None).await?;
    redis(cluster, &["ACL", "SETUSER", "default", "-xadd"])?;
    let sent = api(cluster, 0)
        .send(
            &a.access_token,
            &conversation,
            "stored, not published",
            "outbox-1",
        )
        .await;
    redis(cluster, &["ACL", "SETUSER", "default", "+xadd"])?;
    check::error(&sent?, 503, "unavailable");
    let restored = Instant::now();
    let history = api(cluster, 1)
        .history(&b.access_token, &conversation, None, None)
        .await?;
    let stored = history.str_at("/messages/0/id")?;

    let frame = b2.next_of_type("message", Duration::from_secs(60)).await?;
    assert_eq!(frame["message"]["id"], stored.as_str(), "{frame}");
    assert_eq!(frame["message"]["body"], "stored, not published");
    println!(
        "DETAIL hardening: a message whose publish failed reached the recipient {} ms after appends worked again, with no retry",
        restored.elapsed().as_millis()
    );
    // Exactly once: nothing more comes for it over the next republisher passes.
    match b2.next_of_type("message", Duration::from_secs(12)).await {
        Err(HarnessError::Timeout { .. }) => Ok(()),
        Ok(again) => panic!("the message came again: {again}"),
        Err(e) => Err(e),
    }
}
