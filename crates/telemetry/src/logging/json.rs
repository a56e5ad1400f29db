//! JSON lines: `timestamp`, `level`, `target`, the event's fields (`message` among them),
//! the current `span` (its name and fields), and `trace_id` / `span_id` when traced.

use std::fmt;

use serde_json::{Map, Value};
use tracing::{Event, Subscriber, span::Record};
use tracing_subscriber::{
    field::RecordFields,
    fmt::{
        FmtContext, FormatEvent, FormatFields, FormattedFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    registry::LookupSpan,
};

use super::visit::JsonVisitor;

/// Formats span fields as a JSON object (kept per span, merged on `record`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JsonFields;

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut map = Map::new();
        fields.record(&mut JsonVisitor(&mut map));
        writer.write_str(&Value::Object(map).to_string())
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &Record<'_>,
    ) -> fmt::Result {
        let mut map: Map<String, Value> = serde_json::from_str(&current.fields).unwrap_or_default();
        fields.record(&mut JsonVisitor(&mut map));
        current.fields = Value::Object(map).to_string();
        Ok(())
    }
}

/// Formats one event as one JSON line.
#[derive(Debug, Default)]
pub(crate) struct JsonFormat {
    timer: SystemTime,
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        let mut timestamp = String::new();
        if self
            .timer
            .format_time(&mut Writer::new(&mut timestamp))
            .is_ok()
        {
            line.insert("timestamp".into(), Value::from(timestamp));
        }
        line.insert("level".into(), Value::from(meta.level().as_str()));
        line.insert("target".into(), Value::from(meta.target()));
        event.record(&mut JsonVisitor(&mut line));
        if let Some(span) = ctx.event_scope().and_then(|mut scope| scope.next()) {
            let mut fields: Map<String, Value> = span
                .extensions()
                .get::<FormattedFields<N>>()
                .and_then(|f| serde_json::from_str(&f.fields).ok())
                .unwrap_or_default();
            fields.insert("name".into(), Value::from(span.name()));
            line.insert("span".into(), Value::Object(fields));
        }
        if let Some((trace_id, span_id)) = super::trace_ids() {
            line.insert("trace_id".into(), Value::from(trace_id));
            line.insert("span_id".into(), Value::from(span_id));
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}
