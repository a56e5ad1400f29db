//! Spans the OpenTelemetry Collector's file exporter wrote (`tests/bed/otelcol`): one OTLP/JSON
//! `ExportTraceServiceRequest` per line, flattened into [`Span`]s with their service name.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::HarnessError;

/// One span as the collector received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The resource attribute `service.name` of the process that exported it.
    pub service: String,
    /// The span name.
    pub name: String,
    /// Trace id, lower-case hex (32 digits).
    pub trace_id: String,
    /// Span id, lower-case hex (16 digits).
    pub span_id: String,
    /// The parent's span id; empty for a root span.
    pub parent_span_id: String,
    /// The span's links as (trace id, span id).
    pub links: Vec<(String, String)>,
}

/// Every span in the file at `path` (none if the file does not exist yet). A line cut short
/// by a write in progress is skipped; any other line that is not OTLP/JSON is an error.
pub fn read(path: &Path) -> Result<Vec<Span>, HarnessError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(HarnessError::io(format!("read {}", path.display()), e)),
    };
    let mut spans = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(request) => spans.extend(parse_request(&request)),
            Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => {
                return Err(HarnessError::Unexpected(format!(
                    "{} line {}: not JSON: {e}",
                    path.display(),
                    index + 1
                )));
            }
        }
    }
    Ok(spans)
}

/// Reads `path` until `done` holds for its spans, within `timeout`; returns the last spans
/// read either way, with whether `done` held.
pub async fn wait_until(
    path: &Path,
    timeout: Duration,
    done: impl Fn(&[Span]) -> bool,
) -> Result<(Vec<Span>, bool), HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        let spans = read(path)?;
        if done(&spans) {
            return Ok((spans, true));
        }
        if Instant::now() >= deadline {
            return Ok((spans, false));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The spans of one OTLP/JSON export request.
fn parse_request(request: &Value) -> Vec<Span> {
    let mut spans = Vec::new();
    for resource_spans in array(&request["resourceSpans"]) {
        let service = array(&resource_spans["resource"]["attributes"])
            .iter()
            .find(|a| a["key"] == "service.name")
            .and_then(|a| a["value"]["stringValue"].as_str())
            .unwrap_or_default()
            .to_owned();
        for scope_spans in array(&resource_spans["scopeSpans"]) {
            for span in array(&scope_spans["spans"]) {
                spans.push(Span {
                    service: service.clone(),
                    name: text(&span["name"]),
                    trace_id: text(&span["traceId"]).to_ascii_lowercase(),
                    span_id: text(&span["spanId"]).to_ascii_lowercase(),
                    parent_span_id: text(&span["parentSpanId"]).to_ascii_lowercase(),
                    links: array(&span["links"])
                        .iter()
                        .map(|l| {
                            (
                                text(&l["traceId"]).to_ascii_lowercase(),
                                text(&l["spanId"]).to_ascii_lowercase(),
                            )
                        })
                        .collect(),
                });
            }
        }
    }
    spans
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gochat-auth"}}]},"scopeSpans":[{"scope":{},"spans":[{"traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331","parentSpanId":"00F067AA0BA902B7","name":"x","links":[{"traceId":"aa","spanId":"bb"}]}]}]}]}"#;

    #[test]
    fn flattens_an_export_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("traces.jsonl");
        std::fs::write(&path, format!("{LINE}\n{LINE}\n{{\"resourceSp")).unwrap();
        let spans = read(&path).unwrap();
        assert_eq!(spans.len(), 2, "the cut-short last line is skipped");
        assert_eq!(spans[0].service, "gochat-auth");
        assert_eq!(spans[0].trace_id, "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(spans[0].parent_span_id, "00f067aa0ba902b7");
        assert_eq!(spans[0].links, vec![("aa".to_owned(), "bb".to_owned())]);
    }

    #[test]
    fn a_broken_line_in_the_middle_is_an_error_and_no_file_is_no_spans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("traces.jsonl");
        assert!(read(&path).unwrap().is_empty());
        std::fs::write(&path, format!("nonsense\n{LINE}\n")).unwrap();
        assert!(read(&path).is_err());
    }
}
