//! Overload: open-loop sending well above the measured maximum (twice it by default) for a
//! fixed time. What matters is how the server sheds what it cannot take: each send ends
//! acknowledged, refused by an error frame, or unanswered; an acknowledged send must still be
//! delivered (lost counts acknowledged sends that never arrived), and the accepted ones'
//! latency shows whether accepting them was honest.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Arc, atomic::Ordering},
};

use serde::Serialize;

use super::open_loop;
use crate::{
    conn::Delivery,
    stats::{Summary, summarise},
    target::{Target, User},
};

/// What an overload run saw.
#[derive(Clone, Debug, Serialize)]
pub struct Overload {
    /// Messages offered per second.
    pub rate: f64,
    /// Seconds of sending.
    pub seconds: f64,
    /// Messages sent.
    pub sent: u64,
    /// Sends acknowledged.
    pub accepted: u64,
    /// Sends refused by an error frame.
    pub refused: u64,
    /// Sends with neither an ack nor an error frame by the end of the grace period.
    pub unanswered: u64,
    /// Error frames by code.
    pub errors: BTreeMap<String, u64>,
    /// Acknowledged sends never delivered.
    pub lost: u64,
    /// Deliveries repeating a message.
    pub duplicated: u64,
    /// Send → receive latency of the delivered acknowledged sends.
    pub accepted_latency: Summary,
    /// Sockets the server closed during the run.
    pub closed_early: u64,
}

/// Offers `rate` messages a second for `seconds`, spread over the senders in turn.
pub async fn run(
    target: Arc<dyn Target>,
    users: &[User],
    rate: f64,
    seconds: f64,
) -> anyhow::Result<Overload> {
    // Every send answered and every acknowledged one delivered, or 10 s of grace.
    let (sent, merged) = open_loop(&target, users, rate, seconds, |totals, want| {
        let acked = totals.acked.load(Ordering::Relaxed);
        acked + totals.refused.load(Ordering::Relaxed) >= want
            && totals.delivered.load(Ordering::Relaxed) >= acked
    })
    .await?;
    let accepted: HashSet<u64> = merged.acked.intersection(&sent).copied().collect();
    let refused = merged.refused.intersection(&sent).count() as u64;
    let (lost, duplicated) = merged.lost_and_duplicated(&accepted);
    let mut samples: Vec<u64> = merged
        .deliveries
        .iter()
        .filter(|d| accepted.contains(&d.seq))
        .map(Delivery::latency_us)
        .collect();
    let sent_count = sent.len() as u64;
    Ok(Overload {
        rate,
        seconds,
        sent: sent_count,
        accepted: accepted.len() as u64,
        refused,
        unanswered: sent_count.saturating_sub(accepted.len() as u64 + refused),
        errors: merged.errors_by_code,
        lost,
        duplicated,
        accepted_latency: summarise(&mut samples),
        closed_early: merged.closed_early,
    })
}
