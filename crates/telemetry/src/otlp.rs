//! The OTLP/gRPC trace pipeline: exporter, batch processor and resource.

use opentelemetry_otlp::{ExporterBuildError, SpanExporter};
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};

use super::env::OtelSettings;

/// A tracer provider exporting in batches over OTLP/gRPC. The exporter reads the endpoint,
/// headers, timeout and compression from `OTEL_EXPORTER_OTLP_*`; the SDK reads the sampler
/// (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`), the batch settings (`OTEL_BSP_*`) and
/// `OTEL_RESOURCE_ATTRIBUTES`. Must be built inside a Tokio runtime.
pub(crate) fn provider(settings: &OtelSettings) -> Result<SdkTracerProvider, ExporterBuildError> {
    let exporter = SpanExporter::builder().with_tonic().build()?;
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}
