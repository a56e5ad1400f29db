use std::{
    io,
    sync::{Arc, Mutex},
};

use serde_json::Value;
use tracing_subscriber::{fmt, prelude::*};

use super::{json, plain};
use crate::{redact::REDACTED, testing::SpanCapture};

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn json_lines_carry_trace_ids_and_redact_secrets() {
    let capture = SpanCapture::new();
    let out = Buffer::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::registry().with(capture.layer()).with(
        fmt::layer()
            .event_format(json::JsonFormat::default())
            .fmt_fields(json::JsonFields)
            .with_writer(move || writer.clone()),
    );
    let (trace_id, span_id) = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("gochat.test.request", account_id = "a1", token = "t0k");
        let _entered = span.enter();
        tracing::info!(
            password = "hunter2",
            error = "550 <ada@example.org> unknown",
            attempts = 3,
            "signing in"
        );
        super::trace_ids().unwrap()
    });
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(line["message"], "signing in");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["attempts"], 3);
    assert_eq!(line["password"], REDACTED);
    assert_eq!(line["error"], "550 <[email]> unknown");
    assert_eq!(line["span"]["name"], "gochat.test.request");
    assert_eq!(line["span"]["account_id"], "a1");
    assert_eq!(line["span"]["token"], REDACTED);
    assert_eq!(line["trace_id"], trace_id.as_str());
    assert_eq!(line["span_id"], span_id.as_str());
    assert_eq!(trace_id.len(), 32);
    assert!(!lines[0].contains("hunter2") && !lines[0].contains("t0k"));
}

#[test]
fn json_lines_outside_a_traced_span_have_no_trace_ids() {
    let out = Buffer::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::registry().with(
        fmt::layer()
            .event_format(json::JsonFormat::default())
            .fmt_fields(json::JsonFields)
            .with_writer(move || writer.clone()),
    );
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("gochat.test.untraced");
        let _entered = span.enter();
        span.record("late", 1);
        tracing::warn!(refresh_token = "abc.def", "plain");
    });
    let line: Value = serde_json::from_str(&out.lines()[0]).unwrap();
    assert!(line.get("trace_id").is_none());
    assert_eq!(line["refresh_token"], REDACTED);
    assert_eq!(line["span"]["name"], "gochat.test.untraced");
}

#[test]
fn plain_lines_append_trace_ids_and_redact_secrets() {
    let capture = SpanCapture::new();
    let out = Buffer::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::registry().with(capture.layer()).with(
        fmt::layer()
            .with_ansi(false)
            .event_format(plain::PlainFormat::default())
            .fmt_fields(plain::PlainFields)
            .with_writer(move || writer.clone()),
    );
    let trace_id = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("gochat.test.plain", verification_code = "123456");
        let _entered = span.enter();
        tracing::info!(email = "ada@example.org", user = "u1", "code sent");
        super::trace_ids().unwrap().0
    });
    let lines = out.lines();
    let line = &lines[0];
    assert!(line.contains("code sent"), "{line}");
    assert!(line.contains("user=\"u1\""), "{line}");
    assert!(
        line.contains(&format!("trace_id={trace_id} span_id=")),
        "{line}"
    );
    assert!(!line.contains("123456") && !line.contains("ada@"), "{line}");
    assert!(line.contains("email=[redacted]"), "{line}");
}
