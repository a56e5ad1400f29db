//! Open loop: messages are sent at a fixed total rate whatever the server does, and each
//! latency is counted from the moment the message was due, so a slow server cannot hide its
//! queueing (no coordinated omission).

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering},
};

use serde::Serialize;

use super::open_loop;
use crate::{
    conn::Delivery,
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
    let (sent, merged) = open_loop(&target, users, rate, seconds, |totals, want| {
        totals.delivered.load(Ordering::Relaxed) >= want
    })
    .await?;
    let refused: HashSet<u64> = merged.refused.intersection(&sent).copied().collect();
    let answered: HashSet<u64> = sent.difference(&refused).copied().collect();
    let (lost, _) = merged.lost_and_duplicated(&answered);
    let mut samples: Vec<u64> = merged.deliveries.iter().map(Delivery::latency_us).collect();
    Ok(LatencyPoint {
        rate,
        sent: sent.len() as u64,
        received: merged.deliveries.len() as u64,
        lost,
        refused: refused.len() as u64,
        errors: merged.errors,
        latency: summarise(&mut samples),
    })
}
