//! A client that sends a numbered series of messages over REST at a modest rate, spreading
//! attempts over every gateway, and retries each failed one with the same `client_msg_id`
//! (honouring `Retry-After`) until it is acknowledged. It records every attempt's outcome so a
//! test can check what the API answered while something was down.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{ApiClient, ApiResponse, HarnessError};

/// What to send, where and how fast.
#[derive(Debug, Clone)]
pub struct SendPlan {
    /// Base URLs of the gateways; attempt `k` goes to gateway `k % len`, unless that one gave
    /// no answer in the last [`COOL_DOWN`] (then to the next one that did, as a client with
    /// several endpoints stops asking one that is gone).
    pub gateways: Vec<String>,
    /// The sender's access token.
    pub token: String,
    /// The conversation sent in.
    pub conversation_id: String,
    /// How many distinct messages.
    pub total: usize,
    /// Attempts per second (new messages and retries together).
    pub rate_per_sec: u32,
    /// Prefix of every body and `client_msg_id` (unique per run).
    pub tag: String,
    /// Bound of one HTTP attempt; a slower one counts as an unknown outcome and is retried.
    pub attempt_timeout: Duration,
    /// Bound of the whole run; what is still unacknowledged then is reported as such.
    pub deadline: Duration,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 201 (new) or 200 (the earlier Message for this `client_msg_id`), with `message.id`.
    Acked {
        /// The HTTP status.
        status: u16,
        /// The acknowledged Message's id.
        message_id: String,
    },
    /// 503 `unavailable`; whether it carried a `Retry-After` header.
    Unavailable {
        /// `Retry-After` was present and a number of seconds.
        retry_after: bool,
        /// `error.message`, for reports.
        message: String,
    },
    /// 429 `rate_limited`.
    RateLimited,
    /// No HTTP answer: refused, reset, or slower than the attempt bound.
    NoAnswer(String),
    /// Any other answer (a contract violation while backends fail).
    Other(u16, String),
}

/// One attempt, for checks of what happened during a fault window.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The message's number.
    pub seq: usize,
    /// Which gateway (index into the plan's list).
    pub gateway: usize,
    /// When the request was started and when it ended.
    pub started: Instant,
    /// When the answer (or the error) came.
    pub ended: Instant,
    /// What it was.
    pub outcome: Outcome,
}

/// A message the API acknowledged.
#[derive(Debug, Clone)]
pub struct Acked {
    /// The message's number in the series.
    pub seq: usize,
    /// Its `client_msg_id`.
    pub client_msg_id: String,
    /// `message.id` from the answer.
    pub message_id: String,
}

/// Everything the sender saw.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    /// Acknowledged messages, in acknowledgement order.
    pub acked: Vec<Acked>,
    /// `client_msg_id`s never acknowledged before the deadline.
    pub unacked: Vec<String>,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
}

impl SendReport {
    /// Attempts per kind of outcome (`201`, `200`, `503 unavailable`, `no answer`, ...).
    pub fn outcome_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for a in &self.attempts {
            let key = match &a.outcome {
                Outcome::Acked { status, .. } => status.to_string(),
                Outcome::Unavailable {
                    retry_after: true,
                    message,
                } => format!("503 unavailable ({message})"),
                Outcome::Unavailable {
                    retry_after: false,
                    message,
                } => format!("503 unavailable WITHOUT Retry-After ({message})"),
                Outcome::RateLimited => "429 rate_limited".into(),
                Outcome::NoAnswer(_) => "no answer".into(),
                Outcome::Other(status, _) => format!("{status} (unexpected)"),
            };
            *counts.entry(key).or_default() += 1;
        }
        counts
    }
}

/// A sender running in the background.
#[derive(Debug)]
pub struct Sender {
    acked: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<Result<SendReport, HarnessError>>,
}

impl Sender {
    /// Starts sending according to `plan`.
    pub fn start(plan: SendPlan) -> Result<Self, HarnessError> {
        let clients = plan
            .gateways
            .iter()
            .map(|url| ApiClient::new(url))
            .collect::<Result<Vec<_>, _>>()?;
        let acked = Arc::new(AtomicUsize::new(0));
        let counter = acked.clone();
        let task = tokio::spawn(async move { run(plan, clients, counter).await });
        Ok(Self { acked, task })
    }

