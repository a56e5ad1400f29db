//! A fault test's message flow, wherever the gateways run (separate processes in the system
//! tier, pods in the node tier): two accounts made through the real mail path, a direct
//! conversation, a [`Sender`] and a [`Receiver`], and the common end that prints the `FAULT`
//! line and checks exactly-once delivery and storage.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{
    Outcome, Received, Receiver, SendPlan, SendReport, Sender, Tally, frame_problems, full_history,
    history_problems,
};
use crate::mail::maildir;
use crate::{ApiClient, ApiResponse, HarnessError, MAIL_TIMEOUT, PASSWORD, TestUser};

/// How long every acknowledged message may take to reach the receiver once the fault is over.
pub const DRAIN: Duration = Duration::from_secs(60);

/// The gateways a test talks to and the SMTP sink's Maildir where their verification mail lands.
#[derive(Debug, Clone)]
pub struct Gateways {
    /// Base URLs (`http://host:port`).
    pub urls: Vec<String>,
    /// Where verification codes arrive.
    pub maildir: PathBuf,
}

impl Gateways {
    /// A client of gateway `index` (taken modulo the number of gateways).
    pub fn api(&self, index: usize) -> ApiClient {
        let url = &self.urls[index % self.urls.len()];
        ApiClient::new(url).unwrap_or_else(|e| panic!("client of {url}: {e}"))
    }

    /// `ws://.../api/v1/ws` of every gateway, in order.
    pub fn ws_urls(&self) -> Vec<String> {
        self.urls.iter().map(|url| ws_url(url)).collect()
    }
}

/// `ws://.../api/v1/ws` of the gateway at base URL `url`.
pub fn ws_url(url: &str) -> String {
    format!("{}/api/v1/ws", url.replacen("http://", "ws://", 1))
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
    gateways: &Gateways,
    name: &str,
    via: [usize; 3],
) -> Result<TestUser, HarnessError> {
    let email = format!("{name}@example.com");
    let created = gateways.api(via[0]).signup(&email, PASSWORD, name).await?;
    expect(&created, 201, "signup");
    assert_eq!(
        created.json["status"], "pending_verification",
        "{}",
        created.text
    );
    let early = gateways.api(via[2]).login(&email, PASSWORD).await?;
    expect(&early, 403, "login before verification");
    assert_eq!(
        early.json["error"]["code"], "account_not_verified",
        "{}",
        early.text
    );
    let code = maildir::wait_for_code(&gateways.maildir, &email, MAIL_TIMEOUT).await?;
    let verified = gateways.api(via[1]).verify(&email, &code).await?;
    expect(&verified, 200, "verify");
    assert_eq!(verified.json["status"], "active", "{}", verified.text);
    let session = gateways.api(via[2]).login(&email, PASSWORD).await?;
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

/// What a flow sends and where its two clients connect.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// How many distinct messages.
    pub total: usize,
    /// Send attempts per second.
    pub rate: u32,
    /// Base URLs the sender spreads its attempts over (round robin, passing over one that gave
    /// no answer for a while).
    pub send_via: Vec<String>,
    /// WebSocket URLs the receiver uses: `listen_via[listen_first]` first, then round robin.
    pub listen_via: Vec<String>,
    /// Where the receiver connects first.
    pub listen_first: usize,
}

impl Traffic {
    /// `total` messages at `rate` a second over every gateway, the receiver on gateway
    /// `listen_on` (and on every other one after a break).
    pub fn across(gateways: &Gateways, total: usize, rate: u32, listen_on: usize) -> Self {
        Self {
            total,
            rate,
            send_via: gateways.urls.clone(),
            listen_via: gateways.ws_urls(),
            listen_first: listen_on,
        }
    }
}

/// A sender and a receiver in a fresh direct conversation.
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
    /// Registers two accounts through `gateways`, opens the conversation and starts both
    /// clients as `traffic` says.
    pub async fn start(
        gateways: &Gateways,
        name: &str,
        traffic: Traffic,
    ) -> Result<Self, HarnessError> {
        let from = register(gateways, &format!("{name}-sender"), [0, 1, 0]).await?;
        let to = register(gateways, &format!("{name}-recipient"), [1, 0, 1]).await?;
        let created = gateways
            .api(0)
            .create_conversation(&from.access_token, &[&to.id], None)
            .await?;
        expect(&created, 201, "create the direct conversation");
        let conversation_id = created.str_at("/id")?;
        let receiver = Receiver::start(
            traffic.listen_via,
            to.access_token.clone(),
            traffic.listen_first,
        )
        .await?;
        let seconds =
            u64::try_from(traffic.total).unwrap_or(u64::MAX) / u64::from(traffic.rate.max(1));
        let sender = Sender::start(SendPlan {
            gateways: traffic.send_via,
            token: from.access_token.clone(),
            conversation_id: conversation_id.clone(),
            total: traffic.total,
            rate_per_sec: traffic.rate,
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
    /// and checks exactly-once delivery and storage (the history read through gateway 1 of
    /// `gateways`). Returns the figures and the sender's report for test-specific checks; the
    /// assertions come after the line is printed.
    pub async fn conclude(
        self,
        gateways: &Gateways,
        name: &str,
    ) -> Result<(Tally, SendReport, Received), HarnessError> {
        let report = self.sender.finish().await?;
        let acked: Vec<&str> = report.acked.iter().map(|a| a.message_id.as_str()).collect();
        let _all_arrived = self.receiver.wait_for(&acked, DRAIN).await;
        let received = self.receiver.finish().await;
        let tally = Tally::count(&report, &received, &self.conversation_id);
        println!("{}", tally.line(name));
        let failures: Vec<String> = report
            .attempts
            .iter()
            .filter_map(|a| match &a.outcome {
                Outcome::NoAnswer(why) => Some(format!("#{} via {}: {why}", a.seq, a.gateway + 1)),
                _ => None,
            })
            .rev()
            .take(5)
            .collect();
        println!(
            "DETAIL {name}: attempts={} outcomes={:?} unacked={} reconnects={:?} last unanswered={failures:?}",
            report.attempts.len(),
            report.outcome_counts(),
            report.unacked.len(),
            received.reconnects
        );
        let history = full_history(
            &gateways.api(1),
            &self.sender_user.access_token,
            &self.conversation_id,
        )
        .await?;
        let mut problems = history_problems(&report, &history);
        problems.extend(frame_problems(&received));
        problems.extend(report.attempts.iter().filter_map(|a| match &a.outcome {
            Outcome::Other(status, text) => Some(format!(
                "send #{} via gateway {} answered HTTP {status} {text} (only 503 unavailable is allowed while a backend is away)",
                a.seq,
                a.gateway + 1
            )),
            Outcome::Unavailable {
                retry_after: false, ..
            } => Some(format!(
                "send #{} via gateway {} answered 503 without Retry-After",
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
