//! One socket's outgoing side: a bounded queue of frames drained by a single writer, and an
//! out-of-band close signal so a full queue can still close the socket.
//!
//! The queue allocates only for the frames it holds (an idle socket's costs nothing), which
//! is why it is a `flume` channel: tokio's reserves 32 slots per channel up front.

use std::{sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use flume::TrySendError;
use futures::{SinkExt, stream::SplitSink};
use tokio::sync::watch;

/// Close code when the socket cannot keep up or a backend is unavailable ("try again later").
pub const CLOSE_TRY_AGAIN_LATER: u16 = 1013;
/// Close code on shutdown and when the client stops answering pings ("going away").
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Close code when the access token expires or its session is revoked.
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// Close code for a normal end.
pub const CLOSE_NORMAL: u16 = 1000;

/// How long the writer tries to deliver the close frame.
const CLOSE_DEADLINE: Duration = Duration::from_secs(2);
/// Frames written before one flush at most.
const MAX_BATCH: usize = 64;

type Closing = Option<(u16, &'static str)>;

/// The producer side, cloned into everything that answers on the socket.
#[derive(Clone)]
pub struct FrameQueue {
    frames: flume::Sender<Message>,
    close: Arc<watch::Sender<Closing>>,
}

/// What the writer consumes (it runs in the socket's own task, beside the reader).
pub struct WriterInput {
    frames: flume::Receiver<Message>,
    close: watch::Receiver<Closing>,
}

impl FrameQueue {
    /// A queue of `capacity` frames and its writer input.
    pub fn new(capacity: usize) -> (Self, WriterInput) {
        let (tx, rx) = flume::bounded(capacity);
        let (close_tx, close_rx) = watch::channel(None);
        (
            Self {
                frames: tx,
                close: Arc::new(close_tx),
            },
            WriterInput {
                frames: rx,
                close: close_rx,
            },
        )
    }

    /// Queues `frame` without waiting. A full queue closes the socket with 1013 (the
    /// client resumes with `since`); returns whether the frame was queued.
    pub fn push(&self, frame: Message) -> bool {
        match self.frames.try_send(frame) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.close(
                    CLOSE_TRY_AGAIN_LATER,
                    "too slow: outgoing queue full; resume with since",
                );
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }

    /// Queues `frame`, waiting for room (for replays, which can pace themselves).
    pub async fn push_wait(&self, frame: Message) -> bool {
        if self.is_closing() {
            return false;
        }
        tokio::select! {
            sent = self.frames.send_async(frame) => sent.is_ok(),
            _ = self.closed() => false,
        }
    }

    /// Asks the writer to send a close frame and stop; the first reason wins.
    pub fn close(&self, code: u16, reason: &'static str) {
        self.close.send_if_modified(|c| {
            if c.is_none() {
                *c = Some((code, reason));
                true
            } else {
                false
            }
        });
    }

    /// Whether a close was asked for.
    pub fn is_closing(&self) -> bool {
        self.close.borrow().is_some()
    }

    /// Completes once a close was asked for. (A writer that stops on its own, the
    /// connection having failed, ends the whole session: see `session::run`.)
    pub async fn closed(&self) {
        let _ = self.close.subscribe().wait_for(Option::is_some).await;
    }
}

/// Writes queued frames to `sink` until a close is asked for, every producer is gone, or
/// the connection fails; a close sends the queued frames and the close frame first
/// (bounded in time).
pub async fn run_writer(mut sink: SplitSink<WebSocket, Message>, mut input: WriterInput) {
    loop {
        tokio::select! {
            biased;
            _ = close_asked(&mut input.close) => break,
            frame = input.frames.recv_async() => {
                let Ok(frame) = frame else { return };
                let write = write_batch(&mut sink, frame, &input.frames);
                tokio::select! {
                    biased;
                    _ = close_asked(&mut input.close) => break,
                    ok = write => if !ok { return },
                }
            }
        }
    }
    let closing = *input.close.borrow();
    if let Some((code, reason)) = closing {
        // Frames queued before the close (an error frame explaining it, say) go first.
        let farewell = async {
            while let Ok(frame) = input.frames.try_recv() {
                if sink.feed(frame).await.is_err() {
                    return;
                }
            }
            let frame = Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }));
            let _ = sink.send(frame).await;
        };
        let _ = tokio::time::timeout(CLOSE_DEADLINE, farewell).await;
    }
}

/// Completes once a close is asked for (or can no longer be).
async fn close_asked(close: &mut watch::Receiver<Closing>) {
    let _ = close.wait_for(Option::is_some).await;
}

/// Feeds `first` and whatever else is already queued (up to a batch), then flushes once.
async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    first: Message,
    frames: &flume::Receiver<Message>,
) -> bool {
    if sink.feed(first).await.is_err() {
        return false;
    }
    for _ in 1..MAX_BATCH {
        match frames.try_recv() {
            Ok(frame) => {
                if sink.feed(frame).await.is_err() {
                    return false;
                }
            }
            Err(_) => break,
        }
    }
    sink.flush().await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_closes_with_1013_and_refuses_more() {
        let (frames, input) = FrameQueue::new(2);
        assert!(frames.push(Message::text("1")));
        assert!(frames.push(Message::text("2")));
        assert!(!frames.is_closing());
        assert!(!frames.push(Message::text("3")));
        assert!(frames.is_closing());
        assert_eq!(
            *input.close.borrow(),
            Some((
                CLOSE_TRY_AGAIN_LATER,
                "too slow: outgoing queue full; resume with since"
            ))
        );
        frames.close(CLOSE_NORMAL, "later reasons lose");
        assert_eq!(
            input.close.borrow().map(|c| c.0),
            Some(CLOSE_TRY_AGAIN_LATER)
        );
        assert!(!frames.push_wait(Message::text("4")).await);
        tokio::time::timeout(Duration::from_secs(1), frames.closed())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn nothing_is_queued_once_the_writer_is_gone() {
        let (frames, input) = FrameQueue::new(2);
        drop(input);
        assert!(!frames.push(Message::text("x")));
        assert!(!frames.push_wait(Message::text("y")).await);
        assert!(!frames.is_closing(), "a gone writer is not a close request");
    }

    #[tokio::test]
    async fn frames_wait_in_order_until_taken() {
        let (frames, input) = FrameQueue::new(3);
        for text in ["a", "b", "c"] {
            assert!(frames.push(Message::text(text)));
        }
        let taken: Vec<_> = input.frames.try_iter().collect();
        assert_eq!(taken, ["a", "b", "c"].map(Message::text));
        assert!(frames.push(Message::text("d")), "taking frames makes room");
    }
}
