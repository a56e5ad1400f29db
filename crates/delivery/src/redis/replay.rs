//! Replay: the retained entries after a resume point, and whether anything after it was
//! already trimmed — read together in one MULTI on the user's log, so a trim cannot slip
//! between them.

use redis::{RedisResult, Value};

use super::{Conn, Failure, keys::Keys, reply};
use crate::{EventId, Replay};

/// The largest id there is: nothing can come after it.
const LAST_ID: EventId = EventId::new(u64::MAX, u64::MAX);

/// Up to `limit` events of `user` after `after`; `truncated` iff an entry after `after` was
/// removed (the stream's `max-deleted-entry-id` is above it). A missing log is empty and
/// complete.
pub(crate) async fn replay(
    conn: &Conn,
    keys: &Keys,
    user: &str,
    after: EventId,
    limit: usize,
) -> Result<Replay, Failure> {
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
    Ok(Replay {
        events,
        truncated: after < low_water,
    })
}
