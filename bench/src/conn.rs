//! One benchmark socket: a writer task fed by a channel, a reader task that records every
//! delivery with its latency and reports acks to the sender.

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use futures::{SinkExt, StreamExt};
use tokio::{
    sync::{mpsc, watch},
    task::JoinHandle,
};
use tokio_tungstenite::tungstenite::Message;

use crate::target::{Incoming, Target, User, now_us, parse_body};

/// One delivery: which message, when it was (meant to be) sent and when it arrived.
#[derive(Clone, Copy, Debug)]
pub struct Delivery {
    /// The message's sequence number.
    pub seq: u64,
    /// Intended send time, µs since start.
    pub sent_us: u64,
    /// Arrival time, µs since start.
    pub received_us: u64,
}

impl Delivery {
    /// Send → receive latency, µs, counted from the intended send time.
    pub fn latency_us(&self) -> u64 {
        self.received_us.saturating_sub(self.sent_us)
    }
}

/// What a socket's reader saw until it stopped.
#[derive(Debug, Default)]
pub struct Seen {
    /// Messages delivered to this user.
    pub deliveries: Vec<Delivery>,
    /// Acks of our sends.
    pub acks: u64,
    /// Sequence numbers of the sends acknowledged, where the ack said.
    pub acked: Vec<u64>,
    /// Sequence numbers of the sends refused by an error frame, where it said.
    pub refused: Vec<u64>,
    /// Error frames, by code.
    pub errors: BTreeMap<String, u64>,
    /// Whether the server closed the socket before we stopped.
    pub closed_early: bool,
}

/// Counters every socket of a run shares, so a scenario can wait for deliveries to land.
#[derive(Debug, Default)]
pub struct Totals {
    /// Deliveries so far.
    pub delivered: AtomicU64,
    /// Acks so far.
    pub acked: AtomicU64,
    /// Error frames answering a send so far.
    pub refused: AtomicU64,
}

/// An open socket under the benchmark's control.
#[derive(Debug)]
pub struct Conn {
    /// Frames to write.
    pub tx: mpsc::UnboundedSender<String>,
    /// One `()` per ack received (for closed-loop senders).
    pub acks: mpsc::UnboundedReceiver<()>,
    reader: JoinHandle<Seen>,
    writer: JoinHandle<()>,
}

impl Conn {
    /// Connects `user` and starts its reader and writer; the reader stops when `stop` turns
    /// true (or the server closes the socket).
    pub async fn open(
        target: Arc<dyn Target>,
        user: User,
        totals: Arc<Totals>,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<Self> {
        let socket = target.connect(&user).await?;
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let (ack_tx, acks) = mpsc::unbounded_channel();
        let writer = tokio::spawn(async move {
            while let Some(frame) = rx.recv().await {
                if sink.send(Message::text(frame)).await.is_err() {
                    return;
                }
            }
            let _ = sink.close().await;
        });
        let replies = tx.clone();
        let reader = tokio::spawn(async move {
            let mut stop = stop;
            let mut seen = Seen::default();
            let mut incoming = Vec::new();
            loop {
                let frame = tokio::select! {
                    frame = stream.next() => frame,
                    _ = stop.wait_for(|s| *s) => break,
                };
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                        seen.closed_early = !*stop.borrow();
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                target.parse(&user, &text, &mut incoming);
                for event in incoming.drain(..) {
                    match event {
                        Incoming::Ack(seq) => {
                            seen.acks += 1;
                            seen.acked.extend(seq);
                            totals.acked.fetch_add(1, Ordering::Relaxed);
                            let _ = ack_tx.send(());
                        }
                        Incoming::Delivered(body) => {
                            let received_us = now_us();
                            if let Some((seq, sent_us)) = parse_body(&body) {
                                seen.deliveries.push(Delivery {
                                    seq,
                                    sent_us,
                                    received_us,
                                });
                                totals.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Incoming::Reply(frame) => {
                            let _ = replies.send(frame);
                        }
                        Incoming::Error(code, seq) => {
                            *seen.errors.entry(code).or_default() += 1;
                            if let Some(seq) = seq {
                                seen.refused.push(seq);
                                totals.refused.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Incoming::Ignored => {}
                    }
                }
            }
            seen
        });
        Ok(Self {
            tx,
            acks,
            reader,
            writer,
        })
    }

    /// Closes the socket and returns what its reader saw (call after `stop` turned true).
    pub async fn finish(self) -> Seen {
        drop(self.tx);
        let seen = self.reader.await.unwrap_or_default();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.writer).await;
        seen
    }
}
