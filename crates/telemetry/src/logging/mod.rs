//! Log lines: JSON objects for machines (the default for services), plain text for a
//! terminal. Both carry the `trace_id` and `span_id` of the current span when traces are
//! exported, and neither writes the value of a field that names a secret, nor an email
//! address anywhere (see [`crate::redact`]). [`crate::init`] installs them.

mod json;
mod plain;
mod visit;

use std::str::FromStr;

use opentelemetry::trace::TraceContextExt as _;
use tracing::Subscriber;
use tracing_subscriber::{Layer, fmt, registry::LookupSpan};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Plain,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "plain" | "text" => Ok(Self::Plain),
            other => Err(format!(
                "unknown log format {other:?} (expected json or plain)"
            )),
        }
    }
}

/// The layer that writes log lines in `format` to stdout.
pub(crate) fn layer<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    match format {
        LogFormat::Json => fmt::layer()
            .event_format(json::JsonFormat::default())
            .fmt_fields(json::JsonFields)
            .boxed(),
        LogFormat::Plain => fmt::layer()
            .with_ansi(false)
            .event_format(plain::PlainFormat::default())
            .fmt_fields(plain::PlainFields)
            .boxed(),
    }
}

/// The W3C-formatted trace and span ids of the active OpenTelemetry context, if a traced
/// span is current (only when traces are exported).
fn trace_ids() -> Option<(String, String)> {
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let span_context = span.span_context();
    span_context.is_valid().then(|| {
        (
            span_context.trace_id().to_string(),
            span_context.span_id().to_string(),
        )
    })
}

#[cfg(test)]
mod tests;
