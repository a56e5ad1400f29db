//! Glue shared by the system tests: one cluster per test (one test at a time), accounts made
//! through the real mail path, and the common end of every fault test.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gochat_tests::cluster::{Cluster, Part};
use gochat_tests::mail::maildir;
use gochat_tests::traffic::{
    Outcome, Received, Receiver, SendPlan, SendReport, Sender, Tally, frame_problems, full_history,
    history_problems,
};
use gochat_tests::{ApiClient, ApiResponse, HarnessError, MAIL_TIMEOUT, PASSWORD, TestUser};
use tokio::sync::{Mutex, MutexGuard};

/// How long a pushed event or an answer may take to arrive.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long every acknowledged message may take to reach the receiver once the fault is over.
pub const DRAIN: Duration = Duration::from_secs(60);
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

/// Fails the test with the harness error, if any (the cluster prints its logs on the way out).
#[track_caller]
pub fn finish(result: Result<(), HarnessError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A client of gateway `index` (0 is gw1).
pub fn api(cluster: &Cluster, index: usize) -> ApiClient {
    let urls = cluster.gateway_urls();
    ApiClient::new(&urls[index]).unwrap_or_else(|e| panic!("client of {}: {e}", urls[index]))
}

/// Asserts an HTTP status, naming the call.
#[track_caller]
pub fn expect(response: &ApiResponse, status: u16, what: &str) {
    assert_eq!(
        response.status, status,
        "{what}: expected HTTP {status}, got {} {}",
        response.status, response.text
    );
}

/// A tag unique to this run, for `client_msg_id`s.
pub fn tag(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{name}-{nanos:x}")
}

/// Signs `name@example.com` up on gateway `via[0]`, verifies it with the code from the SMTP
/// sink's Maildir on `via[1]`, and logs in on `via[2]`.
pub async fn register(
    cluster: &Cluster,
    name: &str,
    via: [usize; 3],
) -> Result<TestUser, HarnessError> {
    let email = format!("{name}@example.com");
    let created = api(cluster, via[0]).signup(&email, PASSWORD, name).await?;
    expect(&created, 201, "signup");
    assert_eq!(
        created.json["status"], "pending_verification",
        "{}",
        created.text
    );
    let early = api(cluster, via[2]).login(&email, PASSWORD).await?;
    expect(&early, 403, "login before verification");
    assert_eq!(
        early.json["error"]["code"], "account_not_verified",
        "{}",
        early.text
    );
    let code = maildir::wait_for_code(&cluster.maildir(), &email, MAIL_TIMEOUT).await?;
    let verified = api(cluster, via[1]).verify(&email, &code).await?;
    expect(&verified, 200, "verify");
    assert_eq!(verified.json["status"], "active", "{}", verified.text);
    let session = api(cluster, via[2]).login(&email, PASSWORD).await?;
    expect(&session, 200, "login");
    Ok(TestUser {
        id: created.str_at("/id")?,
        email,
        password: PASSWORD.to_owned(),
        display_name: name.to_owned(),
        access_token: session.str_at("/access_token")?,
        refresh_token: session.str_at("/refresh_token")?,
    })
}

/// A sender and a receiver in a fresh direct conversation: `sender` posts `total` messages at
/// `rate` a second over both gateways; the recipient listens on gateway `listen_on`.
pub struct Flow {
    /// The conversation the messages go to.
    pub conversation_id: String,
    /// The account that sends.
    pub sender_user: TestUser,
    /// The sending client.
    pub sender: Sender,
    /// The receiving client.
    pub receiver: Receiver,
}

impl Flow {
    /// Registers two accounts, opens the conversation and starts both clients.
    pub async fn start(
        cluster: &Cluster,
        name: &str,
        total: usize,
        rate: u32,
        listen_on: usize,
    ) -> Result<Self, HarnessError> {
        let from = register(cluster, &format!("{name}-sender"), [0, 1, 0]).await?;
        let to = register(cluster, &format!("{name}-recipient"), [1, 0, 1]).await?;
        let created = api(cluster, 0)
            .create_conversation(&from.access_token, &[&to.id], None)
            .await?;
        expect(&created, 201, "create the direct conversation");
        let conversation_id = created.str_at("/id")?;
        let receiver =
            Receiver::start(cluster.ws_urls(), to.access_token.clone(), listen_on).await?;
        let seconds = u64::try_from(total).unwrap_or(u64::MAX) / u64::from(rate.max(1));
        let sender = Sender::start(SendPlan {
            gateways: cluster.gateway_urls(),
            token: from.access_token.clone(),
            conversation_id: conversation_id.clone(),
            total,
            rate_per_sec: rate,
            tag: tag(name),
            attempt_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(seconds + 150),
        })?;
        Ok(Self {
            conversation_id,
            sender_user: from,
            sender,
            receiver,
        })
    }

    /// Waits for the sender, lets the receiver catch up, prints the `FAULT` line and details,
    /// and checks exactly-once delivery and storage. Returns the figures and the sender's
    /// report for test-specific checks; the assertions come after the line is printed.
    pub async fn conclude(
        self,
        cluster: &Cluster,
        name: &str,
    ) -> Result<(Tally, SendReport, Received), HarnessError> {
        let report = self.sender.finish().await?;
        let acked: Vec<&str> = report.acked.iter().map(|a| a.message_id.as_str()).collect();
        let _all_arrived = self.receiver.wait_for(&acked, DRAIN).await;
        let received = self.receiver.finish().await;
        let tally = Tally::count(&report, &received, &self.conversation_id);
        println!("{}", tally.line(name));
        println!(
            "DETAIL {name}: attempts={} outcomes={:?} unacked={} reconnects={:?}",
            report.attempts.len(),
            report.outcome_counts(),
            report.unacked.len(),
            received.reconnects
        );
        let history = full_history(
            &api(cluster, 1),
            &self.sender_user.access_token,
            &self.conversation_id,
        )
        .await?;
        let mut problems = history_problems(&report, &history);
        problems.extend(frame_problems(&received));
        problems.extend(report.attempts.iter().filter_map(|a| match &a.outcome {
            Outcome::Other(status, text) => Some(format!(
                "send #{} via gw{} answered HTTP {status} {text} (only 503 unavailable is allowed while a backend is away)",
                a.seq,
                a.gateway + 1
            )),
            Outcome::Unavailable {
                retry_after: false, ..
            } => Some(format!(
                "send #{} via gw{} answered 503 without Retry-After",
                a.seq,
                a.gateway + 1
            )),
            _ => None,
        }));
        assert!(
            report.unacked.is_empty(),
            "{name}: {} messages never acknowledged: {:?}; outcomes {:?}",
            report.unacked.len(),
            report.unacked,
            report.outcome_counts()
        );
        assert_eq!(
            tally.lost, 0,
            "{name}: acknowledged but never delivered: {:?}; receiver reconnects {:?}, last connect errors {:?}, other frames {:?}",
            tally.lost_ids, received.reconnects, received.connect_errors, received.other_frames
        );
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        assert_eq!(
            history.len(),
            report.acked.len(),
            "{name}: history holds {} messages for {} acknowledged",
            history.len(),
            report.acked.len()
        );
        Ok((tally, report, received))
    }
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
