//! What a send publishes: the delivery event of a stored message, for every member's log.

use std::collections::HashMap;

use bytes::Bytes;
use gochat_proto::chat::v1 as proto;
use gochat_telemetry::{self as telemetry, propagation};
use prost::Message as _;

use crate::{Message, service::convert};

/// The members whose event logs get a message's delivery event, and the W3C trace context
/// the event carries, so the push on each recipient's gateway links to the send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Publication {
    /// Every member of the conversation (the sender's other devices get it too).
    pub recipients: Vec<String>,
    /// The sending request's trace context; empty while tracing is off.
    pub trace_context: HashMap<String, String>,
}

impl Publication {
    /// A publication to `recipients` carrying the current span's trace context.
    pub fn in_current_span(recipients: Vec<String>) -> Self {
        Self {
            recipients,
            trace_context: if telemetry::enabled() {
                propagation::current_context_map()
            } else {
                HashMap::new()
            },
        }
    }

    /// The encoded `DeliveryEvent` of `message`, the payload every recipient's log gets.
    pub fn event(&self, message: &Message) -> Bytes {
        let event = proto::DeliveryEvent {
            message: Some(convert::message(message)),
            trace_context: self.trace_context.clone(),
        };
        Bytes::from(event.encode_to_vec())
    }
}
