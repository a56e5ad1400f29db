//! Presence across gateways: who is connected anywhere, when they were last seen, and
//! signals routed to the gateways where their recipients are connected.
//!
//! A user is present while some gateway's entry in their presence hash has not expired
//! (each gateway refreshes its entries every third of the presence TTL and removes them
//! when the user's last local subscription goes), so a gateway that dies leaves its users
//! present for at most one TTL. `seen` is stamped with every refresh and on release, so an
//! offline user's last-seen time is at most a refresh period early, even after a crash.

use bytes::Bytes;
use redis::Value;

use super::{
    Failure, SEEN_TTL, Shared,
    keys::{SIGNAL_FIELD, USER_FIELD},
    ms, now_ms, reply,
};
use crate::Presence;

/// The presence of each of `users`, in order: one pipelined round trip.
pub(crate) async fn presence(shared: &Shared, users: &[String]) -> Result<Vec<Presence>, Failure> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for user in users {
        pipe.cmd("HGETALL")
            .arg(shared.keys.presence(user))
            .cmd("GET")
            .arg(shared.keys.seen(user));
    }
    let replies: Vec<Value> = pipe.query_async(&mut shared.conn.clone()).await?;
    let now = now_ms();
    let mut replies = replies.into_iter();
    users
        .iter()
        .map(|_| {
            let gateways = reply::presence(replies.next().unwrap_or(Value::Nil))?;
            let seen = seen_ms(&replies.next().unwrap_or(Value::Nil));
            Ok(state(&gateways, seen, now))
        })
        .collect()
}

/// Removes this gateway's presence for `user` unless it still holds a subscription of
/// theirs, stamping them last seen; answers their presence afterwards.
pub(crate) async fn release(shared: &Shared, user: &str) -> Result<Presence, Failure> {
    let Some(me) = shared.gateway_id() else {
        return Ok(Presence::default());
    };
    if shared.registry.is_present(user) {
        return Ok(Presence {
            online: true,
            last_seen_ms: None,
        });
    }
    let now = now_ms();
    let presence_key = shared.keys.presence(user);
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("HDEL")
        .arg(&presence_key)
        .arg(me)
        .ignore();
    stamp_seen(&mut pipe, shared, user, now);
    pipe.cmd("HGETALL").arg(&presence_key);
    let (remaining,): (Value,) = pipe.query_async(&mut shared.conn.clone()).await?;
    Ok(state(&reply::presence(remaining)?, Some(now), now))
}

/// Routes `payload` to the inbox of every gateway where one of `users` is present.
pub(crate) async fn signal(
    shared: &Shared,
    users: &[String],
    payload: &Bytes,
) -> Result<(), Failure> {
    if users.is_empty() {
        return Ok(());
    }
    let mut lookup = redis::pipe();
    for user in users {
        lookup.cmd("HGETALL").arg(shared.keys.presence(user));
    }
    let replies: Vec<Value> = lookup.query_async(&mut shared.conn.clone()).await?;
    let now = now_ms();
    let mut routes = redis::pipe();
    for (user, gateways) in users.iter().zip(replies) {
        for (gateway, _) in reply::presence(gateways)?
            .into_iter()
            .filter(|(_, expiry)| *expiry > now)
        {
            routes
                .cmd("XADD")
                .arg(shared.keys.inbox(&gateway))
                .arg("NOMKSTREAM")
                .arg("MAXLEN")
                .arg("~")
                .arg(shared.config.inbox_max_len.max(1))
                .arg("*")
                .arg(USER_FIELD)
                .arg(user)
                .arg(SIGNAL_FIELD)
                .arg(payload.as_ref())
                .ignore();
        }
    }
    if !routes.is_empty() {
        routes.exec_async(&mut shared.conn.clone()).await?;
    }
    Ok(())
}

/// Adds to `pipe` the command that stamps `user` last seen at `now` (its reply ignored).
pub(crate) fn stamp_seen(pipe: &mut redis::Pipeline, shared: &Shared, user: &str, now: u64) {
    pipe.cmd("SET")
        .arg(shared.keys.seen(user))
        .arg(now)
        .arg("PX")
        .arg(ms(SEEN_TTL))
        .ignore();
}

/// A user's presence from their gateways' expiries and last-seen stamp at `now`.
fn state(gateways: &[(String, u64)], seen: Option<u64>, now: u64) -> Presence {
    let online = gateways.iter().any(|(_, expiry)| *expiry > now);
    Presence {
        online,
        last_seen_ms: if online { None } else { seen },
    }
}

/// A `seen` value read back.
fn seen_ms(value: &Value) -> Option<u64> {
    match value {
        Value::Int(n) => u64::try_from(*n).ok(),
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok()?.parse().ok(),
        Value::SimpleString(text) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_while_any_gateway_entry_is_unexpired() {
        let live = [("a".to_owned(), 100), ("b".to_owned(), 200)];
        assert_eq!(
            state(&live, Some(5), 150),
            Presence {
                online: true,
                last_seen_ms: None
            }
        );
        assert_eq!(
            state(&live, Some(5), 200),
            Presence {
                online: false,
                last_seen_ms: Some(5)
            }
        );
        assert_eq!(state(&[], None, 1), Presence::default());
    }

    #[test]
    fn seen_stamps_parse_from_any_string_shape() {
        assert_eq!(seen_ms(&Value::BulkString(b"42".to_vec())), Some(42));
        assert_eq!(seen_ms(&Value::Int(7)), Some(7));
        assert_eq!(seen_ms(&Value::Nil), None);
        assert_eq!(seen_ms(&Value::BulkString(b"x".to_vec())), None);
    }
}
