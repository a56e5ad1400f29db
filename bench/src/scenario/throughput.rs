//! Closed loop: every sender sends over its socket as fast as acks allow, for a fixed time.

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use serde::Serialize;
use tokio::sync::watch;

use super::{close_all, next_seq, open_all, settle};
use crate::{
    conn::Totals,
    target::{Target, User, body, now_us},
};

/// Throughput figures.
#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    /// Users with an open socket.
    pub users: usize,
    /// Of which sending.
    pub senders: usize,
    /// Seconds of sending.
    pub seconds: f64,
    /// Messages acknowledged by the server.
    pub sent: u64,
    /// Messages delivered to their recipient (by the end of the grace period).
    pub received: u64,
    /// Acknowledged but never delivered.
    pub lost: u64,
    /// Deliveries repeating a message.
    pub duplicated: u64,
    /// Error frames and sends that were never acknowledged.
    pub errors: u64,
    /// Deliveries that arrived during the sending window, per second.
    pub delivered_per_sec: f64,
}

/// Runs the closed loop for `seconds`.
pub async fn run(
    target: Arc<dyn Target>,
    users: &[User],
    seconds: f64,
) -> anyhow::Result<Throughput> {
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop) = watch::channel(false);
    let conns = open_all(&target, users, &totals, &stop).await?;
    let half = users.len() / 2;
    let started_us = now_us();
    let end_us = started_us + (seconds * 1e6) as u64;
    let mut conns = conns.into_iter();
    let mut tasks = Vec::new();
    for sender in users.iter().take(half) {
        let sender = sender.clone();
        let mut conn = conns.next().expect("one socket per user");
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut unanswered = 0u64;
            while now_us() < end_us {
                let id = next_seq();
                let frame = target.send_frame(&sender, id, &body(id, now_us()));
                if conn.tx.send(frame).is_err() {
                    break;
                }
                match tokio::time::timeout(Duration::from_secs(10), conn.acks.recv()).await {
                    Ok(Some(())) => acked.push(id),
                    _ => unanswered += 1,
                }
            }
            (conn, acked, unanswered)
        }));
    }
    let mut all = Vec::new();
    let mut sent = HashSet::new();
    let mut unanswered = 0;
    for task in tasks {
        let (conn, acked, missing) = task.await?;
        all.push(conn);
        sent.extend(acked);
        unanswered += missing;
    }
    all.extend(conns);
    let want = sent.len() as u64;
    settle(Duration::from_secs(10), || {
        totals.delivered.load(Ordering::Relaxed) >= want
    })
    .await;
    let merged = close_all(all, &stop_tx).await;
    let (lost, duplicated) = merged.lost_and_duplicated(&sent);
    let in_window = merged
        .deliveries
        .iter()
        .filter(|d| d.received_us <= end_us)
        .count();
    Ok(Throughput {
        users: users.len(),
        senders: half,
        seconds,
        sent: want,
        received: merged.deliveries.len() as u64,
        lost,
        duplicated,
        errors: merged.errors + unanswered,
        delivered_per_sec: in_window as f64 / seconds,
    })
}
