//! A WebSocket client for `/api/v1/ws`: connect with either kind of authentication, read JSON
//! frames with a bound, send JSON frames, and gather `message` events.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use reqwest::Url;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::HarnessError;

/// How the socket proves who it is.
#[derive(Debug, Clone, Copy)]
pub enum WsAuth<'a> {
    /// `Authorization: Bearer <token>` on the upgrade request.
    Header(&'a str),
    /// `?access_token=<token>`, as browsers do.
    Query(&'a str),
    /// No credentials (to test refusal).
    Anonymous,
}

/// A `message` event as the server pushed it.
#[derive(Debug, Clone)]
pub struct MessageEvent {
    /// The event id (opaque; used with `since`).
    pub event_id: String,
    /// The Message object.
    pub message: Value,
}

impl MessageEvent {
    /// `message.id`.
    pub fn message_id(&self) -> &str {
        self.message["id"].as_str().unwrap_or_default()
    }
}

/// An open WebSocket to the gateway.
#[derive(Debug)]
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects to `ws_url` (e.g. [`crate::GochatLocal::ws_url`]), optionally resuming after
    /// event `since`. A refused upgrade yields [`HarnessError::WsConnect`] with its status.
    pub async fn connect(
        ws_url: &str,
        auth: WsAuth<'_>,
        since: Option<&str>,
    ) -> Result<Self, HarnessError> {
        let mut url = Url::parse(ws_url).map_err(|e| HarnessError::Url {
            url: ws_url.to_owned(),
            reason: e.to_string(),
        })?;
        if let WsAuth::Query(token) = auth {
            url.query_pairs_mut().append_pair("access_token", token);
        }
        if let Some(since) = since {
            url.query_pairs_mut().append_pair("since", since);
        }
        let shown = redact(&url);
        let connect_err = |status, reason: String| HarnessError::WsConnect {
            url: shown.clone(),
            status,
            reason,
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| connect_err(None, e.to_string()))?;
        if let WsAuth::Header(token) = auth {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|e| connect_err(None, e.to_string()))?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let connecting = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(Duration::from_secs(10), connecting).await {
            Ok(Ok((stream, _response))) => Ok(Self { stream }),
            Ok(Err(WsError::Http(response))) => Err(connect_err(
                Some(response.status().as_u16()),
                "upgrade refused".into(),
            )),
            Ok(Err(e)) => Err(connect_err(None, e.to_string())),
            Err(_) => Err(connect_err(None, "no handshake within 10 s".into())),
        }
    }

    /// The next text frame parsed as JSON, waiting at most `timeout`. Pings are answered and
    /// skipped; a close frame is [`HarnessError::WsClosed`].
    pub async fn next_json(&mut self, timeout: Duration) -> Result<Value, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = tokio::time::timeout(left, self.stream.next())
                .await
                .map_err(|_| HarnessError::timeout("a WebSocket frame", timeout))?;
            match frame {
                None => {
                    return Err(HarnessError::WsClosed {
                        code: None,
                        reason: "stream ended".into(),
                    });
                }
                Some(Err(e)) => return Err(HarnessError::WsIo(e.to_string())),
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).map_err(|e| {
                        HarnessError::Unexpected(format!("non-JSON text frame {text:?}: {e}"))
                    });
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(HarnessError::WsClosed {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    });
                }
                Some(Ok(Message::Binary(bytes))) => {
                    return Err(HarnessError::Unexpected(format!(
                        "binary frame of {} bytes (the API sends text frames)",
                        bytes.len()
                    )));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            }
        }
    }

    /// The next frame whose `type` is `kind`, skipping others, within `timeout`.
    pub async fn next_of_type(
        &mut self,
        kind: &str,
        timeout: Duration,
    ) -> Result<Value, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self
                .next_json(left)
                .await
                .map_err(|e| retitle_timeout(e, &format!("a {kind:?} frame"), timeout))?;
            if frame["type"] == kind {
                return Ok(frame);
            }
        }
    }

    /// Reads `message` events until every id in `wanted` has been seen (other frames are
    /// skipped), within `timeout`. Returns every message event read, in arrival order.
    pub async fn collect_messages(
        &mut self,
        wanted: &[&str],
        timeout: Duration,
    ) -> Result<Vec<MessageEvent>, HarnessError> {
        let deadline = Instant::now() + timeout;
        let mut events: Vec<MessageEvent> = Vec::new();
        while !wanted
            .iter()
            .all(|id| events.iter().any(|e| e.message_id() == *id))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            let what = format!("message events for {wanted:?} (got {:?})", ids(&events));
            let frame = self
                .next_of_type("message", left)
                .await
                .map_err(|e| retitle_timeout(e, &what, timeout))?;
            events.push(parse_message_event(&frame)?);
        }
        Ok(events)
    }

    /// Sends `value` as one text frame.
    pub async fn send_json(&mut self, value: &Value) -> Result<(), HarnessError> {
        self.send_text(&value.to_string()).await
    }

    /// Sends raw text as one text frame (for malformed-frame tests).
    pub async fn send_text(&mut self, text: &str) -> Result<(), HarnessError> {
        self.stream
            .send(Message::text(text))
            .await
            .map_err(|e| HarnessError::WsIo(e.to_string()))
    }

    /// Closes the socket politely (bounded), ignoring a peer that is already gone.
    pub async fn close(mut self) {
        let closing = self.stream.close(None);
        let _closed_or_timed_out = tokio::time::timeout(Duration::from_secs(2), closing).await;
    }
}

/// Checks a `message` event's envelope and splits it into event id and Message.
pub fn parse_message_event(frame: &Value) -> Result<MessageEvent, HarnessError> {
    let event_id = frame["event_id"].as_str().filter(|s| !s.is_empty());
    match (event_id, frame.get("message")) {
        (Some(event_id), Some(message)) if message.is_object() => Ok(MessageEvent {
            event_id: event_id.to_owned(),
            message: message.clone(),
        }),
        _ => Err(HarnessError::Unexpected(format!(
            "malformed message event {frame}"
        ))),
    }
}

/// Message ids of `events`, in order.
pub fn ids(events: &[MessageEvent]) -> Vec<String> {
    events.iter().map(|e| e.message_id().to_owned()).collect()
}

/// The URL with the access token hidden, for error messages.
fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "access_token" {
                "<redacted>".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    shown.set_query(None);
    if !pairs.is_empty() {
        shown.query_pairs_mut().extend_pairs(pairs);
    }
    shown.to_string()
}

/// Replaces a timeout's description with a more useful one; other errors pass through.
fn retitle_timeout(error: HarnessError, what: &str, bound: Duration) -> HarnessError {
    match error {
        HarnessError::Timeout { .. } => HarnessError::timeout(what, bound),
        other => other,
    }
}
