//! Process-wide telemetry: log lines that carry the current trace and span ids, and
//! OpenTelemetry traces exported over OTLP/gRPC, configured only by the standard `OTEL_*`
//! variables. Without an OTLP endpoint no OpenTelemetry layer is installed at all, and the
//! instrumentation that exists only for traces (CQL, Redis and push spans) is skipped.

mod env;
pub mod logging;
pub mod metrics;
mod otlp;
pub mod propagation;
pub mod redact;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Layer, filter::filter_fn, prelude::*};

use logging::LogFormat;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported. Instrumentation that only matters for traces checks this
/// first, so it costs one atomic load when tracing is off.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// How to set telemetry up.
#[derive(Clone, Debug)]
pub struct TelemetryConfig {
    /// Log line format.
    pub format: LogFormat,
    /// Log filter in `RUST_LOG` syntax (e.g. `info,gochat_chat=debug`); an invalid one
    /// falls back to `info`.
    pub filter: String,
    /// `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES`
    /// names one (e.g. `gochat-auth`).
    pub default_service_name: String,
}

/// Failures while setting telemetry up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built from the `OTEL_EXPORTER_OTLP_*` variables.
    #[error("OTLP trace exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Keeps the trace pipeline alive; dropping it flushes the spans still queued and shuts
/// the exporter down. Hold it until the process is about to exit (inside the Tokio
/// runtime's lifetime: the exporter sends through it).
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Whether this guard owns an exporting trace pipeline.
    pub fn exports_traces(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            ENABLED.store(false, Ordering::Relaxed);
            if let Err(e) = provider.shutdown() {
                // The subscriber may be gone already: say it on stderr.
                eprintln!("gochat: flushing traces at exit failed: {e}");
            }
        }
    }
}

/// Installs the global subscriber (logs, and OpenTelemetry when an OTLP endpoint is set)
/// and the W3C TraceContext propagator. Must run inside a Tokio runtime, which the OTLP
/// exporter sends through. Calling it again is harmless: the second subscriber is not
/// installed and its guard exports nothing.
pub fn init(config: &TelemetryConfig) -> Result<TelemetryGuard, TelemetryError> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let settings = env::OtelSettings::from_env(&config.default_service_name);
    let provider = if settings.enabled {
        Some(otlp::provider(&settings)?)
    } else {
        None
    };
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("gochat"))
            .with_filter(filter_fn(|meta| is_gochat(meta.target())))
    });
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(otel)
        .with(logging::layer(config.format))
        .try_init();
    match (installed, provider) {
        (Ok(()), Some(provider)) => {
            opentelemetry::global::set_tracer_provider(provider.clone());
            ENABLED.store(true, Ordering::Relaxed);
            tracing::info!(service_name = %settings.service_name, "exporting traces over OTLP");
            Ok(TelemetryGuard {
                provider: Some(provider),
            })
        }
        (Err(_), Some(provider)) => {
            let _ = provider.shutdown();
            Ok(TelemetryGuard::default())
        }
        (_, None) => Ok(TelemetryGuard::default()),
    }
}

/// Only gochat's own spans become OpenTelemetry spans: the transport crates' spans (h2,
/// hyper, tonic, the exporter's own calls) would be noise, or feed back into the exporter.
fn is_gochat(target: &str) -> bool {
    target.starts_with("gochat")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gochat_targets_are_exported() {
        assert!(is_gochat("gochat_runtime::grpc::server"));
        assert!(is_gochat("gochat_chat"));
        assert!(!is_gochat("h2::proto"));
        assert!(!is_gochat("opentelemetry_otlp"));
    }

    #[test]
    fn a_default_guard_exports_nothing_and_drops_quietly() {
        let guard = TelemetryGuard::default();
        assert!(!guard.exports_traces());
        drop(guard);
    }
}
