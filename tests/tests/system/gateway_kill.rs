//! A gateway killed with SIGKILL while messages flow, then the other one: the recipient's
//! socket breaks, it reconnects to whichever gateway answers with `since`, and misses nothing;
//! sends that hit the dead gateway are retried on the other one with the same `client_msg_id`.

use std::time::Duration;

use gochat_tests::HarnessError;
use gochat_tests::cluster::{Cluster, Part};

use crate::support;

/// How long the sender may take to reach the next milestone.
const STEP: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn gateway_sigkill_while_messages_flow() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    // The recipient listens on gw1, the gateway killed first.
    let flow = support::flow(cluster, "gwkill", 300, 15, 0).await?;
    flow.sender.wait_acked(50, STEP).await?;
    cluster.kill(Part::Gw1).await?;
    flow.sender.wait_acked(110, STEP).await?;
    cluster.start(Part::Gw1).await?;
    flow.sender.wait_acked(170, STEP).await?;
    cluster.kill(Part::Gw2).await?;
    flow.sender.wait_acked(230, STEP).await?;
    cluster.start(Part::Gw2).await?;
    let (_tally, _report, received) = support::conclude(flow, cluster, "gateway-sigkill").await?;
    let gateways = cluster.ws_urls();
    for (i, url) in gateways.iter().enumerate() {
        assert!(
            received.reconnects.iter().any(|r| r.contains(url.as_str())),
            "the recipient never resumed on gateway {} ({url}): {:?}",
            i + 1,
            received.reconnects
        );
    }
    Ok(())
}
