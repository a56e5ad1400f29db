//! One connected socket, subscribed before its upgrade: replay, then stream live events
//! while answering the client's sends, pinging, and closing on token expiry, shutdown or a
//! stalled peer.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures::{StreamExt, stream::SplitStream};
use gochat_delivery::{Event, EventId, Subscription};
use gochat_proto::chat::v1::SendMessageRequest;
use tokio::sync::{Semaphore, broadcast::error::RecvError};
use tracing::Instrument as _;

use crate::{
    dto::required_message,
    error::{ApiError, ErrorCode},
    keys::Identity,
    limits::check_send,
    metrics::OpenSocket,
    state::AppState,
    ws::{
        frame_queue::{
            CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHORIZED, FrameQueue,
            run_writer,
        },
        protocol::{ClientFrame, ClientSendFrame, ServerFrame, parse_client_frame},
        push::{Push, Source},
        replay::{ReplayError, replay},
        signals::{self, TypingThrottle},
    },
};

/// Sends of one socket that may wait on chat at once.
const MAX_SENDS_IN_FLIGHT: usize = 32;

/// Runs the socket of `identity`, whose live events `live` already receives, until it
/// ends, resuming after `since` if given.
pub async fn run(
    socket: WebSocket,
    state: AppState,
    identity: Identity,
    live: Subscription,
    since: Option<EventId>,
) {
    let _open = OpenSocket::open();
    let user = identity.account_id.clone();
    // The online announcement runs beside the session; the offline one waits for it, so a
    // socket that closes at once is not announced offline before it was announced online.
    let online_announced = live.came_online().then(|| {
        let (state, user) = (state.clone(), user.clone());
        let (done, announced) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            signals::announce_online(&state, &user).await;
            let _ = done.send(());
        });
        announced
    });
    let (sink, stream) = socket.split();
    let (frames, writer_input) = FrameQueue::new(state.config().ws_queue_frames);
    let session = Session {
        state: state.clone(),
        identity,
        frames,
        sends: Arc::new(Semaphore::new(MAX_SENDS_IN_FLIGHT)),
        typing: Mutex::new(TypingThrottle::default()),
    };
    // Reader and writer share this task (one task per socket keeps idle sockets cheap). A
    // writer that stops first (the connection failed, or a close was sent) ends the session.
    let writer = run_writer(sink, writer_input);
    tokio::pin!(writer);
    tokio::select! {
        () = session.drive(stream, live, since) => {
            session.frames.close(CLOSE_NORMAL, "bye");
            writer.await;
        }
        () = &mut writer => {}
    }
    // The subscription is gone with `drive`: if it was the user's last, they went offline.
    if let Some(announced) = online_announced {
        // Either outcome (announced, or the task gone) lets the offline announcement go.
        let _ = announced.await;
    }
    signals::announce_if_offline(&state, &user).await;
}

struct Session {
    state: AppState,
    identity: Identity,
    frames: FrameQueue,
    sends: Arc<Semaphore>,
    typing: Mutex<TypingThrottle>,
}

impl Session {
    async fn drive(
        &self,
        mut stream: SplitStream<WebSocket>,
        mut live: Subscription,
        since: Option<EventId>,
    ) {
        let user = self.identity.account_id.as_str();
        let mut last_sent = None;
        if let Some(since) = since {
            let shutdown = self.state.shutdown().clone();
            tokio::select! {
                // Boxed: a replay's gRPC calls make a large future, and only reconnects
                // need it, so idle sockets should not carry its space.
                outcome = Box::pin(replay(&self.state, user, since, &self.frames)) => match outcome {
                    Ok(last) => last_sent = last,
                    Err(ReplayError::Closed) => return,
                    Err(e) => return self.fail(&e.to_string()),
                },
                _ = shutdown.wait() => {
                    return self.frames.close(CLOSE_GOING_AWAY, "server shutting down");
                }
            }
        }
        self.stream_live(&mut stream, &mut live, last_sent).await;
    }

