//! A WebSocket client that stays connected: it records every `message` event, and when its
//! socket breaks it reconnects (to the next gateway that accepts it, round robin) with `since`
//! set to the last event id it saw, as `api-v1.md` tells clients to.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::order::compare_event_ids;
use crate::ws::parse_message_event;
use crate::{HarnessError, MessageEvent, WsAuth, WsClient};

/// How long one read waits before the stop flag is looked at again.
const READ_SLICE: Duration = Duration::from_millis(500);
/// Pause between two reconnection attempts.
const RECONNECT_PAUSE: Duration = Duration::from_millis(250);

/// What the receiver has seen so far.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// Every `message` event, in arrival order, repeats included.
    pub events: Vec<MessageEvent>,
    /// Other frames (errors and the like), as text.
    pub other_frames: Vec<String>,
    /// One line per reconnection: which gateway, with which `since`.
    pub reconnects: Vec<String>,
    /// Failed connection attempts, as text (bounded to the last 50).
    pub connect_errors: Vec<String>,
}

impl Received {
    /// Whether every id in `ids` has arrived.
    pub fn has_all<S: AsRef<str>>(&self, ids: &[S]) -> bool {
        let seen: std::collections::HashSet<&str> =
            self.events.iter().map(MessageEvent::message_id).collect();
        ids.iter().all(|id| seen.contains(id.as_ref()))
    }
}

/// A receiving client running in the background.
#[derive(Debug)]
pub struct Receiver {
    state: Arc<Mutex<Received>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Connects to `ws_urls[first]` (an error if that fails) and starts receiving; later
    /// reconnections try the gateways round robin, starting after the one that failed.
    pub async fn start(
        ws_urls: Vec<String>,
        token: String,
        first: usize,
    ) -> Result<Self, HarnessError> {
        let socket = WsClient::connect(&ws_urls[first], WsAuth::Header(&token), None).await?;
        let state = Arc::new(Mutex::new(Received::default()));
        let (stop, stopped) = watch::channel(false);
        let worker = Worker {
            ws_urls,
            token,
            current: first,
            state: state.clone(),
            stopped,
        };
        let task = tokio::spawn(worker.run(socket));
        Ok(Self { state, stop, task })
    }

    /// A copy of what has arrived so far.
    pub fn snapshot(&self) -> Received {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits (bounded) until every id in `ids` has arrived; returns whether they all did.
    pub async fn wait_for<S: AsRef<str>>(&self, ids: &[S], timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.snapshot().has_all(ids) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops receiving and returns everything that arrived.
    pub async fn finish(self) -> Received {
        let _receiver_may_be_gone = self.stop.send(true);
        let _joined = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct Worker {
    ws_urls: Vec<String>,
    token: String,
    current: usize,
    state: Arc<Mutex<Received>>,
    stopped: watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self, first: WsClient) {
        let mut socket = Some(first);
        while !*self.stopped.borrow() {
            let Some(open) = socket.as_mut() else {
                socket = self.reconnect().await;
                continue;
            };
            match open.next_json(READ_SLICE).await {
                Ok(frame) => self.record(&frame),
                Err(HarnessError::Timeout { .. }) => {}
                Err(_) => socket = None,
            }
        }
        if let Some(open) = socket {
            open.close().await;
        }
    }

    fn record(&self, frame: &serde_json::Value) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match parse_message_event(frame) {
            Ok(event) if frame["type"] == "message" => state.events.push(event),
            _ => state.other_frames.push(frame.to_string()),
        }
    }

    /// Tries the next gateways round robin until one accepts, resuming after the last event.
    async fn reconnect(&mut self) -> Option<WsClient> {
        while !*self.stopped.borrow() {
            self.current = (self.current + 1) % self.ws_urls.len();
            let since = self.last_event_id();
            let url = &self.ws_urls[self.current];
            match WsClient::connect(url, WsAuth::Header(&self.token), since.as_deref()).await {
                Ok(socket) => {
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    state.reconnects.push(format!("to {url} since {since:?}"));
                    return Some(socket);
                }
                Err(e) => {
                    {
                        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                        if state.connect_errors.len() >= 50 {
                            state.connect_errors.remove(0);
                        }
                        state.connect_errors.push(e.to_string());
                    }
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                }
            }
        }
        None
    }

    fn last_event_id(&self) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .events
            .iter()
            .map(|e| e.event_id.as_str())
            .max_by(|a, b| compare_event_ids(a, b))
            .map(str::to_owned)
    }
}
