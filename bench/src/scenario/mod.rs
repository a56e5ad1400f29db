//! The measurements: closed-loop throughput, open-loop latency at fixed rates, overload,
//! idle sockets.

pub mod idle;
pub mod latency;
pub mod overload;
pub mod throughput;

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::Duration,
};

use futures::{StreamExt, TryStreamExt, stream};
use tokio::sync::watch;

use crate::{
    conn::{Conn, Delivery, Seen, Totals},
    target::{Target, User, body, instant_at, now_us},
};

/// Opens one socket per user, in user order.
pub async fn open_all(
    target: &Arc<dyn Target>,
    users: &[User],
    totals: &Arc<Totals>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<Conn>> {
    stream::iter(users.iter().cloned())
        .map(|user| Conn::open(target.clone(), user, totals.clone(), stop.clone()))
        .buffered(32)
        .try_collect()
        .await
}

/// Waits until `done` holds or `grace` passes, checking every 20 ms.
pub async fn settle(grace: Duration, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + grace;
    while !done() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The open-loop runs (latency, overload): opens a socket per user, offers `rate` messages a
/// second for `seconds` ([`offer_open_loop`]), waits until `settled(totals, sent)` holds or
/// 10 s of grace pass, then closes every socket. Returns the sequence numbers handed to a
/// socket and what the sockets saw.
pub async fn open_loop(
    target: &Arc<dyn Target>,
    users: &[User],
    rate: f64,
    seconds: f64,
    settled: impl Fn(&Totals, u64) -> bool,
) -> anyhow::Result<(HashSet<u64>, Merged)> {
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop) = watch::channel(false);
    let conns = open_all(target, users, &totals, &stop).await?;
    let sent = offer_open_loop(target, users, &conns, rate, seconds).await;
    let want = sent.len() as u64;
    settle(Duration::from_secs(10), || settled(&totals, want)).await;
    Ok((sent, close_all(conns, &stop_tx).await))
}

/// Sends `rate` messages a second for `seconds` over `conns`, spread over the senders in
/// turn, each body stamped with the moment it was due (open loop: the schedule never waits for
/// the server). Returns the sequence numbers of the messages handed to a socket.
async fn offer_open_loop(
    target: &Arc<dyn Target>,
    users: &[User],
    conns: &[Conn],
    rate: f64,
    seconds: f64,
) -> HashSet<u64> {
    let senders: Vec<&User> = users.iter().filter(|u| u.route.is_some()).collect();
    let total = (rate * seconds).round() as u64;
    let start_us = now_us() + 100_000;
    let mut sent = HashSet::with_capacity(total as usize);
    for i in 0..total {
        let due_us = start_us + (i as f64 * 1e6 / rate) as u64;
        if now_us() < due_us {
            tokio::time::sleep_until(instant_at(due_us)).await;
        }
        let sender = senders[(i % senders.len() as u64) as usize];
        let id = next_seq();
        if conns[sender.index]
            .tx
            .send(target.send_frame(sender, id, &body(id, due_us)))
            .is_ok()
        {
            sent.insert(id);
        }
    }
    sent
}

/// Every socket's observations merged.
#[derive(Debug, Default)]
pub struct Merged {
    /// Every delivery.
    pub deliveries: Vec<Delivery>,
    /// Error frames in total.
    pub errors: u64,
    /// Error frames by code.
    pub errors_by_code: BTreeMap<String, u64>,
    /// Sends acknowledged (sequence numbers).
    pub acked: HashSet<u64>,
    /// Sends refused by an error frame (sequence numbers).
    pub refused: HashSet<u64>,
    /// Sockets the server closed under us.
    pub closed_early: u64,
}

impl Merged {
    /// Merges what each socket saw.
    pub fn from(seen: Vec<Seen>) -> Self {
        let mut merged = Self::default();
        for s in seen {
            merged.deliveries.extend(s.deliveries);
            merged.errors += s.errors.values().sum::<u64>();
            for (code, n) in s.errors {
                *merged.errors_by_code.entry(code).or_default() += n;
            }
            merged.acked.extend(s.acked);
            merged.refused.extend(s.refused);
            merged.closed_early += u64::from(s.closed_early);
        }
        merged
    }

    /// Sent messages never delivered, and deliveries repeating a message.
    pub fn lost_and_duplicated(&self, sent: &HashSet<u64>) -> (u64, u64) {
        let mut unique = HashSet::with_capacity(self.deliveries.len());
        let mut duplicated = 0;
        for d in &self.deliveries {
            if !unique.insert(d.seq) {
                duplicated += 1;
            }
        }
        let lost = sent.iter().filter(|seq| !unique.contains(seq)).count();
        (lost as u64, duplicated)
    }
}

/// Stops every reader, closes every socket and merges their observations.
pub async fn close_all(conns: Vec<Conn>, stop: &watch::Sender<bool>) -> Merged {
    let _ = stop.send(true);
    let seen = stream::iter(conns)
        .map(Conn::finish)
        .buffer_unordered(64)
        .collect()
        .await;
    Merged::from(seen)
}

static NEXT_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A sequence number no other message of this process has: it is also the message's
/// `client_msg_id`, which the server deduplicates on, so it must never repeat across runs.
pub fn next_seq() -> u64 {
    NEXT_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
