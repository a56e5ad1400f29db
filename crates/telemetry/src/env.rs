//! What the standard `OTEL_*` variables ask for, read through a lookup function so tests
//! need not touch the real environment. The exporter and the SDK read the rest themselves
//! (endpoint, headers, timeout, sampler, resource attributes).

/// The variables that decide whether traces are exported and under which service name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OtelSettings {
    /// An OTLP endpoint is configured and tracing is not disabled.
    pub(crate) enabled: bool,
    /// The `service.name` resource attribute.
    pub(crate) service_name: String,
}

impl OtelSettings {
    /// Reads the settings from the process environment.
    pub(crate) fn from_env(default_service_name: &str) -> Self {
        Self::from_lookup(default_service_name, |name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable's value, if set).
    ///
    /// Tracing is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// is set, unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The service
    /// name is `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else
    /// `default_service_name`.
    pub(crate) fn from_lookup(
        default_service_name: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let has_endpoint = set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
            || set("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
        let disabled = set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim() == "true")
            || set("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim() == "none");
        let service_name = set("OTEL_SERVICE_NAME")
            .map(|v| v.trim().to_owned())
            .or_else(|| {
                set("OTEL_RESOURCE_ATTRIBUTES").and_then(|attrs| resource_service_name(&attrs))
            })
            .unwrap_or_else(|| default_service_name.to_owned());
        Self {
            enabled: has_endpoint && !disabled,
            service_name,
        }
    }
}

/// `service.name` from an `OTEL_RESOURCE_ATTRIBUTES` list (`k=v,k2=v2`).
fn resource_service_name(attributes: &str) -> Option<String> {
    attributes.split(',').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == "service.name" && !value.trim().is_empty()).then(|| value.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> OtelSettings {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        OtelSettings::from_lookup("gochat-chat", |name| vars.get(name).cloned())
    }

    #[test]
    fn tracing_is_off_without_an_endpoint() {
        let s = settings(&[("OTEL_SERVICE_NAME", "x")]);
        assert!(!s.enabled);
        assert!(!settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]).enabled);
    }

    #[test]
    fn either_endpoint_variable_turns_it_on_unless_disabled() {
        assert!(settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")]).enabled);
        assert!(settings(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4317")]).enabled);
        let disabled = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_SDK_DISABLED", "true"),
        ]);
        assert!(!disabled.enabled);
        let none = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]);
        assert!(!none.enabled);
    }

    #[test]
    fn the_service_name_prefers_the_variable_then_the_resource_then_the_default() {
        assert_eq!(settings(&[]).service_name, "gochat-chat");
        let from_resource = settings(&[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=prod, service.name = chat-eu ",
        )]);
        assert_eq!(from_resource.service_name, "chat-eu");
        let both = settings(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=chat-eu"),
            ("OTEL_SERVICE_NAME", "chat-main"),
        ]);
        assert_eq!(both.service_name, "chat-main");
    }
}
