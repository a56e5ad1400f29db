//! Every HTTP request: a server span named `"<METHOD> <route>"` (child of the client's W3C
//! trace context when it sends one) with the HTTP semantic-convention attributes, and the
//! per-route request and duration metrics. Only the route template is recorded, never the
//! path or the query (which can carry an access token).

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderMap, Method},
    middleware::Next,
    response::Response,
};
use gochat_telemetry::{self as telemetry, propagation};
use opentelemetry::trace::TraceContextExt as _;
use tracing::{Instrument as _, Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::metrics::{HTTP_DURATION, HTTP_REQUESTS};

/// The route label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

/// The middleware (`axum::middleware::from_fn(observe::http)`).
pub(crate) async fn http(request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let span = if is_ops(&route) {
        Span::none()
    } else {
        server_span(method, &route, request.headers())
    };
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", i64::from(status.as_u16()));
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    HTTP_REQUESTS
        .with_label_values(&[method, &route, status.as_str()])
        .inc();
    HTTP_DURATION
        .with_label_values(&[method, &route])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Probes and scrapes are measured but not traced: they would drown the traces people
/// look for.
fn is_ops(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

/// The server span of one request, child of the client's context when it sent one.
fn server_span(method: &str, route: &str, headers: &HeaderMap) -> Span {
    let span = tracing::info_span!(
        "http.server",
        otel.name = format_args!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        http.route = route,
        http.response.status_code = Empty,
    );
    if telemetry::enabled() {
        let parent = propagation::extract_headers(headers);
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
    span
}

/// The method as a label: the standard ones by name, anything else `OTHER`, so clients
/// cannot make up label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusual_methods_are_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }

    #[test]
    fn only_probes_and_scrapes_go_untraced() {
        assert!(is_ops("/metrics") && is_ops("/readyz") && is_ops("/healthz"));
        assert!(!is_ops("/api/v1/me") && !is_ops(UNMATCHED));
    }
}
