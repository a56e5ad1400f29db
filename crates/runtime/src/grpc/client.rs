//! The client side of trace propagation: every outgoing call carries the caller's W3C
//! trace context (`traceparent`, `tracestate`) in its metadata.

use tonic::{
    Request, Status,
    service::{Interceptor, interceptor::InterceptedService},
    transport::Channel,
};

use gochat_telemetry::{self as telemetry, propagation};

/// A channel whose calls carry the current trace context: what every gochat client
/// (`XServiceClient<TracedChannel>`) is built on.
pub type TracedChannel = InterceptedService<Channel, InjectTraceContext>;

/// Injects the current span's context into each request's metadata (nothing when traces
/// are not exported).
#[derive(Clone, Copy, Debug, Default)]
pub struct InjectTraceContext;

impl Interceptor for InjectTraceContext {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if telemetry::enabled() {
            propagation::inject_metadata(&propagation::current_context(), request.metadata_mut());
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TraceContextExt as _;

    use super::*;
    use gochat_telemetry::testing::SpanCapture;

    #[test]
    fn requests_carry_the_callers_trace() {
        let capture = SpanCapture::new();
        tracing::subscriber::with_default(capture.subscriber(), || {
            let span = tracing::info_span!("gochat.test.caller");
            let _entered = span.enter();
            let request = InjectTraceContext.call(Request::new(())).unwrap();
            let traceparent = request.metadata().get("traceparent").unwrap();
            let trace_id = propagation::current_context()
                .span()
                .span_context()
                .trace_id()
                .to_string();
            assert!(traceparent.to_str().unwrap().contains(&trace_id));
        });
    }
}
