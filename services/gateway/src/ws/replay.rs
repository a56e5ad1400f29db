//! Catching a reconnecting client up: the retained events after `since`, or, when the log
//! no longer reaches back that far, the message history since then followed by the whole
//! retained log (the client dedupes on `message.id`).

use gochat_delivery::{DeliveryError, EventId};
use gochat_proto::chat::v1::ListMessagesSinceRequest;
use tracing::Instrument as _;

use crate::{
    error::ApiError,
    state::AppState,
    ws::{
        frame_queue::FrameQueue,
        push::{Push, Source},
    },
};

/// Messages asked from chat per history page.
const HISTORY_PAGE: u32 = 500;

/// Why a replay stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The event log failed.
    #[error(transparent)]
    Log(#[from] DeliveryError),
    /// Chat failed while reading history.
    #[error("message history: {}", .0.message)]
    History(ApiError),
    /// The socket went away.
    #[error("socket closed during replay")]
    Closed,
}

/// Replays `user`'s events after `since` into `frames`, pacing with the queue. Returns the
/// id of the last log event passed on, so live events up to it can be dropped.
pub async fn replay(
    state: &AppState,
    user: &str,
    since: EventId,
    frames: &FrameQueue,
) -> Result<Option<EventId>, ReplayError> {
    let page = state.config().replay_page_size;
    let mut cursor = since;
    let mut last = None;
    let mut first_page = true;
    loop {
        let replay = state.events().replay(user, cursor, page).await?;
        if first_page && replay.truncated {
            first_page = false;
            send_history(state, user, since, frames).await?;
            cursor = EventId::ZERO;
            continue;
        }
        first_page = false;
        let count = replay.events.len();
        for event in replay.events {
            cursor = event.id;
            last = Some(event.id);
            if let Some(push) = Push::decode(&event) {
                let span = push.span(Source::Replay);
                if !frames.push_wait(push.frame.clone()).instrument(span).await {
                    return Err(ReplayError::Closed);
                }
                push.delivered(Source::Replay);
            }
        }
        if count < page {
            return Ok(last);
        }
    }
}

/// Sends every message of `user`'s conversations since `since.ms` (oldest first) with the
/// synthetic event id `"{sent_at_ms}-0"`.
async fn send_history(
    state: &AppState,
    user: &str,
    since: EventId,
    frames: &FrameQueue,
) -> Result<(), ReplayError> {
    let mut since_ms = i64::try_from(since.ms).unwrap_or(i64::MAX);
    loop {
        let messages = state
            .chat()
            .list_messages_since(ListMessagesSinceRequest {
                user_id: user.to_owned(),
                since_ms,
                limit: HISTORY_PAGE,
            })
            .await
            .map_err(|s| ReplayError::History(ApiError::from(s)))?
            .into_inner()
            .messages;
        let count = messages.len();
        let newest = messages
            .iter()
            .map(|m| m.sent_at_ms)
            .max()
            .unwrap_or(since_ms);
        for message in messages {
            let id = format!("{}-0", message.sent_at_ms);
            let push = Push::new(id, message, Default::default());
            if !frames.push_wait(push.frame.clone()).await {
                return Err(ReplayError::Closed);
            }
            push.delivered(Source::History);
        }
        if count < HISTORY_PAGE as usize {
            return Ok(());
        }
        // The next page starts at the newest time seen (inclusive, so nothing sent in that
        // same millisecond is missed); a page that did not advance moves on by one ms.
        since_ms = if newest > since_ms {
            newest
        } else {
            since_ms.saturating_add(1)
        };
    }
}
