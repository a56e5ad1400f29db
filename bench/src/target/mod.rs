//! What the benchmark drives: a chat server reached over WebSockets. Each server speaks its
//! own protocol; the scenarios only see users, frames to send and what came back.

pub mod centrifugo;
pub mod gochat;

use std::sync::LazyLock;

use async_trait::async_trait;
use tokio::{net::TcpStream, time::Instant};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open client WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One user the benchmark acts as.
#[derive(Clone, Debug)]
pub struct User {
    /// Position in the user list; senders are the first half, their peers the second.
    pub index: usize,
    /// The server's id of the user.
    pub id: String,
    /// What authenticates its sockets.
    pub token: String,
    /// Where this user's messages go: gochat's direct conversation with its peer, or the
    /// peer's personal channel in Centrifugo. Only senders have one.
    pub route: Option<String>,
}

/// What one frame from the server means to the benchmark.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// The server accepted one of our sends (its sequence number, when the frame says).
    Ack(Option<u64>),
    /// A message for this user arrived, with its body.
    Delivered(String),
    /// The protocol wants this frame sent back (e.g. a pong).
    Reply(String),
    /// The server refused something, with its error code (and the refused send's sequence
    /// number, when the frame says).
    Error(String, Option<u64>),
    /// Anything else (our own echoes, replays, bookkeeping frames).
    Ignored,
}

/// A server under test.
#[async_trait]
pub trait Target: Send + Sync + 'static {
    /// A short name for reports.
    fn name(&self) -> &str;
    /// Creates `count` users; the first half each get a route to their peer in the second.
    async fn prepare(&self, count: usize) -> anyhow::Result<Vec<User>>;
    /// Opens an authenticated socket for `user`, ready to send.
    async fn connect(&self, user: &User) -> anyhow::Result<Socket>;
    /// The frame sending `body` along `user`'s route, tagged with `id`.
    fn send_frame(&self, user: &User, id: u64, body: &str) -> String;
    /// Interprets one text frame received by `user`.
    fn parse(&self, user: &User, text: &str, out: &mut Vec<Incoming>);
}

static BASE: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Microseconds since the benchmark's start: the one clock senders and receivers share
/// (they run in this process).
pub fn now_us() -> u64 {
    u64::try_from(BASE.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The instant `us` microseconds after the benchmark's start.
pub fn instant_at(us: u64) -> Instant {
    *BASE + std::time::Duration::from_micros(us)
}

/// A message body carrying its sequence number and intended send time.
pub fn body(seq: u64, sent_us: u64) -> String {
    format!("{seq}:{sent_us}")
}

/// Reads a body written by [`body`].
pub fn parse_body(body: &str) -> Option<(u64, u64)> {
    let (seq, sent) = body.split_once(':')?;
    Some((seq.parse().ok()?, sent.parse().ok()?))
}
