//! A send's trace: the caller's W3C context reaches chat's server span and travels on in
//! every member's delivery event; stored messages are counted.

use gochat_telemetry::{propagation, testing::SpanCapture};
use opentelemetry::trace::TraceContextExt as _;
use tracing::Instrument as _;

use super::support::{Harness, send_request};
use crate::{conformance::fresh_user, metrics::MESSAGES_SENT};

#[tokio::test]
async fn a_send_puts_the_callers_trace_into_every_members_event() {
    let capture = SpanCapture::new();
    let _default = tracing::subscriber::set_default(capture.subscriber());
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;

    let caller = tracing::info_span!("gochat.test.caller");
    let caller_trace = caller.in_scope(|| {
        propagation::current_context()
            .span()
            .span_context()
            .trace_id()
    });
    let sent_before = MESSAGES_SENT.get();
    let response = h
        .client
        .send_message(send_request(&a, &conversation, "traced", "t1"))
        .instrument(caller.clone())
        .await
        .unwrap()
        .into_inner();
    assert!(response.created);
    assert!(
        MESSAGES_SENT.get() > sent_before,
        "a stored message is counted"
    );

    let server = capture
        .wait_for_span("gochat.chat.v1.ChatService/SendMessage")
        .await
        .expect("chat's server span");
    assert_eq!(server.span_context.trace_id(), caller_trace);
    for member in [&a, &b] {
        let events = h.events_of(member).await;
        let carried = &events[0].trace_context;
        let traceparent = carried.get("traceparent").expect("a traceparent");
        assert!(
            traceparent.contains(&caller_trace.to_string()),
            "{member}: {traceparent}"
        );
        let link = propagation::span_context_from_map(carried).unwrap();
        assert_eq!(
            link.span_id(),
            server.span_context.span_id(),
            "the event carries the send's own span"
        );
    }
}

#[tokio::test]
async fn without_a_traced_span_the_event_carries_no_context() {
    let mut h = Harness::start().await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = h.conversation(&a, &[&b]).await;
    h.send(&a, &conversation, "untraced").await;
    assert!(h.events_of(&b).await[0].trace_context.is_empty());
}
