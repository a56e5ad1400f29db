//! Feeding local subscriptions from the user logs: one pipelined XRANGE per round for a
//! batch of users, each read from the smallest cursor of that user's subscriptions.

use super::{
    Conn, Failure,
    keys::Keys,
    registry::{Pushed, Registry},
    reply,
};
use crate::EventId;

/// Rounds one delivery runs at most; what is left is picked up by the next notification
/// or the sweep, so the work of one call stays bounded.
const MAX_ROUNDS: usize = 8;

/// Brings every local subscription of `users` up to date with their logs, reading at most
/// `page` entries per user and round.
pub(crate) async fn deliver(
    conn: &Conn,
    keys: &Keys,
    registry: &Registry,
    users: &[String],
    page: usize,
) -> Result<(), Failure> {
    let page = page.max(1);
    let mut todo: Vec<(&str, EventId)> = users
        .iter()
        .filter_map(|user| registry.read_from(user).map(|from| (user.as_str(), from)))
        .collect();
    for _ in 0..MAX_ROUNDS {
        if todo.is_empty() {
            break;
        }
        let mut pipe = redis::pipe();
        for (user, from) in &todo {
            pipe.cmd("XRANGE")
                .arg(keys.log(user))
                .arg(format!("({from}"))
                .arg("+")
                .arg("COUNT")
                .arg(page);
        }
        let pages: Vec<redis::Value> = pipe.query_async(&mut conn.clone()).await?;
        let mut next = Vec::new();
        for ((user, from), raw) in todo.into_iter().zip(pages) {
            let events = reply::events(raw)?;
            let full = events.len() >= page;
            if let Pushed::More(cursor) = registry.push(user, from, &events, full) {
                next.push((user, cursor));
            }
        }
        todo = next;
    }
    Ok(())
}