    /// Reports a backend failure to the client and closes with 1013.
    fn fail(&self, why: &str) {
        tracing::warn!(error = why, "socket cannot be served");
        let e = ApiError::unavailable("delivery is unavailable; reconnect later");
        self.frames
            .push(WsMessage::text(ServerFrame::error(&e, None).to_text()));
        self.frames.close(
            CLOSE_TRY_AGAIN_LATER,
            "delivery unavailable; reconnect later",
        );
    }

    async fn stream_live(
        &self,
        stream: &mut SplitStream<WebSocket>,
        live: &mut Subscription,
        mut last_sent: Option<EventId>,
    ) {
        let config = self.state.config();
        let interval = config.ws_ping_interval;
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        let expiry = tokio::time::sleep(until_expiry(self.identity.expires_at));
        tokio::pin!(expiry);
        let mut revocations = self.state.revoked().announcements();
        if self.state.revoked().contains(&self.identity.session_id) {
            return self.frames.close(CLOSE_UNAUTHORIZED, "session ended");
        }
        let shutdown = self.state.shutdown().clone();
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                _ = shutdown.wait() => {
                    return self.frames.close(CLOSE_GOING_AWAY, "server shutting down");
                }
                _ = &mut expiry => {
                    return self.frames.close(CLOSE_UNAUTHORIZED, "access token expired");
                }
                revoked = revocations.recv() => {
                    let ours = match revoked {
                        Ok(session) => *session == *self.identity.session_id,
                        // Missed announcements: the list itself says. (The announcements
                        // cannot close: the state this session holds owns their sender.)
                        Err(RecvError::Lagged(_) | RecvError::Closed) => {
                            self.state.revoked().contains(&self.identity.session_id)
                        }
                    };
                    if ours {
                        return self.frames.close(CLOSE_UNAUTHORIZED, "session ended");
                    }
                }
                _ = self.frames.closed() => return,
                signal = live.next_signal() => {
                    if let Some(frame) = signals::frame(&signal)
                        && !self.frames.push(frame)
                    {
                        return;
                    }
                }
                event = live.next() => match event {
                    Some(event) => {
                        if !self.forward(event, &mut last_sent) {
                            return;
                        }
                    }
                    None => {
                        return self.frames.close(
                            CLOSE_TRY_AGAIN_LATER,
                            "fell behind the event stream; resume with since",
                        );
                    }
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() >= interval * 2 {
                        return self.frames.close(CLOSE_GOING_AWAY, "no answer to pings");
                    }
                    if !self.frames.push(WsMessage::Ping(Default::default())) {
                        return;
                    }
                }
                incoming = stream.next() => {
                    let Some(Ok(message)) = incoming else { return };
                    last_heard = Instant::now();
                    if !self.on_message(message).await {
                        return;
                    }
                }
            }
        }
    }

    /// Passes a live event on unless replay already sent it; false once the socket closes.
    fn forward(&self, event: Event, last_sent: &mut Option<EventId>) -> bool {
        if last_sent.is_some_and(|last| event.id <= last) {
            return true;
        }
        *last_sent = Some(event.id);
        let Some(push) = Push::decode(&event) else {
            return true;
        };
        let pushed = push
            .span(Source::Live)
            .in_scope(|| self.frames.push(push.frame.clone()));
        if pushed {
            push.delivered(Source::Live);
        }
        pushed
    }

    /// Handles one client frame; false when the socket should end.
    async fn on_message(&self, message: WsMessage) -> bool {
        match message {
            WsMessage::Text(text) => match parse_client_frame(text.as_str()) {
                Ok(ClientFrame::Send(send)) => self.start_send(send).await,
                Ok(ClientFrame::Typing { conversation_id }) => self.start_typing(conversation_id),
                Err(e) => {
                    let error = ApiError::invalid_request(e.message);
                    self.reply(ServerFrame::error(&error, e.client_msg_id))
                }
            },
            WsMessage::Binary(_) => {
                let error =
                    ApiError::invalid_request("binary frames are not supported; send JSON text");
                self.reply(ServerFrame::error(&error, None))
            }
            WsMessage::Ping(_) | WsMessage::Pong(_) => true,
            WsMessage::Close(_) => false,
        }
    }

    /// Forwards typing on its own task unless this socket did for the conversation within
    /// the interval; a refusal comes back as an `error` frame.
    fn start_typing(&self, conversation_id: String) -> bool {
        if !signals::could_be_conversation_id(&conversation_id) {
            let refused = ApiError::new(ErrorCode::ConversationNotFound, "no such conversation");
            return self.reply(ServerFrame::error(&refused, None));
        }
        let allowed = self
            .typing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .allow(&conversation_id, Instant::now());
        if !allowed {
            return true;
        }
        let (state, frames) = (self.state.clone(), self.frames.clone());
        let user = self.identity.account_id.clone();
        tokio::spawn(async move {
            if let Err(e) = signals::forward_typing(&state, &user, conversation_id).await {
                frames.push(WsMessage::text(ServerFrame::error(&e, None).to_text()));
            }
        });
        true
    }

    fn reply(&self, frame: ServerFrame) -> bool {
        self.frames.push(WsMessage::text(frame.to_text()))
    }

    /// Runs a send on its own task (at most [`MAX_SENDS_IN_FLIGHT`] at once; beyond that
    /// the socket stops reading until one finishes).
    async fn start_send(&self, send: ClientSendFrame) -> bool {
        let Ok(permit) = self.sends.clone().acquire_owned().await else {
            return false;
        };
        let place = match self.state.sends().try_acquire() {
            Ok(place) => place,
            Err(refused) => {
                return self.reply(ServerFrame::error(&refused, Some(send.client_msg_id)));
            }
        };
        let state = self.state.clone();
        let frames = self.frames.clone();
        let sender = self.identity.account_id.clone();
        let span = tracing::info_span!(
            "gochat.ws.send",
            otel.kind = "server",
            network.protocol.name = "websocket",
        );
        let work = async move {
            let client_msg_id = send.client_msg_id.clone();
            let frame = match send_message(&state, sender, send).await {
                Ok(message) => ServerFrame::Ack {
                    client_msg_id,
                    message,
                },
                Err(e) => ServerFrame::error(&e, Some(client_msg_id)),
            };
            frames.push(WsMessage::text(frame.to_text()));
            drop((place, permit));
        };
        tokio::spawn(work.instrument(span));
        true
    }
}

/// A send from the socket: same limit and rules as `POST /conversations/{id}/messages`.
async fn send_message(
    state: &AppState,
    sender_id: String,
    send: ClientSendFrame,
) -> Result<crate::dto::MessageJson, ApiError> {
    check_send(state, &sender_id).await?;
    let answer = state
        .chat()
        .send_message(SendMessageRequest {
            sender_id,
            conversation_id: send.conversation_id,
            body: send.body,
            client_msg_id: send.client_msg_id,
        })
        .await?
        .into_inner();
    required_message(answer.message)
}

/// Time left until `exp` (Unix seconds); zero when already past.
fn until_expiry(exp: u64) -> Duration {
    let now_ms = u64::try_from(gochat_runtime::clock::now_ms()).unwrap_or(0);
    Duration::from_millis(exp.saturating_mul(1000).saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_measured_from_now() {
        let now_s = u64::try_from(gochat_runtime::clock::now_ms()).unwrap() / 1000;
        assert_eq!(until_expiry(0), Duration::ZERO);
        assert_eq!(until_expiry(now_s.saturating_sub(10)), Duration::ZERO);
        let left = until_expiry(now_s + 60);
        assert!(left > Duration::from_secs(58) && left <= Duration::from_secs(60));
    }
}
