//! Traces and metrics of the HTTP side: one trace from the client's request through the
//! gateway into chat, and per-route metrics on `/metrics`.

use axum::http::{Method, StatusCode};
use gochat_telemetry::testing::SpanCapture;

use super::support::*;
use crate::Config;

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN: &str = "b7ad6b7169203331";

#[tokio::test]
async fn a_request_is_one_trace_from_the_client_through_the_gateway_into_chat() {
    let capture = SpanCapture::new();
    let _default = tracing::subscriber::set_default(capture.subscriber());
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let mut request = authed(
        &h,
        Method::POST,
        "/api/v1/conversations/c1/messages",
        Some(r#"{"body":"hi","client_msg_id":"traced"}"#),
    );
    request.headers_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CLIENT_SPAN}-01").parse().unwrap(),
    );
    let got = call(&h.router(), request).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);

    let http = capture
        .wait_for_span("POST /api/v1/conversations/{id}/messages")
        .await
        .expect("a server span per request, named by its route");
    assert_eq!(http.span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(http.parent_span_id.to_string(), CLIENT_SPAN);
    let status = http
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "http.response.status_code")
        .map(|kv| kv.value.clone());
    assert_eq!(status, Some(201_i64.into()));

    let rpc = capture
        .wait_for_span("gochat.chat.v1.ChatService/SendMessage")
        .await
        .expect("chat's server span");
    assert_eq!(rpc.span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(
        rpc.parent_span_id,
        http.span_context.span_id(),
        "the gRPC hop carries the gateway's span as parent"
    );
}

#[tokio::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let h = harness(Config::default());
    let r = h.router();
    let unauthenticated = request(Method::GET, "/api/v1/conversations/abc/messages")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(call(&r, unauthenticated).await.0, StatusCode::UNAUTHORIZED);
    let unknown = request(Method::GET, "/api/v1/no-such-thing/42")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(call(&r, unknown).await.0, StatusCode::NOT_FOUND);

    let text = gochat_telemetry::metrics::render().unwrap();
    let has = |metric: &str, labels: &[&str]| {
        text.lines().any(|line| {
            line.starts_with(&format!("{metric}{{")) && labels.iter().all(|l| line.contains(l))
        })
    };
    let route = "route=\"/api/v1/conversations/{id}/messages\"";
    assert!(
        has(
            "gochat_http_requests_total",
            &["method=\"GET\"", route, "status=\"401\""]
        ),
        "{text}"
    );
    assert!(has(
        "gochat_http_request_duration_seconds_count",
        &["method=\"GET\"", route]
    ));
    assert!(has(
        "gochat_http_requests_total",
        &["route=\"unmatched\"", "status=\"404\""]
    ));
    assert!(!text.contains("no-such-thing"), "paths never become labels");
}
