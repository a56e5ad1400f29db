use std::convert::Infallible;

use opentelemetry::{Value, trace::TraceContextExt as _};
use opentelemetry_sdk::trace::SpanData;
use tower::{ServiceExt as _, service_fn};

use super::*;
use gochat_telemetry::testing::SpanCapture;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// A gRPC "server" answering with `status` in the headers (or none: success), reporting
/// the trace id it ran under.
async fn call(path: &str, status: Option<Code>, traceparent: Option<String>) -> String {
    let service = service_fn(move |_request: http::Request<()>| async move {
        let trace_id = propagation::current_context()
            .span()
            .span_context()
            .trace_id()
            .to_string();
        let mut response = http::Response::new(trace_id);
        if let Some(code) = status {
            response
                .headers_mut()
                .insert("grpc-status", (code as i32).into());
        }
        Ok::<_, Infallible>(response)
    });
    let mut request = http::Request::builder().uri(format!("http://gochat{path}"));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    let response = ObserveLayer
        .layer(service)
        .oneshot(request.body(()).unwrap())
        .await
        .unwrap();
    response.into_body()
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

#[tokio::test]
async fn the_server_span_is_a_child_of_the_remote_caller() {
    let capture = SpanCapture::new();
    let _default = tracing::subscriber::set_default(capture.subscriber());
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let seen = call("/gochat.auth.v1.AuthService/Login", None, Some(traceparent)).await;
    assert_eq!(seen, TRACE_ID, "the handler runs inside the remote trace");

    let span = capture
        .wait_for_span("gochat.auth.v1.AuthService/Login")
        .await
        .expect("a span named after the method");
    assert_eq!(span.span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(span.parent_span_id.to_string(), PARENT_ID);
    assert!(span.parent_span_is_remote);
    assert_eq!(span.span_kind, opentelemetry::trace::SpanKind::Server);
    assert_eq!(attribute(&span, "rpc.system"), Some("grpc".into()));
    assert_eq!(
        attribute(&span, "rpc.service"),
        Some("gochat.auth.v1.AuthService".into())
    );
    assert_eq!(attribute(&span, "rpc.method"), Some("Login".into()));
    assert_eq!(attribute(&span, "rpc.grpc.status_code"), Some(0_i64.into()));
}

#[tokio::test]
async fn a_failed_call_marks_its_span_and_a_call_without_parent_starts_a_trace() {
    let capture = SpanCapture::new();
    let _default = tracing::subscriber::set_default(capture.subscriber());
    let seen = call(
        "/gochat.chat.v1.ChatService/SendMessage",
        Some(Code::Unavailable),
        None,
    )
    .await;
    let span = capture
        .wait_for_span("gochat.chat.v1.ChatService/SendMessage")
        .await
        .unwrap();
    assert_eq!(span.span_context.trace_id().to_string(), seen);
    assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert_eq!(
        attribute(&span, "rpc.grpc.status_code"),
        Some(14_i64.into())
    );
    assert!(matches!(
        span.status,
        opentelemetry::trace::Status::Error { .. }
    ));

    call("/grpc.health.v1.Health/Check", None, None).await;
    assert!(
        capture
            .finished_spans()
            .iter()
            .all(|s| !s.name.contains("Health")),
        "health checks are not traced"
    );
}

#[tokio::test]
async fn metrics_count_calls_by_method_and_code_and_are_served() {
    call("/test.v1.Metered/Ping", None, None).await;
    call("/test.v1.Metered/Ping", None, None).await;
    call("/test.v1.Metered/Ping", Some(Code::NotFound), None).await;
    call("/test.v1.Metered/Nope", Some(Code::Unimplemented), None).await;

    let response = crate::ops::router(crate::Readiness::new())
        .oneshot(
            http::Request::get("/metrics")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), http::StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let value = |metric: &str, labels: &[&str]| -> Option<f64> {
        text.lines()
            .filter(|line| line.starts_with(&format!("{metric}{{")))
            .find(|line| labels.iter().all(|l| line.contains(l)))
            .and_then(|line| line.rsplit(' ').next()?.parse().ok())
    };
    let ping = ["service=\"test.v1.Metered\"", "method=\"Ping\""];
    let ok = [ping[0], ping[1], "code=\"OK\""];
    let not_found = [ping[0], ping[1], "code=\"NOT_FOUND\""];
    assert_eq!(value("gochat_grpc_server_requests_total", &ok), Some(2.0));
    assert_eq!(
        value("gochat_grpc_server_requests_total", &not_found),
        Some(1.0)
    );
    assert_eq!(
        value("gochat_grpc_server_errors_total", &not_found),
        Some(1.0)
    );
    assert_eq!(value("gochat_grpc_server_errors_total", &ok), None);
    assert_eq!(
        value("gochat_grpc_server_request_duration_seconds_count", &ping),
        Some(3.0)
    );
    assert!(
        !text.contains("method=\"Nope\""),
        "unknown methods make no label values"
    );
    assert!(
        value(
            "gochat_grpc_server_requests_total",
            &["service=\"unknown\"", "code=\"UNIMPLEMENTED\""]
        )
        .is_some()
    );
}

#[test]
fn paths_name_a_service_and_method_or_count_as_unknown() {
    let rpc = Rpc::parse("/gochat.email.v1.EmailService/SendVerificationCode");
    assert_eq!(rpc.service, "gochat.email.v1.EmailService");
    assert_eq!(rpc.method, "SendVerificationCode");
    for bad in ["", "/", "/only", "/a/b/c", "/a b/c", "/a/", "//m"] {
        assert_eq!(Rpc::parse(bad), Rpc::unknown(), "{bad:?}");
    }
    assert_eq!(code_name(Code::ResourceExhausted), "RESOURCE_EXHAUSTED");
}
