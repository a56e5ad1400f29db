use bytes::Bytes;
use gochat_delivery::EventId;
use gochat_telemetry::{propagation, testing::SpanCapture};
use opentelemetry::trace::{SpanId, TraceContextExt as _};

use super::*;

fn event_with(trace_context: HashMap<String, String>, sent_at_ms: i64) -> Event {
    let message = Message {
        id: "m1".into(),
        conversation_id: "c1".into(),
        sender_id: "u1".into(),
        body: "hi".into(),
        client_msg_id: "k1".into(),
        sent_at_ms,
        ..Default::default()
    };
    let payload = DeliveryEvent {
        message: Some(message),
        trace_context,
        ..Default::default()
    };
    Event {
        id: EventId::new(5, 0),
        payload: Bytes::from(payload.encode_to_vec()),
    }
}

#[test]
fn a_live_push_is_linked_to_the_send_and_measured() {
    let capture = SpanCapture::new();
    tracing::subscriber::with_default(capture.subscriber(), || {
        let send = tracing::info_span!("gochat.test.send");
        let (carried, sender) = send.in_scope(|| {
            let sender = propagation::current_context().span().span_context().clone();
            (propagation::current_context_map(), sender)
        });
        let sent_at_ms = gochat_runtime::clock::now_ms() - 1_500;
        let push = Push::decode(&event_with(carried, sent_at_ms)).expect("a message event");

        let delivered = DELIVERED.with_label_values(&["live"]).get();
        let (lags, lag_sum) = (
            DELIVERY_LAG.get_sample_count(),
            DELIVERY_LAG.get_sample_sum(),
        );
        push.span(Source::Live).in_scope(|| {});
        push.delivered(Source::Live);
        assert!(DELIVERED.with_label_values(&["live"]).get() > delivered);
        assert!(DELIVERY_LAG.get_sample_count() > lags);
        assert!(
            DELIVERY_LAG.get_sample_sum() - lag_sum >= 1.4,
            "the lag is about 1.5 s"
        );

        let pushed = capture.span("gochat.ws.push").expect("a push span");
        assert_eq!(pushed.links.len(), 1, "linked to the send");
        let link = &pushed.links[0].span_context;
        assert_eq!(link.trace_id(), sender.trace_id());
        assert_eq!(link.span_id(), sender.span_id());
        assert_eq!(
            pushed.parent_span_id,
            SpanId::INVALID,
            "not a child of the send"
        );
        assert_ne!(pushed.span_context.trace_id(), sender.trace_id());
        let source = pushed
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "gochat.delivery.source")
            .map(|kv| kv.value.as_str().into_owned());
        assert_eq!(source.as_deref(), Some("live"));
    });
}

#[test]
fn an_event_without_trace_context_pushes_unlinked_and_replays_record_no_lag() {
    let capture = SpanCapture::new();
    tracing::subscriber::with_default(capture.subscriber(), || {
        let push = Push::decode(&event_with(HashMap::new(), 1)).unwrap();
        let lags = DELIVERY_LAG.get_sample_count();
        let replayed = DELIVERED.with_label_values(&["replay"]).get();
        push.span(Source::Replay).in_scope(|| {});
        push.delivered(Source::Replay);
        assert!(DELIVERED.with_label_values(&["replay"]).get() > replayed);
        assert!(DELIVERY_LAG.get_sample_count() >= lags);
        let pushed = capture.span("gochat.ws.push").unwrap();
        assert!(pushed.links.is_empty());
    });
}

#[test]
fn unusable_payloads_are_skipped() {
    let garbage = Event {
        id: EventId::new(1, 0),
        payload: Bytes::from_static(b"\xff\xff\xff"),
    };
    assert!(Push::decode(&garbage).is_none());
    let empty = Event {
        id: EventId::new(1, 0),
        payload: Bytes::from(DeliveryEvent::default().encode_to_vec()),
    };
    assert!(Push::decode(&empty).is_none());
}

/// An event of `kind` with `message` and `read` as given.
fn event_of(kind: EventKind, message: Option<Message>, read: Option<ReadMarker>) -> Event {
    let payload = DeliveryEvent {
        message,
        kind: kind.into(),
        read,
        ..Default::default()
    };
    Event {
        id: EventId::new(7, 1),
        payload: Bytes::from(payload.encode_to_vec()),
    }
}

fn frame_json(push: &Push) -> serde_json::Value {
    match &push.frame {
        WsMessage::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("not a text frame: {other:?}"),
    }
}

#[test]
fn changes_and_read_markers_become_their_frames_and_are_not_counted_as_deliveries() {
    let message = Message {
        id: "m1".into(),
        conversation_id: "c1".into(),
        sender_id: "u1".into(),
        body: String::new(),
        deleted: true,
        ..Default::default()
    };
    let deleted = Push::decode(&event_of(
        EventKind::MessageDeleted,
        Some(message.clone()),
        None,
    ))
    .expect("a delete event");
    let json = frame_json(&deleted);
    assert_eq!(
        (&json["type"], &json["event_id"]),
        (&"message_deleted".into(), &"7-1".into())
    );
    assert_eq!(json["message"]["deleted"], true);

    let edited = Push::decode(&event_of(EventKind::MessageEdited, Some(message), None))
        .expect("an edit event");
    assert_eq!(frame_json(&edited)["type"], "message_edited");

    let marker = ReadMarker {
        conversation_id: "c1".into(),
        user_id: "u2".into(),
        message_id: "m1".into(),
    };
    let read = Push::decode(&event_of(EventKind::Read, None, Some(marker))).expect("a read event");
    assert_eq!(
        frame_json(&read),
        serde_json::json!({"type":"read","event_id":"7-1","conversation_id":"c1",
                           "user_id":"u2","message_id":"m1"})
    );

    let before = DELIVERED.with_label_values(&["replay"]).get();
    for push in [&deleted, &edited, &read] {
        push.delivered(Source::Replay);
    }
    assert_eq!(DELIVERED.with_label_values(&["replay"]).get(), before);

    assert!(Push::decode(&event_of(EventKind::Read, None, None)).is_none());
    assert!(Push::decode(&event_of(EventKind::MessageEdited, None, None)).is_none());
}
