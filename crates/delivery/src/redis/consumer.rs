//! A gateway's inbox consumer: reads notifications with its consumer group, brings the
//! notified users' local subscriptions up to date from their logs, then acknowledges.
//!
//! It starts (and restarts after any failure) by reclaiming the inbox's pending entries
//! with XAUTOCLAIM — left by a previous incarnation of this gateway id, or by its own read
//! that failed before the ack — so nothing is stranded. A missing group (Redis restarted
//! without persistence, or the inbox deleted as dead) is recreated.

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use redis::{Value, aio::ConnectionManager};
use tokio_util::sync::CancellationToken;

use super::{
    Failure, Shared, deliver,
    keys::GROUP,
    reply::{self, Notification},
};

/// First pause after a failure; doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs until `stop` fires; once it has, no new step starts (the selects look at `stop`
/// first).
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut reader: ConnectionManager,
    stop: CancellationToken,
) {
    let mut backoff = MIN_BACKOFF;
    let mut recovering = true;
    loop {
        let step = async {
            if recovering {
                reclaim(&shared).await
            } else {
                read_once(&shared, &mut reader).await
            }
        };
        let outcome = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            outcome = step => outcome,
        };
        match outcome {
            Ok(()) => {
                backoff = MIN_BACKOFF;
                recovering = false;
            }
            Err(e) if e.is_no_group() => {
                tracing::info!("the gateway inbox lost its consumer group; recreating it");
                recovering = true;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "reading the gateway inbox failed");
                recovering = true;
                tokio::select! {
                    biased;
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn inbox_and_id(shared: &Shared) -> (String, &str) {
    let id = shared.gateway_id().unwrap_or_default();
    (shared.keys.inbox(id), id)
}

/// Creates the inbox and its consumer group unless they exist.
pub(crate) async fn ensure_group(shared: &Shared, inbox: &str) -> Result<(), Failure> {
    let created: Result<(), redis::RedisError> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(inbox)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .exec_async(&mut shared.conn.clone())
        .await;
    match created {
        Err(e) if e.code() != Some("BUSYGROUP") => return Err(e.into()),
        _ => {}
    }
    // Heartbeats keep extending this; an inbox nobody reads any more expires by itself.
    redis::cmd("PEXPIRE")
        .arg(inbox)
        .arg(super::ms(shared.config.dead_gateway_after).saturating_mul(2))
        .exec_async(&mut shared.conn.clone())
        .await?;
    Ok(())
}

/// Takes over and processes every pending entry of the inbox.
async fn reclaim(shared: &Shared) -> Result<(), Failure> {
    let (inbox, id) = inbox_and_id(shared);
    ensure_group(shared, &inbox).await?;
    let mut cursor = "0-0".to_owned();
    loop {
        let claimed: Value = redis::cmd("XAUTOCLAIM")
            .arg(&inbox)
            .arg(GROUP)
            .arg(id)
            .arg(0)
            .arg(&cursor)
            .arg("COUNT")
            .arg(shared.config.read_batch.max(1))
            .query_async(&mut shared.conn.clone())
            .await?;
        let (next, notes) = reply::autoclaim(claimed)?;
        shared
            .reclaimed
            .fetch_add(notes.len() as u64, Ordering::Relaxed);
        handle(shared, &inbox, notes).await?;
        if next == "0-0" {
            return Ok(());
        }
        cursor = next;
    }
}

/// Waits (up to the block time) for new notifications and processes them.
async fn read_once(shared: &Shared, reader: &mut ConnectionManager) -> Result<(), Failure> {
    let (inbox, id) = inbox_and_id(shared);
    let read: Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(id)
        .arg("COUNT")
        .arg(shared.config.read_batch.max(1))
        .arg("BLOCK")
        .arg(super::ms(shared.config.block))
        .arg("STREAMS")
        .arg(&inbox)
        .arg(">")
        .query_async(reader)
        .await?;
    handle(shared, &inbox, reply::read_group(read)?).await
}

/// Hands signals to their users' subscriptions and delivers for the users notified of new
/// events, then acknowledges the notifications.
async fn handle(shared: &Shared, inbox: &str, notes: Vec<Notification>) -> Result<(), Failure> {
    if notes.is_empty() {
        return Ok(());
    }
    let mut seen = HashSet::new();
    let mut users = Vec::new();
    for note in &notes {
        match (&note.user, &note.signal) {
            (Some(user), Some(signal)) => shared.registry.signal(user, signal),
            (Some(user), None) if seen.insert(user.clone()) => users.push(user.clone()),
            _ => {}
        }
    }
    deliver::deliver(
        &shared.conn,
        &shared.keys,
        &shared.registry,
        &users,
        shared.config.read_batch,
    )
    .await?;
    let mut ack = redis::cmd("XACK");
    ack.arg(inbox).arg(GROUP);
    for note in &notes {
        ack.arg(&note.id);
    }
    ack.exec_async(&mut shared.conn.clone()).await?;
    Ok(())
}
