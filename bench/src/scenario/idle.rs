//! Idle sockets: how much resident memory each authenticated, idle WebSocket costs the server.

use std::{sync::Arc, time::Duration};

use futures::{StreamExt, stream};
use serde::Serialize;
use tokio::sync::watch;

use super::close_all;
use crate::{
    conn::{Conn, Totals},
    memory::rss_kib,
    target::{Target, User},
};

/// Memory per idle socket.
#[derive(Clone, Debug, Serialize)]
pub struct Idle {
    /// Sockets asked for.
    pub sockets: usize,
    /// Sockets that opened.
    pub opened: usize,
    /// Server RSS before opening them, KiB.
    pub rss_before_kib: u64,
    /// Server RSS with all of them open and idle, KiB.
    pub rss_after_kib: u64,
    /// The growth per open socket, KiB.
    pub kib_per_socket: f64,
    /// Sockets the server closed while idle.
    pub closed_early: u64,
}

/// Opens `sockets` sockets spread over `users`, waits for the server to settle, and reads
/// the RSS of `pids` before and after.
pub async fn run(
    target: Arc<dyn Target>,
    users: &[User],
    sockets: usize,
    pids: &[u32],
) -> anyhow::Result<Idle> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = rss_kib(pids).unwrap_or(0);
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop) = watch::channel(false);
    let opened: Vec<Conn> = stream::iter(0..sockets)
        .map(|i| {
            Conn::open(
                target.clone(),
                users[i % users.len()].clone(),
                totals.clone(),
                stop.clone(),
            )
        })
        .buffer_unordered(64)
        .filter_map(|conn| async move { conn.ok() })
        .collect()
        .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss_kib(pids).unwrap_or(0);
    let count = opened.len();
    let merged = close_all(opened, &stop_tx).await;
    Ok(Idle {
        sockets,
        opened: count,
        rss_before_kib: before,
        rss_after_kib: after,
        kib_per_socket: if count == 0 {
            0.0
        } else {
            after.saturating_sub(before) as f64 / count as f64
        },
        closed_early: merged.closed_early,
    })
}
