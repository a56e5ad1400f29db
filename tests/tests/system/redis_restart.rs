//! Redis stopped (SIGTERM: it writes its append-only file) and started again while messages
//! flow: every gochat process recovers by itself, without a restart, and nothing acknowledged
//! to the sender is lost.

use std::time::Duration;

use gochat_tests::HarnessError;
use gochat_tests::cluster::{Cluster, Part};

use crate::support;

/// How long the sender may take to reach the fault's start.
const STEP: Duration = Duration::from_secs(60);
/// How long Redis stays down.
const OUTAGE: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread")]
async fn redis_restarted_while_messages_flow() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    let flow = support::flow(cluster, "redis", 300, 15, 1).await?;
    let before = support::pids(cluster);
    flow.sender.wait_acked(80, STEP).await?;
    cluster.stop(Part::Redis).await?;
    tokio::time::sleep(OUTAGE).await;
    let chat_ready = cluster.readyz(Part::Chat).await;
    let gateway_ready = cluster.readyz(Part::Gw1).await;
    cluster.start(Part::Redis).await?;
    let (_tally, report, _received) = support::conclude(flow, cluster, "redis-restart").await?;
    println!(
        "DETAIL redis-restart: /readyz while Redis was down: chat {chat_ready:?}, gw1 {gateway_ready:?}"
    );
    support::assert_recovered_without_restart(cluster, &before).await?;
    assert!(
        report
            .attempts
            .iter()
            .any(|a| !matches!(a.outcome, gochat_tests::traffic::Outcome::Acked { .. })),
        "no send failed while Redis was down: was it really stopped?"
    );
    assert_ne!(
        chat_ready,
        Some(200),
        "chat reported ready while Redis was down"
    );
    assert_ne!(
        gateway_ready,
        Some(200),
        "gw1 reported ready while Redis was down"
    );
    Ok(())
}
