//! Open loop: messages are sent at a fixed total rate whatever the server does, and each
//! latency is counted from the moment the message was due, so a slow server cannot hide its
//! queueing (no coordinated omission).

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use serde::Serialize;
use tokio::sync::watch;

use super::{close_all, offer_open_loop, open_all, settle};
use crate::{
    conn::Totals,
    stats::{Summary, summarise},
    target::{Target, User},
};

/// Latency at one offered rate.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyPoint {
    /// Messages offered per second.
    pub rate: f64,
    /// Messages sent.
    pub sent: u64,
    /// Messages delivered (by the end of the grace period).
    pub received: u64,
    /// Sent, not refused, and never delivered.
    pub lost: u64,
    /// Sends refused by an error frame (told to retry: not lost).
    pub refused: u64,
    /// Error frames.
    pub errors: u64,
    /// Send → receive latency of the delivered messages.
    pub latency: Summary,
}

/// Offers `rate` messages a second for `seconds`, spread over the senders in turn.
pub async fn run(
    target: Arc<dyn Target>,
    users: &[User],
    rate: f64,
    seconds: f64,
) -> anyhow::Result<LatencyPoint> {
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop) = watch::channel(false);
    let conns = open_all(&target, users, &totals, &stop).await?;
    let sent = offer_open_loop(&target, users, &conns, rate, seconds).await;
    let want = sent.len() as u64;
    settle(Duration::from_secs(10), || {
        totals.delivered.load(Ordering::Relaxed) >= want
    })
    .await;
    let merged = close_all(conns, &stop_tx).await;
    let refused: HashSet<u64> = merged.refused.intersection(&sent).copied().collect();
    let answered: HashSet<u64> = sent.difference(&refused).copied().collect();
    let (lost, _) = merged.lost_and_duplicated(&answered);
    let mut samples: Vec<u64> = merged
        .deliveries
        .iter()
        .map(|d| d.received_us.saturating_sub(d.sent_us))
        .collect();
    Ok(LatencyPoint {
        rate,
        sent: want,
        received: merged.deliveries.len() as u64,
        lost,
        refused: refused.len() as u64,
        errors: merged.errors,
        latency: summarise(&mut samples),
    })
}
