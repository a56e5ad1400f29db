//! A gateway's periodic work, each step bounded: heartbeat and dead-gateway cleanup,
//! presence refresh (and removal for users whose last local subscription dropped), and the
//! sweep that re-reads the logs of local subscriptions to heal lost notifications.

use std::{sync::Arc, time::Duration};

use tokio::time::{Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use redis::Value;

use super::{Failure, Shared, deliver, keys::GROUP, ms, now_ms};

/// Dead gateways one heartbeat cleans up at most.
const DEAD_PER_PASS: usize = 16;
/// Users per presence pipeline.
const PRESENCE_CHUNK: usize = 256;

#[derive(Clone, Copy, Debug)]
enum Job {
    Heartbeat,
    Presence,
    Sweep,
}

fn every(period: Duration) -> Interval {
    let mut interval = tokio::time::interval(period.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}

/// Runs until `stop` fires; once it has, no new step starts (the selects look at `stop`
/// first).
pub(crate) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    let config = &shared.config;
    let mut heartbeat = every(config.presence_ttl.min(config.dead_gateway_after) / 3);
    // `connect` has just recorded the first heartbeat: the next is due a period later.
    heartbeat.reset();
    let mut presence = every(config.presence_ttl / 3);
    let mut sweep = every(config.sweep_interval);
    let mut swept_to: Option<String> = None;
    loop {
        let job = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            _ = heartbeat.tick() => Job::Heartbeat,
            _ = presence.tick() => Job::Presence,
            _ = sweep.tick() => Job::Sweep,
        };
        let work = async {
            match job {
                Job::Heartbeat => {
                    beat(&shared).await?;
                    sample_pending(&shared).await
                }
                Job::Presence => refresh_presence(&shared).await,
                Job::Sweep => sweep_once(&shared, &mut swept_to).await,
            }
        };
        let outcome = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            outcome = work => outcome,
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, ?job, "gateway maintenance failed; retrying next tick");
        }
    }
}

/// Records this gateway's heartbeat, keeps its inbox (and the registry) from expiring, and
/// deletes the inboxes of gateways silent for longer than the dead-gateway timeout.
pub(crate) async fn beat(shared: &Shared) -> Result<(), Failure> {
    let Some(me) = shared.gateway_id() else {
        return Ok(());
    };
    // A wiped Redis gets its new origin within a heartbeat, before most resumes ask.
    super::replay::origin(&shared.conn, &shared.keys).await?;
    let (keys, now) = (&shared.keys, now_ms());
    let dead_after = ms(shared.config.dead_gateway_after);
    let mut conn = shared.conn.clone();
    let (dead,): (Vec<String>,) = redis::pipe()
        .cmd("ZADD")
        .arg(keys.gateways())
        .arg(now)
        .arg(me)
        .ignore()
        .cmd("PEXPIRE")
        .arg(keys.gateways())
        .arg(dead_after.saturating_mul(2))
        .ignore()
        .cmd("PEXPIRE")
        .arg(keys.inbox(me))
        .arg(dead_after.saturating_mul(2))
        .ignore()
        .cmd("ZRANGEBYSCORE")
        .arg(keys.gateways())
        .arg("-inf")
        .arg(format!("({}", now.saturating_sub(dead_after)))
        .arg("LIMIT")
        .arg(0)
        .arg(DEAD_PER_PASS)
        .query_async(&mut conn)
        .await?;
    for gateway in dead.iter().filter(|gateway| gateway.as_str() != me) {
        tracing::info!(gateway, "deleting the inbox of a dead gateway");
        redis::cmd("DEL")
            .arg(keys.inbox(gateway))
            .exec_async(&mut conn)
            .await?;
        redis::cmd("ZREM")
            .arg(keys.gateways())
            .arg(gateway)
            .exec_async(&mut conn)
            .await?;
    }
    Ok(())
}

/// Sets `gochat_event_queue_pending_entries` to the number of this gateway's inbox
/// notifications read but not yet acknowledged (XPENDING); 0 while the group is missing.
async fn sample_pending(shared: &Shared) -> Result<(), Failure> {
    let Some(me) = shared.gateway_id() else {
        return Ok(());
    };
    let summary: Result<Value, _> = redis::cmd("XPENDING")
        .arg(shared.keys.inbox(me))
        .arg(GROUP)
        .query_async(&mut shared.conn.clone())
        .await;
    let pending = match summary {
        Ok(summary) => pending_count(&summary),
        Err(e) if e.code() == Some("NOGROUP") => 0,
        Err(e) => return Err(e.into()),
    };
    crate::metrics::QUEUE_PENDING.set(pending);
    Ok(())
}

/// The count of an XPENDING summary (`[count, min-id, max-id, consumers]`).
fn pending_count(summary: &Value) -> i64 {
    match summary {
        Value::Array(items) => match items.first() {
            Some(Value::Int(count)) => *count,
            _ => 0,
        },
        _ => 0,
    }
}

/// Removes this gateway's presence for users without local subscriptions, then refreshes
/// it (and their last-seen stamp) for every user with one (including any who subscribed
/// again meanwhile).
async fn refresh_presence(shared: &Shared) -> Result<(), Failure> {
    let Some(me) = shared.gateway_id() else {
        return Ok(());
    };
    let keys = &shared.keys;
    let mut conn = shared.conn.clone();
    for chunk in shared.registry.prune().chunks(PRESENCE_CHUNK) {
        let mut pipe = redis::pipe();
        for user in chunk {
            pipe.cmd("HDEL").arg(keys.presence(user)).arg(me).ignore();
        }
        pipe.exec_async(&mut conn).await?;
    }
    let ttl = ms(shared.config.presence_ttl);
    for chunk in shared.registry.present_users().chunks(PRESENCE_CHUNK) {
        let expiry = now_ms().saturating_add(ttl);
        let mut pipe = redis::pipe();
        for user in chunk {
            let presence = keys.presence(user);
            pipe.cmd("HSET")
                .arg(&presence)
                .arg(me)
                .arg(expiry)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&presence)
                .arg(ttl)
                .ignore();
            super::presence::stamp_seen(&mut pipe, shared, user, now_ms());
        }
        pipe.exec_async(&mut conn).await?;
    }
    Ok(())
}

/// Brings the next batch of local users (round robin) up to date with their logs.
async fn sweep_once(shared: &Shared, swept_to: &mut Option<String>) -> Result<(), Failure> {
    let users = shared
        .registry
        .users_after(swept_to.as_deref(), shared.config.sweep_batch.max(1));
    *swept_to = users.last().cloned();
    deliver::deliver(
        &shared.conn,
        &shared.keys,
        &shared.registry,
        &users,
        shared.config.read_batch,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_count_is_the_summarys_first_item() {
        let summary = Value::Array(vec![
            Value::Int(3),
            Value::SimpleString("1-0".into()),
            Value::SimpleString("2-0".into()),
            Value::Nil,
        ]);
        assert_eq!(pending_count(&summary), 3);
        assert_eq!(pending_count(&Value::Array(vec![])), 0);
        assert_eq!(pending_count(&Value::Nil), 0);
    }
}
