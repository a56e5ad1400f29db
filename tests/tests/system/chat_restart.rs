//! The chat service restarted while messages flow, first politely (SIGTERM, then start) and
//! then after a crash (SIGKILL, then start): sends in the gap are retried with the same
//! `client_msg_id`; nothing acknowledged is lost and, after the client's dedupe by
//! `message.id`, nothing is duplicated (one `client_msg_id` is never two messages).

use std::time::Duration;

use gochat_tests::HarnessError;
use gochat_tests::cluster::{Cluster, Part};

use crate::support;

/// How long the sender may take to reach the next milestone.
const STEP: Duration = Duration::from_secs(60);
/// How long chat stays away each time.
const DOWN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread")]
async fn chat_restarted_while_messages_flow() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    let flow = support::flow(cluster, "chat", 300, 15, 1).await?;
    flow.sender.wait_acked(70, STEP).await?;
    cluster.stop(Part::Chat).await?;
    tokio::time::sleep(DOWN).await;
    cluster.start(Part::Chat).await?;
    flow.sender.wait_acked(170, STEP).await?;
    cluster.kill(Part::Chat).await?;
    tokio::time::sleep(DOWN).await;
    cluster.start(Part::Chat).await?;
    support::conclude(flow, cluster, "chat-restart").await?;
    Ok(())
}
