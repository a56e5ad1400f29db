//! Replay: the retained entries after a resume point, and whether anything after it was
//! already trimmed — read together in one MULTI on the user's log, so a trim cannot slip
//! between them — or lost with the dataset: a resume point older than the dataset's origin
//! was handed out by a Redis that has since lost its data, and whatever followed it then is
//! gone without a trace in the logs.

use redis::{RedisResult, Value};

use super::{Conn, Failure, keys::Keys, reply};
use crate::{EventId, Replay, now_ms};

/// The largest id there is: nothing can come after it.
const LAST_ID: EventId = EventId::new(u64::MAX, u64::MAX);

/// When the dataset began (ms since the Unix epoch): the stored origin, or now, stored, when
/// there is none (a new or a wiped Redis).
pub(crate) async fn origin(conn: &Conn, keys: &Keys) -> Result<u64, Failure> {
    let now = now_ms();
    let before: Option<u64> = redis::cmd("SET")
        .arg(keys.origin())
        .arg(now)
        .arg("NX")
        .arg("GET")
        .query_async(&mut conn.clone())
        .await?;
    Ok(before.unwrap_or(now))
}

/// Up to `limit` events of `user` after `after`; `truncated` iff an entry after `after` was
/// removed (the stream's `max-deleted-entry-id` is above it) or `after` (other than
/// [`EventId::ZERO`], "from the start") is older than the dataset's [`origin`]. A missing log
/// is empty.
pub(crate) async fn replay(
    conn: &Conn,
    keys: &Keys,
    user: &str,
    after: EventId,
    limit: usize,
) -> Result<Replay, Failure> {
    let origin = origin(conn, keys).await?;
    let log = keys.log(user);
    let read = limit > 0 && after < LAST_ID;
    let mut pipe = redis::pipe();
    pipe.atomic().ignore_errors();
    if read {
        pipe.cmd("XRANGE")
            .arg(&log)
            .arg(format!("({after}"))
            .arg("+")
            .arg("COUNT")
            .arg(limit);
    }
    pipe.cmd("XINFO").arg("STREAM").arg(&log);
    let mut replies: Vec<RedisResult<Value>> = pipe.query_async(&mut conn.clone()).await?;
    let info = replies
        .pop()
        .ok_or_else(|| reply::ReplyError("the MULTI reply is empty".to_owned()))?;
    let events = match replies.pop() {
        Some(range) => reply::events(range?)?,
        None => Vec::new(),
    };
    let low_water = match info {
        Ok(info) => reply::max_deleted_id(info)?,
        Err(e) if e.to_string().contains("no such key") => EventId::ZERO,
        Err(e) => return Err(e.into()),
    };
    let before_dataset = after != EventId::ZERO && after.ms < origin;
    Ok(Replay {
        events,
        truncated: after < low_water || before_dataset,
    })
}
