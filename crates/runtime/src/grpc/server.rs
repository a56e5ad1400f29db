//! The server side of every gRPC call: a span named after the method, child of the
//! caller's W3C trace context, with the `rpc.*` semantic-convention attributes, and the
//! per-method request, error and duration metrics.

use std::{
    pin::Pin,
    sync::LazyLock,
    task::{Context, Poll},
    time::Instant,
};

use opentelemetry::trace::TraceContextExt as _;
use prometheus::{HistogramVec, IntCounterVec};
use tonic::Code;
use tower::{Layer, Service};
use tracing::{Instrument as _, Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use gochat_telemetry::{self as telemetry, metrics, propagation};

static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_grpc_server_requests_total",
        "gRPC calls handled, by service, method and status code.",
        &["service", "method", "code"],
    )
});
static ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::int_counter_vec(
        "gochat_grpc_server_errors_total",
        "gRPC calls answered with a status other than OK, by service, method and code.",
        &["service", "method", "code"],
    )
});
static DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_grpc_server_request_duration_seconds",
        "Time from a gRPC call's arrival to its response headers, by service and method.",
        &["service", "method"],
        metrics::REQUEST_BUCKETS,
    )
});

/// Adds [`Observe`] around a gRPC server's routes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObserveLayer;

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Observe { inner }
    }
}

/// Traces and measures each call to `inner`.
#[derive(Clone, Debug)]
pub struct Observe<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B, R> Service<http::Request<B>> for Observe<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    R: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let rpc = Rpc::parse(request.uri().path());
        let span = rpc.span(request.headers());
        let started = Instant::now();
        let call = span.in_scope(|| self.inner.call(request));
        Box::pin(async move {
            let result = call.instrument(span.clone()).await;
            let code = match &result {
                Ok(response) => status_of(response.headers()),
                Err(_) => Code::Internal,
            };
            rpc.record(code, started, &span);
            result
        })
    }
}

/// The service and method a request path names (`/gochat.auth.v1.AuthService/Login`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rpc {
    service: String,
    method: String,
}

impl Rpc {
    /// What a path that is not `/<package.Service>/<Method>` counts as.
    fn unknown() -> Self {
        Self {
            service: "unknown".to_owned(),
            method: "unknown".to_owned(),
        }
    }

    fn parse(path: &str) -> Self {
        let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
            return Self::unknown();
        };
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        };
        if plain(service) && plain(method) {
            Self {
                service: service.to_owned(),
                method: method.to_owned(),
            }
        } else {
            Self::unknown()
        }
    }

    /// Health checks and reflection are measured but not traced.
    fn is_plumbing(&self) -> bool {
        self.service.starts_with("grpc.health.") || self.service.starts_with("grpc.reflection.")
    }

    /// The server span, child of the caller's context when one came with the request.
    fn span(&self, headers: &http::HeaderMap) -> Span {
        if self.is_plumbing() {
            return Span::none();
        }
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = format_args!("{}/{}", self.service, self.method),
            otel.kind = "server",
            otel.status_code = Empty,
            rpc.system = "grpc",
            rpc.service = self.service,
            rpc.method = self.method,
            rpc.grpc.status_code = Empty,
        );
        if telemetry::enabled() {
            let parent = propagation::extract_headers(headers);
            if parent.span().span_context().is_valid() {
                let _ = span.set_parent(parent);
            }
        }
        span
    }

    /// Counts the call and notes its outcome on the span. A method that does not exist
    /// (UNIMPLEMENTED) counts as `unknown`, so callers cannot create label values.
    fn record(self, code: Code, started: Instant, span: &Span) {
        let rpc = if code == Code::Unimplemented {
            Self::unknown()
        } else {
            self
        };
        let (service, method, name) = (rpc.service.as_str(), rpc.method.as_str(), code_name(code));
        REQUESTS.with_label_values(&[service, method, name]).inc();
        if code != Code::Ok {
            ERRORS.with_label_values(&[service, method, name]).inc();
        }
        DURATION
            .with_label_values(&[service, method])
            .observe(started.elapsed().as_secs_f64());
        span.record("rpc.grpc.status_code", code as i32);
        if is_server_error(code) {
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// The status in the response headers (a failed call answers "trailers-only"); without
/// one the call succeeded so far and its OK status follows in the trailers.
fn status_of(headers: &http::HeaderMap) -> Code {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(Code::Ok, Code::from_i32)
}

/// Codes that mean the server failed (the semantic conventions' server-span errors).
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}

/// The canonical name of a status code (`OK`, `NOT_FOUND`, ...).
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests;
