//! Typing and presence on a socket: signals from the log turned into frames, the typing
//! throttle, and announcing that the socket's user came online or went offline.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use axum::extract::ws::Message as WsMessage;
use gochat_proto::chat::v1::{AnnouncePresenceRequest, SendTypingRequest, Signal, signal::Kind};
use prost::Message as _;

use crate::{error::ApiError, state::AppState, time::rfc3339_ms, ws::protocol::ServerFrame};

/// Longest conversation id a typing frame may name: ids are UUIDs (36 characters), and the
/// throttle and the rate-limit key keep what the client sent.
const MAX_CONVERSATION_ID_BYTES: usize = 64;

/// Whether `id` is short enough to be a conversation id (chat checks the rest); a longer one
/// is refused before it is kept anywhere.
pub(crate) fn could_be_conversation_id(id: &str) -> bool {
    id.len() <= MAX_CONVERSATION_ID_BYTES
}

/// A user's typing in one conversation is forwarded at most once per this interval.
pub(crate) const TYPING_INTERVAL: Duration = Duration::from_secs(3);
/// Conversations a socket's throttle remembers; a frame for another one beyond this is
/// dropped until entries age out.
const TYPING_CONVERSATIONS: usize = 32;
/// How long announcing a presence change may take before it is given up.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(5);

/// The frame for a signal's payload, or `None` (logged) when it is unusable.
pub(crate) fn frame(payload: &[u8]) -> Option<WsMessage> {
    let frame = match Signal::decode(payload).map(|signal| signal.kind) {
        Ok(Some(Kind::Typing(typing))) => ServerFrame::Typing {
            conversation_id: typing.conversation_id,
            user_id: typing.user_id,
        },
        Ok(Some(Kind::Presence(change))) => ServerFrame::Presence {
            user_id: change.user_id,
            status: if change.online { "online" } else { "offline" },
            last_seen_at: change
                .last_seen_at_ms
                .filter(|_| !change.online)
                .map(rfc3339_ms),
        },
        Ok(None) => {
            tracing::warn!("a signal without a kind; skipped");
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, "undecodable signal; skipped");
            return None;
        }
    };
    Some(WsMessage::text(frame.to_text()))
}

/// When a socket last forwarded typing, per conversation.
#[derive(Debug, Default)]
pub(crate) struct TypingThrottle {
    last: HashMap<String, Instant>,
}

impl TypingThrottle {
    /// Whether typing in `conversation_id` may be forwarded at `now` (and records it).
    pub(crate) fn allow(&mut self, conversation_id: &str, now: Instant) -> bool {
        if let Some(at) = self.last.get(conversation_id)
            && now.duration_since(*at) < TYPING_INTERVAL
        {
            return false;
        }
        if self.last.len() >= TYPING_CONVERSATIONS && !self.last.contains_key(conversation_id) {
            self.last
                .retain(|_, at| now.duration_since(*at) < TYPING_INTERVAL);
            if self.last.len() >= TYPING_CONVERSATIONS {
                return false;
            }
        }
        self.last.insert(conversation_id.to_owned(), now);
        true
    }
}

/// Forwards the user's typing through chat unless another of their sockets (on any
/// gateway) did within the interval; an error (not a member, no such conversation) is
/// for the client.
pub(crate) async fn forward_typing(
    state: &AppState,
    user_id: &str,
    conversation_id: String,
) -> Result<(), ApiError> {
    let key = format!("typing:{user_id}:{conversation_id}");
    match state.rate_limits().hit(&key, 1, TYPING_INTERVAL).await {
        Ok(decision) if !decision.allowed => return Ok(()),
        Ok(_) => {}
        Err(e) => tracing::debug!(error = %e, "the typing throttle is unavailable; forwarding"),
    }
    state
        .chat()
        .send_typing(SendTypingRequest {
            user_id: user_id.to_owned(),
            conversation_id,
        })
        .await?;
    Ok(())
}

/// Tells the user's contacts that they came online.
pub(crate) async fn announce_online(state: &AppState, user_id: &str) {
    announce(state, user_id, true, None).await;
}

/// Called once a socket's subscription is dropped: when that was the user's last one
/// anywhere, tells their contacts they went offline.
pub(crate) async fn announce_if_offline(state: &AppState, user_id: &str) {
    match state.events().release(user_id).await {
        Ok(presence) if !presence.online => {
            let last_seen = presence.last_seen_ms.and_then(|ms| i64::try_from(ms).ok());
            announce(state, user_id, false, last_seen).await;
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "releasing a user's presence failed"),
    }
}

async fn announce(state: &AppState, user_id: &str, online: bool, last_seen_at_ms: Option<i64>) {
    let request = AnnouncePresenceRequest {
        user_id: user_id.to_owned(),
        online,
        last_seen_at_ms,
    };
    let announced =
        tokio::time::timeout(ANNOUNCE_TIMEOUT, state.chat().announce_presence(request)).await;
    match announced {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, online, "announcing a presence change failed"),
        Err(_) => tracing::warn!(online, "announcing a presence change timed out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_forwarded_once_per_interval_per_conversation() {
        let mut throttle = TypingThrottle::default();
        let t0 = Instant::now();
        assert!(throttle.allow("c1", t0));
        assert!(!throttle.allow("c1", t0 + Duration::from_secs(1)));
        assert!(throttle.allow("c2", t0 + Duration::from_secs(1)));
        assert!(throttle.allow("c1", t0 + TYPING_INTERVAL));
    }

    #[test]
    fn only_short_ids_may_name_a_conversation() {
        assert!(could_be_conversation_id(
            "0190a5e0-0000-7000-8000-000000000001"
        ));
        assert!(!could_be_conversation_id(&"c".repeat(65)));
    }

    #[test]
    fn the_throttle_stays_bounded() {
        let mut throttle = TypingThrottle::default();
        let t0 = Instant::now();
        for n in 0..TYPING_CONVERSATIONS {
            assert!(throttle.allow(&format!("c{n}"), t0));
        }
        assert!(!throttle.allow("one-more", t0), "full of recent entries");
        assert!(
            throttle.allow("one-more", t0 + TYPING_INTERVAL),
            "old ones age out"
        );
        assert!(throttle.last.len() <= TYPING_CONVERSATIONS);
    }

    #[test]
    fn signals_become_typing_and_presence_frames() {
        let typing = Signal {
            kind: Some(Kind::Typing(gochat_proto::chat::v1::Typing {
                conversation_id: "c".into(),
                user_id: "u".into(),
            })),
        };
        let text = |m: WsMessage| match m {
            WsMessage::Text(t) => serde_json::from_str::<serde_json::Value>(t.as_str()).unwrap(),
            other => panic!("not text: {other:?}"),
        };
        let got = text(frame(&typing.encode_to_vec()).unwrap());
        assert_eq!(
            got,
            serde_json::json!({"type":"typing","conversation_id":"c","user_id":"u"})
        );
        let offline = Signal {
            kind: Some(Kind::Presence(gochat_proto::chat::v1::PresenceChange {
                user_id: "u".into(),
                online: false,
                last_seen_at_ms: Some(0),
            })),
        };
        let got = text(frame(&offline.encode_to_vec()).unwrap());
        assert_eq!(got["status"], "offline");
        assert_eq!(got["last_seen_at"], "1970-01-01T00:00:00.000Z");
        assert!(frame(b"\xff\xff").is_none());
        assert!(frame(&Signal { kind: None }.encode_to_vec()).is_none());
    }
}
