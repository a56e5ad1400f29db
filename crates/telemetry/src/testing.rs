//! For tests: a subscriber with an OpenTelemetry layer whose finished spans are kept in
//! memory, so a test can check parents, links and attributes.
//!
//! tracing caches each callsite's interest process-wide. A callsite first hit while no
//! subscriber wants it is cached as "never", and a capture installed on another test's thread
//! at that moment would miss its spans. So the first capture of a process also installs a
//! global subscriber that wants every callsite (and records nothing anyone reads); from then
//! on no callsite is ever disabled, each test's scoped subscriber sees its own thread's spans,
//! and span-capturing tests run in parallel with the rest.

use std::sync::Once;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{
    propagation::TraceContextPropagator,
    trace::{InMemorySpanExporter, SdkTracerProvider, SpanData, Tracer},
};
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::{Registry, layer::Layered, prelude::*};

/// The subscriber [`SpanCapture::subscriber`] builds.
pub type CaptureSubscriber = Layered<OpenTelemetryLayer<Registry, Tracer>, Registry>;

/// Collects every span ended under its subscriber. Creating one installs the W3C
/// propagator and turns trace-only instrumentation on for this process.
#[derive(Debug)]
pub struct SpanCapture {
    exporter: InMemorySpanExporter,
    provider: SdkTracerProvider,
}

impl Default for SpanCapture {
    fn default() -> Self {
        Self::new()
    }
}

impl SpanCapture {
    /// A capture with nothing recorded yet (every span sampled).
    pub fn new() -> Self {
        static EVERY_CALLSITE_WANTED: Once = Once::new();
        EVERY_CALLSITE_WANTED.call_once(|| {
            // Fails only if the process already has a global subscriber, which then decides.
            let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
        });
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        super::ENABLED.store(true, std::sync::atomic::Ordering::Relaxed);
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        Self { exporter, provider }
    }

    /// A subscriber that records into this capture; use it with
    /// `tracing::subscriber::with_default` or `set_default` (it sees the spans of the thread it
    /// is the default of, so a test using it runs on a current-thread runtime).
    pub fn subscriber(&self) -> CaptureSubscriber {
        tracing_subscriber::registry().with(self.layer())
    }

    /// The OpenTelemetry layer recording into this capture, to stack with other layers.
    pub fn layer<S>(&self) -> OpenTelemetryLayer<S, Tracer>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("gochat-test"))
    }

    /// Every span ended so far, in the order they ended.
    pub fn finished_spans(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap_or_default()
    }

    /// The ended span named `name`, if there is one.
    pub fn span(&self, name: &str) -> Option<SpanData> {
        self.finished_spans().into_iter().find(|s| s.name == name)
    }

    /// The span named `name` once it has ended, waiting up to five seconds: a server's span
    /// ends after its response is on the wire, so a client may hold the answer first.
    pub async fn wait_for_span(&self, name: &str) -> Option<SpanData> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Some(span) = self.span(name) {
                return Some(span);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
