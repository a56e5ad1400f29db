//! Subscribing on a gateway: presence first, then the cursor, so no event falls between
//! the caller's replay (which covers everything up to the cursor) and live delivery
//! (everything after it, since any later publish sees the presence and notifies us).

use redis::Value;

use super::{Failure, Shared, deliver, ms, now_ms, presence, reply, unavailable};
use crate::{DeliveryError, EventId, Subscription};

/// Registers presence for `user` on this gateway, reads the log's last id as the cursor
/// (one pipeline, in that order) and starts a live subscription from there.
pub(crate) async fn subscribe(shared: &Shared, user: &str) -> Result<Subscription, DeliveryError> {
    let Some(gateway) = shared.gateway_id() else {
        return Err(DeliveryError::Unavailable(
            "this Redis event log has no gateway id: it publishes and replays only".to_owned(),
        ));
    };
    // Until finished (or dropped on failure) this keeps the user's presence refreshed and
    // records deliveries that the new subscription must catch up on.
    let pending = shared.registry.begin(user);
    let ttl = ms(shared.config.presence_ttl);
    let presence = shared.keys.presence(user);
    let now = now_ms();
    // Atomic, so of two first subscriptions racing on two gateways exactly one sees the
    // other: the user comes online once.
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("HGETALL")
        .arg(&presence)
        .cmd("HSET")
        .arg(&presence)
        .arg(gateway)
        .arg(now.saturating_add(ttl))
        .ignore()
        .cmd("PEXPIRE")
        .arg(&presence)
        .arg(ttl)
        .ignore();
    presence::stamp_seen(&mut pipe, shared, user, now);
    pipe.cmd("XREVRANGE")
        .arg(shared.keys.log(user))
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1);
    let (before, last): (Value, Value) = pipe
        .query_async(&mut shared.conn.clone())
        .await
        .map_err(unavailable)?;
    let came_online = !reply::presence(before)
        .map_err(Failure::from)?
        .iter()
        .any(|(_, expiry)| *expiry > now);
    let cursor = reply::events(last)
        .map_err(Failure::from)?
        .first()
        .map_or(EventId::ZERO, |event| event.id);
    let (live, missed) = pending.finish(cursor);
    if missed {
        let users = [user.to_owned()];
        let page = shared.config.read_batch;
        let caught_up =
            deliver::deliver(&shared.conn, &shared.keys, &shared.registry, &users, page).await;
        if let Err(e) = caught_up {
            tracing::debug!(error = %e, "catching up a new subscription failed; the sweep will");
        }
    }
    Ok(Subscription::with_signals(
        live.events,
        live.signals,
        came_online,
    ))
}
