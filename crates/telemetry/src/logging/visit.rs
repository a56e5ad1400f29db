//! Collects the fields of an event or span into a JSON object, redacting as it goes.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

use crate::redact::{self, REDACTED};

/// Records every visited field into `0`, with secrets and email addresses masked.
pub(super) struct JsonVisitor<'a>(pub(super) &'a mut Map<String, Value>);

impl JsonVisitor<'_> {
    fn put(&mut self, field: &Field, value: Value) {
        let value = if redact::is_secret_field(field.name()) {
            Value::from(REDACTED)
        } else {
            value
        };
        self.0.insert(field.name().to_owned(), value);
    }

    fn put_text(&mut self, field: &Field, text: &str) {
        let text = redact::field_text(field.name(), text);
        self.0
            .insert(field.name().to_owned(), Value::from(text.into_owned()));
    }
}

impl Visit for JsonVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put_text(field, value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put_text(field, &value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put_text(field, &format!("{value:?}"));
    }
}
