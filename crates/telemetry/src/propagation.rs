//! W3C TraceContext across process boundaries: into and out of gRPC metadata and HTTP
//! headers, and as a plain string map for what travels through the event log.

use std::collections::HashMap;

use opentelemetry::{
    Context,
    propagation::{Extractor, Injector},
    trace::{SpanContext, TraceContextExt as _},
};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The OpenTelemetry context of the current `tracing` span (empty without tracing).
pub fn current_context() -> Context {
    tracing::Span::current().context()
}

/// Writes `cx` (`traceparent`, `tracestate`) into outgoing gRPC metadata with the global
/// propagator; an empty context writes nothing.
pub fn inject_metadata(cx: &Context, metadata: &mut MetadataMap) {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(cx, &mut MetadataInjector(metadata));
    });
}

/// The remote context carried by incoming HTTP/2 (gRPC) or HTTP/1 headers, or an empty one.
pub fn extract_headers(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    })
}

/// The current span's context as `traceparent` / `tracestate` entries (empty when no span
/// is being traced), for carrying through a queue.
pub fn current_context_map() -> HashMap<String, String> {
    let mut map = HashMap::new();
    let cx = current_context();
    if cx.span().span_context().is_valid() {
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(&cx, &mut map);
        });
    }
    map
}

/// The span context a [`current_context_map`] carried, if it holds a valid one: what a
/// consumer links its span to.
pub fn span_context_from_map(map: &HashMap<String, String>) -> Option<SpanContext> {
    if map.is_empty() {
        return None;
    }
    let cx = opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(map));
    let span_context = cx.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// Writes propagation fields into tonic metadata; names or values that are not valid
/// ASCII metadata are skipped.
struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Reads propagation fields from HTTP headers.
struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SpanCapture;

    #[test]
    fn inject_then_extract_round_trips_the_trace_id() {
        let capture = SpanCapture::new();
        tracing::subscriber::with_default(capture.subscriber(), || {
            let span = tracing::info_span!("gochat.test.outgoing");
            let _entered = span.enter();
            let local = current_context().span().span_context().clone();
            assert!(local.is_valid());

            let mut metadata = MetadataMap::new();
            inject_metadata(&current_context(), &mut metadata);
            let traceparent = metadata.get("traceparent").unwrap().to_str().unwrap();
            assert!(traceparent.contains(&local.trace_id().to_string()));

            let remote = extract_headers(&metadata.into_headers());
            let remote = remote.span().span_context().clone();
            assert_eq!(remote.trace_id(), local.trace_id());
            assert_eq!(remote.span_id(), local.span_id());
            assert!(remote.is_remote());
        });
    }

    #[test]
    fn a_context_map_round_trips_and_is_empty_without_a_span() {
        let capture = SpanCapture::new();
        tracing::subscriber::with_default(capture.subscriber(), || {
            assert!(current_context_map().is_empty());
            assert!(span_context_from_map(&HashMap::new()).is_none());
            let span = tracing::info_span!("gochat.test.send");
            let _entered = span.enter();
            let map = current_context_map();
            assert!(map.contains_key("traceparent"), "{map:?}");
            let carried = span_context_from_map(&map).unwrap();
            assert_eq!(
                carried.trace_id(),
                current_context().span().span_context().trace_id()
            );
        });
    }

    #[test]
    fn garbage_carries_no_context() {
        let capture = SpanCapture::new();
        tracing::subscriber::with_default(capture.subscriber(), || {
            let map = HashMap::from([("traceparent".to_owned(), "not-a-trace".to_owned())]);
            assert!(span_context_from_map(&map).is_none());
            let mut headers = http::HeaderMap::new();
            headers.insert("traceparent", http::HeaderValue::from_static("00-zz-yy-01"));
            assert!(!extract_headers(&headers).span().span_context().is_valid());
        });
    }
}
