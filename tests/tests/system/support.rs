//! Glue shared by the system tests: one cluster per test (one test at a time), accounts made
//! through the real mail path, and the common end of every fault test.

use std::time::Duration;

use gochat_tests::cluster::{Cluster, Part};
use gochat_tests::traffic::flow::{self, Flow, Gateways, Traffic};
use gochat_tests::traffic::{Received, SendReport, Tally};
use gochat_tests::{ApiClient, HarnessError, TestUser};
use tokio::sync::{Mutex, MutexGuard};

pub use gochat_tests::traffic::flow::{expect, tag};

/// How long a pushed event or an answer may take to arrive.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long the services may take to be ready again after a backend returns.
pub const RECOVER: Duration = Duration::from_secs(60);

/// Held for a whole test: clusters are heavy (Cassandra alone takes a GiB), so even when the
/// runner is not given `--test-threads=1` the tests run one at a time.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// Waits for the other tests to finish, then starts a cluster for this one.
pub async fn cluster() -> (MutexGuard<'static, ()>, Cluster) {
    let turn = SERIAL.lock().await;
    match Cluster::up().await {
        Ok(cluster) => (turn, cluster),
        Err(e) => panic!("cluster up: {e}"),
    }
}

/// [`cluster`] with the observability opt-in: a collector and Prometheus run beside it.
pub async fn observed_cluster() -> (MutexGuard<'static, ()>, Cluster) {
    let turn = SERIAL.lock().await;
    match Cluster::up_observed().await {
        Ok(cluster) => (turn, cluster),
        Err(e) => panic!("cluster up --observability: {e}"),
    }
}

/// An observed cluster whose gochat processes log at `log_filter`, waiting its turn.
pub async fn observed_cluster_logging(log_filter: &str) -> (MutexGuard<'static, ()>, Cluster) {
    let turn = SERIAL.lock().await;
    match Cluster::up_observed_logging(log_filter).await {
        Ok(cluster) => (turn, cluster),
        Err(e) => panic!("cluster up --observability (logging {log_filter}): {e}"),
    }
}

/// A channel to the gRPC server `url` of `role`, presenting the gateway's client certificate
/// from the cluster's TLS directory.
pub fn grpc_channel(
    cluster: &Cluster,
    url: &str,
    role: gochat_runtime::tls::Role,
) -> gochat_runtime::grpc::TracedChannel {
    let dir = cluster
        .value("TLS_DIR")
        .unwrap_or_else(|| panic!("cluster up printed no TLS_DIR"));
    let tls = gochat_runtime::tls::TlsDir::new(dir)
        .client(gochat_runtime::tls::Role::Gateway, role)
        .expect("the gateway's client certificate");
    gochat_runtime::grpc::channel_with(url, Some(tls)).expect("a gRPC channel")
}

/// Fails the test with the harness error, if any (the cluster prints its logs on the way out).
#[track_caller]
pub fn finish(result: Result<(), HarnessError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A client of gateway `index` (0 is gw1).
pub fn api(cluster: &Cluster, index: usize) -> ApiClient {
    gateways(cluster).api(index)
}

/// The cluster's gateways and Maildir, for the shared flow helpers.
pub fn gateways(cluster: &Cluster) -> Gateways {
    Gateways {
        urls: cluster.gateway_urls(),
        maildir: cluster.maildir(),
    }
}

/// Signs `name@example.com` up on gateway `via[0]`, verifies it on `via[1]` and logs in on
/// `via[2]`, the code read from the SMTP sink's Maildir.
pub async fn register(
    cluster: &Cluster,
    name: &str,
    via: [usize; 3],
) -> Result<TestUser, HarnessError> {
    flow::register(&gateways(cluster), name, via).await
}

/// A sender and a receiver in a fresh direct conversation: the sender posts `total` messages
/// at `rate` a second over both gateways; the recipient listens on gateway `listen_on`.
pub async fn flow(
    cluster: &Cluster,
    name: &str,
    total: usize,
    rate: u32,
    listen_on: usize,
) -> Result<Flow, HarnessError> {
    let gateways = gateways(cluster);
    let traffic = Traffic::across(&gateways, total, rate, listen_on);
    Flow::start(&gateways, name, traffic).await
}

/// The common end of a fault test: the `FAULT` line and the exactly-once checks.
pub async fn conclude(
    flow: Flow,
    cluster: &Cluster,
    name: &str,
) -> Result<(Tally, SendReport, Received), HarnessError> {
    flow.conclude(&gateways(cluster), name).await
}

/// Asserts that every gochat process still runs under the pid it had in `before` (it
/// recovered without a restart) and answers `/readyz` with 200 within [`RECOVER`].
pub async fn assert_recovered_without_restart(
    cluster: &Cluster,
    before: &[(Part, Option<u32>)],
) -> Result<(), HarnessError> {
    cluster.wait_ready(RECOVER).await?;
    for (part, pid) in before {
        assert_eq!(
            cluster.pid(*part),
            *pid,
            "{} was restarted (pid changed)",
            part.name()
        );
    }
    Ok(())
}

/// The pid of every gochat process now.
pub fn pids(cluster: &Cluster) -> Vec<(Part, Option<u32>)> {
    Part::SERVICES
        .iter()
        .map(|p| (*p, cluster.pid(*p)))
        .collect()
}
