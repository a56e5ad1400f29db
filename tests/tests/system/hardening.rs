//! Hardening across processes: the services accept only callers with the certificate of
//! the role allowed to call them; a logout on one gateway closes the session's socket on the
//! other and is refused there; and a message stored whose publish failed reaches the
//! recipient exactly once although its sender never retries (the outbox's republisher).

use std::path::Path;
use std::time::{Duration, Instant};

use gochat_tests::cluster::Cluster;
use gochat_tests::{HarnessError, WsAuth, WsClient, check};

use crate::support::{self, WAIT, api, register};

/// How long the sender may take to reach a milestone.
const STEP: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn logout_crosses_gateways_and_failed_publishes_are_republished() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    only_the_gateway_reaches_chat(cluster).await?;
    logout_reaches_the_other_gateway(cluster).await?;
    a_failed_publish_is_delivered_without_a_retry(cluster).await
}

/// Chat's gRPC port, reached directly: plaintext and a caller without a certificate are
/// refused in the TLS handshake; auth's client certificate is refused too; the gateway's
/// answers.
async fn only_the_gateway_reaches_chat(cluster: &Cluster) -> Result<(), HarnessError> {
    use gochat_proto::chat::v1::{ListBlocksRequest, chat_service_client::ChatServiceClient};
    use gochat_runtime::tls::{Role, TlsDir};
    let url = cluster
        .value("CHAT_GRPC_URL")
        .ok_or_else(|| HarnessError::Unexpected("no CHAT_GRPC_URL".into()))?;
    let dir = TlsDir::new(
        cluster
            .value("TLS_DIR")
            .ok_or_else(|| HarnessError::Unexpected("no TLS_DIR".into()))?,
    );
    let ask = |tls: Option<tonic::transport::ClientTlsConfig>| async move {
        let channel = gochat_runtime::grpc::channel_with(url, tls).expect("a channel");
        let mut chat = ChatServiceClient::new(channel);
        let request = ListBlocksRequest {
            user_id: "tls-probe".into(),
        };
        tokio::time::timeout(WAIT, chat.list_blocks(request)).await
    };
    let plain = ask(None).await;
    assert!(!matches!(plain, Ok(Ok(_))), "plaintext reached chat");
    let server_ca = std::fs::read(dir.path().join("server-ca.crt"))
        .map_err(|e| HarnessError::io("read the server CA", e))?;
    let anonymous = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(server_ca))
        .domain_name(Role::Chat.server_name());
    assert!(
        !matches!(ask(Some(anonymous)).await, Ok(Ok(_))),
        "a caller without a certificate reached chat"
    );
    let as_auth = dir
        .client(Role::Auth, Role::Chat)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    assert!(
        !matches!(ask(Some(as_auth)).await, Ok(Ok(_))),
        "auth's certificate reached chat"
    );
    let as_gateway = dir
        .client(Role::Gateway, Role::Chat)
        .map_err(|e| HarnessError::Unexpected(e.to_string()))?;
    let answered = ask(Some(as_gateway)).await;
    assert!(
        matches!(answered, Ok(Ok(_))),
        "the gateway's certificate was refused: {answered:?}"
    );
    Ok(())
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

#[tokio::test(flavor = "multi_thread")]
async fn certificates_rotate_under_a_steady_flow_and_nothing_is_lost() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(rotate(&cluster).await);
    support::finish(cluster.down().await);
}

/// While messages flow, a new set of certificates is issued under the same CAs and the
/// services restart one by one onto it (gw2, holding the recipient's socket, keeps its old
/// certificate): every acknowledged message still arrives.
async fn rotate(cluster: &Cluster) -> Result<(), HarnessError> {
    use gochat_tests::cluster::Part;
    let dir = cluster
        .value("TLS_DIR")
        .ok_or_else(|| HarnessError::Unexpected("no TLS_DIR".into()))?
        .to_owned();
    let before = std::fs::read(Path::new(&dir).join("chat.crt"))
        .map_err(|e| HarnessError::io("read chat's certificate", e))?;
    let flow = support::flow(cluster, "rotate", 200, 15, 1).await?;
    flow.sender.wait_acked(30, STEP).await?;
    let bin = gochat_tests::binary::locate()?;
    let issued = std::process::Command::new(bin)
        .args(["issue-certs", "--dir", &dir, "--valid-days", "2"])
        .output()
        .map_err(|e| HarnessError::io("run gochat issue-certs", e))?;
    assert!(issued.status.success(), "{issued:?}");
    let after = std::fs::read(Path::new(&dir).join("chat.crt"))
        .map_err(|e| HarnessError::io("read chat's certificate", e))?;
    assert_ne!(before, after, "chat's certificate was not issued again");
    for part in [Part::Email, Part::Auth, Part::Chat, Part::Gw1] {
        cluster.stop(part).await?;
        cluster.start(part).await?;
    }
    let (_tally, report, _received) = support::conclude(flow, cluster, "rotation").await?;
    println!(
        "DETAIL hardening: certificates rotated under a flow of {} sends; email, auth, chat and gw1 restarted onto them",
        report.attempts.len()
    );
    Ok(())
}
