//! Pushing a log event to a socket: decoding it, the `gochat.ws.push` span LINKED (not
//! parented) to the send's trace context that travelled with the event, and the delivered
//! and delivery-lag metrics.

use std::collections::HashMap;

use axum::extract::ws::Message as WsMessage;
use gochat_delivery::Event;
use gochat_proto::chat::v1::{DeliveryEvent, EventKind, MembershipChange, Message, ReadMarker};
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
    /// The frame: `message`, `message_edited`, `message_deleted` or `read`.
    pub(crate) frame: WsMessage,
    event_id: String,
    message_id: String,
    conversation_id: String,
    /// The send time of a new message: only new messages count as delivered.
    sent_at_ms: Option<i64>,
    trace_context: HashMap<String, String>,
}

impl Push {
    /// The push for a log event, or `None` (logged) when its payload is unusable.
    pub(crate) fn decode(event: &Event) -> Option<Self> {
        let decoded = match DeliveryEvent::decode(event.payload.as_ref()) {
            Ok(decoded) => decoded,
            Err(e) => {
                tracing::warn!(event_id = %event.id, error = %e, "undecodable delivery event; skipped");
                return None;
            }
        };
        let event_id = event.id.to_string();
        let trace_context = decoded.trace_context;
        match (
            EventKind::try_from(decoded.kind),
            decoded.message,
            decoded.read,
            decoded.members,
        ) {
            (Ok(EventKind::Message), Some(message), _, _) => {
                Some(Self::new(event_id, message, trace_context))
            }
            (
                Ok(kind @ (EventKind::MessageEdited | EventKind::MessageDeleted)),
                Some(message),
                _,
                _,
            ) => Some(Self::changed(event_id, kind, message, trace_context)),
            (Ok(EventKind::Read), _, Some(read), _) => {
                Some(Self::read(event_id, read, trace_context))
            }
            (
                Ok(kind @ (EventKind::MemberAdded | EventKind::MemberRemoved)),
                _,
                _,
                Some(change),
            ) => Self::members(event_id, kind, change, trace_context),
            (kind, _, _, _) => {
                tracing::warn!(event_id, kind = ?kind, "delivery event without its content; skipped");
                None
            }
        }
    }

    /// The push of a new `message` as event `event_id` (a history message has no trace
    /// context).
    pub(crate) fn new(
        event_id: String,
        message: Message,
        trace_context: HashMap<String, String>,
    ) -> Self {
        let (message_id, conversation_id) = (message.id.clone(), message.conversation_id.clone());
        let sent_at_ms = Some(message.sent_at_ms);
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

    /// The push of an edit or delete: `message` is the message as it now is.
    fn changed(
        event_id: String,
        kind: EventKind,
        message: Message,
        trace_context: HashMap<String, String>,
    ) -> Self {
        let (message_id, conversation_id) = (message.id.clone(), message.conversation_id.clone());
        let (id, message) = (event_id.clone(), message.into());
        let frame = if kind == EventKind::MessageDeleted {
            ServerFrame::MessageDeleted {
                event_id: id,
                message,
            }
        } else {
            ServerFrame::MessageEdited {
                event_id: id,
                message,
            }
        };
        Self {
            frame: WsMessage::text(frame.to_text()),
            event_id,
            message_id,
            conversation_id,
            sent_at_ms: None,
            trace_context,
        }
    }

    /// The push of a group's members changing; `None` (logged) for a removal that does not
    /// name who left.
    fn members(
        event_id: String,
        kind: EventKind,
        change: MembershipChange,
        trace_context: HashMap<String, String>,
    ) -> Option<Self> {
        let conversation_id = change.conversation_id.clone();
        let frame = if kind == EventKind::MemberAdded {
            ServerFrame::MemberAdded {
                event_id: event_id.clone(),
                conversation_id: change.conversation_id,
                user_ids: change.user_ids,
                by: change.by,
                member_ids: change.member_ids,
            }
        } else {
            let Some(user_id) = change.user_ids.into_iter().next() else {
                tracing::warn!(event_id, "a removal without its member; skipped");
                return None;
            };
            ServerFrame::MemberRemoved {
                event_id: event_id.clone(),
                conversation_id: change.conversation_id,
                user_id,
                by: change.by,
                member_ids: change.member_ids,
            }
        };
        Some(Self {
            frame: WsMessage::text(frame.to_text()),
            event_id,
            message_id: String::new(),
            conversation_id,
            sent_at_ms: None,
            trace_context,
        })
    }

    /// The push of a member's read marker moving.
    fn read(event_id: String, read: ReadMarker, trace_context: HashMap<String, String>) -> Self {
        let frame = ServerFrame::Read {
            event_id: event_id.clone(),
            conversation_id: read.conversation_id.clone(),
            user_id: read.user_id,
            message_id: read.message_id.clone(),
        };
        Self {
            frame: WsMessage::text(frame.to_text()),
            event_id,
            message_id: read.message_id,
            conversation_id: read.conversation_id,
            sent_at_ms: None,
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

    /// Counts a new message's frame as delivered; a live push also records its lag since
    /// the send. Other events are not messages delivered.
    pub(crate) fn delivered(&self, source: Source) {
        let Some(sent_at_ms) = self.sent_at_ms else {
            return;
        };
        DELIVERED.with_label_values(&[source.label()]).inc();
        if source == Source::Live {
            let lag_ms = gochat_runtime::clock::now_ms().saturating_sub(sent_at_ms);
            DELIVERY_LAG.observe(lag_ms.max(0) as f64 / 1000.0);
        }
    }
}

#[cfg(test)]
mod tests;
