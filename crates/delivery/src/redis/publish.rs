//! Publishing: append to each recipient's log, trim what aged out, notify the gateways
//! where the recipient is connected. Two pipelined round trips whatever the number of
//! recipients; no command touches two users (or a user and a gateway).
//!
//! Retention removes expired entries with XDEL (found with an XRANGE bounded by the trim
//! batch) rather than XADD's MINID trimming, because only XDEL advances the stream's
//! `max-deleted-entry-id` on Redis 7.0, and that low-water mark is what makes `truncated`
//! exact.

use redis::Value;

use super::{
    Conn, Failure,
    keys::{Keys, PAYLOAD_FIELD, USER_FIELD},
    reply,
};

/// What a publish needs besides the connection.
pub(crate) struct PublishSettings<'a> {
    pub(crate) keys: &'a Keys,
    pub(crate) now_ms: u64,
    pub(crate) retention_ms: u64,
    pub(crate) trim_batch: usize,
    pub(crate) inbox_max_len: usize,
}

/// The inclusive upper id of entries older than `before_ms`, or `None` when nothing can be.
fn trim_end(before_ms: u64) -> Option<String> {
    before_ms
        .checked_sub(1)
        .map(|last_ms| format!("{last_ms}-{}", u64::MAX))
}

/// Appends `payload` to each of `users`' logs (distinct users) and notifies their
/// gateways. Fails when an append may not have happened; a failed notification is only
/// logged, since the sweep heals it.
pub(crate) async fn publish(
    conn: &Conn,
    settings: &PublishSettings<'_>,
    users: &[String],
    payload: &[u8],
) -> Result<(), Failure> {
    let keys = settings.keys;
    let trim = trim_end(settings.now_ms.saturating_sub(settings.retention_ms))
        .filter(|_| settings.trim_batch > 0);
    let mut pipe = redis::pipe();
    for user in users {
        let log = keys.log(user);
        pipe.cmd("XADD")
            .arg(&log)
            .arg("*")
            .arg(PAYLOAD_FIELD)
            .arg(payload);
        if let Some(end) = &trim {
            pipe.cmd("XRANGE")
                .arg(&log)
                .arg("-")
                .arg(end)
                .arg("COUNT")
                .arg(settings.trim_batch);
        }
        pipe.cmd("HGETALL").arg(keys.presence(user));
    }
    let replies: Vec<Value> = pipe.query_async(&mut conn.clone()).await?;

    let mut followup = redis::pipe();
    let mut replies = replies.into_iter();
    for user in users {
        let Some(added) = replies.next() else {
            return Err(reply::ReplyError("a pipelined reply is missing".to_owned()).into());
        };
        reply::added_id(&added)?;
        if trim.is_some() {
            let expired = reply::events(replies.next().unwrap_or(Value::Nil))?;
            if !expired.is_empty() {
                let cmd = followup.cmd("XDEL").arg(keys.log(user));
                for event in &expired {
                    cmd.arg(event.id.to_string());
                }
                cmd.ignore();
            }
        }
        let presence = reply::presence(replies.next().unwrap_or(Value::Nil))?;
        let mut stale = Vec::new();
        for (gateway, expiry_ms) in presence {
            if expiry_ms <= settings.now_ms {
                stale.push(gateway);
                continue;
            }
            followup
                .cmd("XADD")
                .arg(keys.inbox(&gateway))
                .arg("NOMKSTREAM")
                .arg("MAXLEN")
                .arg("~")
                .arg(settings.inbox_max_len.max(1))
                .arg("*")
                .arg(USER_FIELD)
                .arg(user)
                .ignore();
        }
        if !stale.is_empty() {
            followup
                .cmd("HDEL")
                .arg(keys.presence(user))
                .arg(stale)
                .ignore();
        }
    }
    if !followup.is_empty()
        && let Err(e) = followup.exec_async(&mut conn.clone()).await
    {
        tracing::warn!(error = %e, "notifying gateways failed; their sweep will deliver");
    }
    Ok(())
}

/// Removes up to `max` entries older than `before_ms` from `user`'s log, advancing its
/// low-water mark; returns how many went.
pub(crate) async fn trim(
    conn: &Conn,
    keys: &Keys,
    user: &str,
    before_ms: u64,
    max: usize,
) -> Result<usize, Failure> {
    let Some(end) = trim_end(before_ms).filter(|_| max > 0) else {
        return Ok(0);
    };
    let log = keys.log(user);
    let expired: Value = redis::cmd("XRANGE")
        .arg(&log)
        .arg("-")
        .arg(end)
        .arg("COUNT")
        .arg(max)
        .query_async(&mut conn.clone())
        .await?;
    let expired = reply::events(expired)?;
    if expired.is_empty() {
        return Ok(0);
    }
    let mut del = redis::cmd("XDEL");
    del.arg(&log);
    for event in &expired {
        del.arg(event.id.to_string());
    }
    del.exec_async(&mut conn.clone()).await?;
    Ok(expired.len())
}

#[cfg(test)]
mod tests {
    use super::trim_end;

    #[test]
    fn the_trim_bound_is_the_last_id_before_the_cutoff() {
        assert_eq!(trim_end(0), None);
        assert_eq!(trim_end(1).as_deref(), Some("0-18446744073709551615"));
        assert_eq!(
            trim_end(1_700_000_000_000).as_deref(),
            Some("1699999999999-18446744073709551615")
        );
    }
}