    /// How many messages are acknowledged so far.
    pub fn acked(&self) -> usize {
        self.acked.load(Ordering::Relaxed)
    }

    /// Waits (bounded) until at least `n` messages are acknowledged.
    pub async fn wait_acked(&self, n: usize, timeout: Duration) -> Result<(), HarnessError> {
        let deadline = Instant::now() + timeout;
        while self.acked() < n {
            if Instant::now() >= deadline || self.task.is_finished() {
                return Err(HarnessError::timeout(
                    format!("{n} acknowledged sends (have {})", self.acked()),
                    timeout,
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Waits for the run to end (every message acknowledged, or the deadline).
    pub async fn finish(self) -> Result<SendReport, HarnessError> {
        self.task
            .await
            .map_err(|e| HarnessError::Unexpected(format!("sender task: {e}")))?
    }
}

/// A message still to be acknowledged: how often it failed and the earliest time to try it
/// again.
struct Pending {
    seq: usize,
    failures: u32,
    not_before: Instant,
}

/// First pause before retrying a failed message; doubled on every further failure.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// Longest pause between two attempts of one message.
const BACKOFF_MAX: Duration = Duration::from_secs(4);

/// The pause after a message's `failures`-th failure: exponential backoff, at least what the
/// server asked for (`Retry-After`), at most [`BACKOFF_MAX`].
fn backoff(failures: u32, asked: Duration) -> Duration {
    let exponential = BACKOFF_BASE.saturating_mul(1 << failures.saturating_sub(1).min(6));
    exponential.max(asked).min(BACKOFF_MAX)
}

/// How long a gateway that gave no answer is passed over while another one may answer.
pub const COOL_DOWN: Duration = Duration::from_secs(30);

/// The gateway for attempt number `attempt`: round robin, skipping gateways cooling down
/// after giving no answer (all of them cooling: the round-robin one anyway).
fn pick_gateway(attempt: usize, cooling_until: &[Instant], now: Instant) -> usize {
    let n = cooling_until.len();
    (0..n)
        .map(|offset| (attempt + offset) % n)
        .find(|&g| cooling_until[g] <= now)
        .unwrap_or(attempt % n)
}

/// Removes and returns the pending message due soonest, if it is due at `now`.
fn take_due(retries: &mut Vec<Pending>, now: Instant) -> Option<Pending> {
    let (index, _) = retries
        .iter()
        .enumerate()
        .filter(|(_, p)| p.not_before <= now)
        .min_by_key(|(_, p)| p.not_before)?;
    Some(retries.swap_remove(index))
}

async fn run(
    plan: SendPlan,
    clients: Vec<ApiClient>,
    acked_count: Arc<AtomicUsize>,
) -> Result<SendReport, HarnessError> {
    let started = Instant::now();
    let mut report = SendReport::default();
    let mut retries: Vec<Pending> = Vec::new();
    let mut cooling_until = vec![started; clients.len()];
    let mut next_new = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / plan.rate_per_sec.max(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while (next_new < plan.total || !retries.is_empty()) && started.elapsed() < plan.deadline {
        ticker.tick().await;
        let now = Instant::now();
        let (seq, failures) = if let Some(due) = take_due(&mut retries, now) {
            (due.seq, due.failures)
        } else if next_new < plan.total {
            next_new += 1;
            (next_new - 1, 0)
        } else {
            continue;
        };
        let gateway = pick_gateway(report.attempts.len(), &cooling_until, now);
        let client_msg_id = format!("{}-{seq}", plan.tag);
        let body = format!("{} message #{seq}", plan.tag);
        let call = clients[gateway].send(&plan.token, &plan.conversation_id, &body, &client_msg_id);
        let answer = tokio::time::timeout(plan.attempt_timeout, call).await;
        let ended = Instant::now();
        let (outcome, asked) = classify(answer, &client_msg_id, plan.attempt_timeout);
        if let Outcome::NoAnswer(_) = outcome {
            cooling_until[gateway] = ended + COOL_DOWN;
        }
        if let Outcome::Acked { message_id, .. } = &outcome {
            report.acked.push(Acked {
                seq,
                client_msg_id: client_msg_id.clone(),
                message_id: message_id.clone(),
            });
            acked_count.fetch_add(1, Ordering::Relaxed);
        } else {
            retries.push(Pending {
                seq,
                failures: failures + 1,
                not_before: ended + backoff(failures + 1, asked),
            });
        }
        report.attempts.push(Attempt {
            seq,
            gateway,
            started: now,
            ended,
            outcome,
        });
    }
    report.unacked = retries
        .iter()
        .map(|p| p.seq)
        .chain(next_new..plan.total)
        .map(|seq| format!("{}-{seq}", plan.tag))
        .collect();
    Ok(report)
}

/// Sorts an attempt's answer into an [`Outcome`] and the pause the server asked for before a
/// retry (`Retry-After`; zero when it did not ask).
fn classify(
    answer: Result<Result<ApiResponse, HarnessError>, tokio::time::error::Elapsed>,
    client_msg_id: &str,
    bound: Duration,
) -> (Outcome, Duration) {
    let response = match answer {
        Err(_) => {
            return (
                Outcome::NoAnswer(format!("no answer within {bound:?}")),
                Duration::ZERO,
            );
        }
        Ok(Err(e)) => return (Outcome::NoAnswer(e.to_string()), Duration::ZERO),
        Ok(Ok(response)) => response,
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let code = response.json["error"]["code"].as_str().unwrap_or_default();
    match response.status {
        200 | 201 if response.json["client_msg_id"] == client_msg_id => {
            match response.str_at("/id") {
                Ok(message_id) => (
                    Outcome::Acked {
                        status: response.status,
                        message_id,
                    },
                    Duration::ZERO,
                ),
                Err(_) => (
                    Outcome::Other(response.status, response.text),
                    Duration::ZERO,
                ),
            }
        }
        503 if code == "unavailable" => (
            Outcome::Unavailable {
                retry_after: retry_after.is_some(),
                message: response.json["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            },
            Duration::from_secs(retry_after.unwrap_or(0)),
        ),
        429 if code == "rate_limited" => (
            Outcome::RateLimited,
            Duration::from_secs(retry_after.unwrap_or(0)),
        ),
        status => (Outcome::Other(status, response.text), Duration::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_honours_retry_after_and_is_capped() {
        assert_eq!(backoff(1, Duration::ZERO), Duration::from_millis(100));
        assert_eq!(backoff(3, Duration::ZERO), Duration::from_millis(400));
        assert_eq!(backoff(2, Duration::from_secs(1)), Duration::from_secs(1));
        assert_eq!(backoff(30, Duration::ZERO), BACKOFF_MAX);
        assert_eq!(backoff(1, Duration::from_secs(60)), BACKOFF_MAX);
    }

    #[test]
    fn a_gateway_that_gave_no_answer_is_passed_over_while_it_cools_down() {
        let now = Instant::now();
        let later = now + COOL_DOWN;
        assert_eq!(pick_gateway(4, &[now, now, now], now), 1);
        assert_eq!(pick_gateway(4, &[now, later, now], now), 2);
        assert_eq!(pick_gateway(5, &[later, later, now], now), 2);
        assert_eq!(pick_gateway(5, &[later, later, later], now), 2);
        assert_eq!(pick_gateway(5, &[later, later, later], later), 2);
    }

    #[test]
    fn the_message_due_soonest_is_retried_first() {
        let now = Instant::now();
        let at = |ms| now + Duration::from_millis(ms);
        let mut retries = vec![
            Pending {
                seq: 1,
                failures: 1,
                not_before: at(30),
            },
            Pending {
                seq: 2,
                failures: 1,
                not_before: at(10),
            },
            Pending {
                seq: 3,
                failures: 1,
                not_before: at(500),
            },
        ];
        assert_eq!(take_due(&mut retries, at(100)).map(|p| p.seq), Some(2));
        assert_eq!(take_due(&mut retries, at(100)).map(|p| p.seq), Some(1));
        assert!(take_due(&mut retries, at(100)).is_none());
        assert_eq!(retries.len(), 1);
    }
}
