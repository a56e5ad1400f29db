//! The CQL server stopped for 10 seconds while messages flow: meanwhile every send answers
//! 503 `unavailable` with `Retry-After`; the client retries each with the same
//! `client_msg_id` and, once the server is back, each succeeds exactly once (history and
//! WebSocket frames show each message once). No gochat process is restarted.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use gochat_tests::HarnessError;
use gochat_tests::cluster::{Cluster, Part};
use gochat_tests::traffic::Outcome;

use crate::support;

/// How long the sender may take to reach the fault's start.
const STEP: Duration = Duration::from_secs(60);
/// How long the CQL server stays stopped.
const OUTAGE: Duration = Duration::from_secs(10);
/// Attempts started this soon after the server stopped are not judged (in flight at the stop).
const SETTLE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread")]
async fn cql_stopped_for_ten_seconds() {
    let (_turn, cluster) = support::cluster().await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    let flow = support::flow(cluster, "cql", 250, 10, 1).await?;
    let before = support::pids(cluster);
    flow.sender.wait_acked(50, STEP).await?;
    cluster.stop(Part::Cql).await?;
    let stopped = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let chat_ready = cluster.readyz(Part::Chat).await;
    let auth_ready = cluster.readyz(Part::Auth).await;
    let restarting = Instant::now();
    cluster.start(Part::Cql).await?;
    let (_tally, report, _received) = support::conclude(flow, cluster, "cql-stopped-10s").await?;

    let window: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.started >= stopped + SETTLE && a.ended <= restarting)
        .collect();
    let wrong: Vec<String> = window
        .iter()
        .filter(|a| {
            !matches!(
                a.outcome,
                Outcome::Unavailable {
                    retry_after: true,
                    ..
                }
            )
        })
        .map(|a| format!("#{} via gw{}: {:?}", a.seq, a.gateway + 1, a.outcome))
        .collect();
    let refused: HashSet<usize> = window.iter().map(|a| a.seq).collect();
    let retried_ok = report
        .acked
        .iter()
        .filter(|a| refused.contains(&a.seq))
        .count();
    println!(
        "DETAIL cql-stopped-10s: {} attempts while stopped ({} messages), {} of those acknowledged after the return; /readyz while stopped: chat {chat_ready:?}, auth {auth_ready:?}",
        window.len(),
        refused.len(),
        retried_ok
    );
    assert!(
        window.len() >= 20,
        "only {} sends were tried while CQL was stopped",
        window.len()
    );
    assert!(
        wrong.is_empty(),
        "sends while CQL was stopped must answer 503 unavailable with Retry-After: {wrong:#?}"
    );
    assert_eq!(
        retried_ok,
        refused.len(),
        "every refused message succeeds after the return"
    );
    support::assert_recovered_without_restart(cluster, &before).await?;
    assert_ne!(
        chat_ready,
        Some(200),
        "chat reported ready while CQL was stopped"
    );
    assert_ne!(
        auth_ready,
        Some(200),
        "auth reported ready while CQL was stopped"
    );
    Ok(())
}
