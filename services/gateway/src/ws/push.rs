//! Pushing a log event to a socket: decoding it, the `gochat.ws.push` span LINKED (not
//! parented) to the send's trace context that travelled with the event, and the delivered
//! and delivery-lag metrics.

use std::collections::HashMap;

use axum::extract::ws::Message as WsMessage;
use gochat_delivery::Event;
use gochat_proto::chat::v1::{DeliveryEvent, Message};
use gochat_telemetry::{self as telemetry, propagation};
use prost::Message as _;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::{
    metrics::{DELIVERED, DELIVERY_LAG},
    ws::protocol::ServerFrame,
};

/// Where a pushed message frame came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The live event stream.
    Live,
    /// The retained log, replayed after `since`.
    Replay,
    /// Message history, when the log no longer reached back far enough.
    History,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Replay => "replay",
            Self::History => "history",
        }
    }
}

/// A log event ready to push.
#[derive(Debug)]
pub(crate) struct Push {
    /// The `message` frame.
    pub(crate) frame: WsMessage,
    event_id: String,
    message_id: String,
    conversation_id: String,
    sent_at_ms: i64,
    trace_context: HashMap<String, String>,
}

impl Push {
    /// The push for a log event, or `None` (logged) when its payload is unusable.
    pub(crate) fn decode(event: &Event) -> Option<Self> {
        match DeliveryEvent::decode(event.payload.as_ref()) {
            Ok(DeliveryEvent {
                message: Some(message),
                trace_context,
            }) => Some(Self::new(event.id.to_string(), message, trace_context)),
            Ok(_) => {
                tracing::warn!(event_id = %event.id, "delivery event without a message; skipped");
                None
            }
            Err(e) => {
                tracing::warn!(event_id = %event.id, error = %e, "undecodable delivery event; skipped");
                None
            }
        }
    }

    /// The push of `message` as event `event_id` (a history message has no trace context).
    pub(crate) fn new(
        event_id: String,
        message: Message,
        trace_context: HashMap<String, String>,
    ) -> Self {
        let (message_id, conversation_id) = (message.id.clone(), message.conversation_id.clone());
        let sent_at_ms = message.sent_at_ms;
        let frame = ServerFrame::Message {
            event_id: event_id.clone(),
            message: message.into(),
        };
        Self {
            frame: WsMessage::text(frame.to_text()),
            event_id,
            message_id,
            conversation_id,
            sent_at_ms,
            trace_context,
        }
    }

    /// The `gochat.ws.push` span (only when traces are exported), linked to the send's
    /// trace when the event carried one. The user is not recorded.
    pub(crate) fn span(&self, source: Source) -> Span {
        if !telemetry::enabled() {
            return Span::none();
        }
        let span = tracing::info_span!(
            "gochat.ws.push",
            otel.kind = "consumer",
            messaging.operation.type = "process",
            messaging.message.id = self.event_id.as_str(),
            gochat.message_id = self.message_id.as_str(),
            gochat.conversation_id = self.conversation_id.as_str(),
            gochat.delivery.source = source.label(),
        );
        if let Some(send) = propagation::span_context_from_map(&self.trace_context) {
            span.add_link(send);
        }
        span
    }

    /// Counts the frame as delivered; a live push also records its lag since the send.
    pub(crate) fn delivered(&self, source: Source) {
        DELIVERED.with_label_values(&[source.label()]).inc();
        if source == Source::Live {
            let lag_ms = gochat_runtime::clock::now_ms().saturating_sub(self.sent_at_ms);
            DELIVERY_LAG.observe(lag_ms.max(0) as f64 / 1000.0);
        }
    }
}

#[cfg(test)]
mod tests;
