//! The ConfigMap of settings every component reads as environment variables, and the
//! checksum that rolls the pods when it (or anything else they read) changes.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use sha2::{Digest, Sha256};

use super::Owner;
use crate::component::{API_PORT, Component, OPS_PORT};

/// Where the components keep their (unused in a cluster, but required) data directory.
pub const DATA_DIR: &str = "/var/lib/gochat";

/// The settings shared by every component, as `GOCHAT_*` / `OTEL_*` variables.
pub fn data(owner: &Owner<'_>) -> BTreeMap<String, String> {
    let spec = &owner.cluster.spec;
    let names = &owner.names;
    let mut data = BTreeMap::new();
    let mut set = |key: &str, value: String| {
        data.insert(key.to_owned(), value);
    };
    set("GOCHAT_LOG_FORMAT", "json".into());
    set("GOCHAT_DATA_DIR", DATA_DIR.into());
    set("GOCHAT_LISTEN", format!("0.0.0.0:{API_PORT}"));
    set("GOCHAT_HTTP_LISTEN", format!("0.0.0.0:{OPS_PORT}"));
    for component in [Component::Auth, Component::Chat, Component::Email] {
        let port = component.grpc_port().unwrap_or_default();
        let upper = component.name().to_uppercase();
        set(
            &format!("GOCHAT_{upper}_GRPC_LISTEN"),
            format!("0.0.0.0:{port}"),
        );
        set(
            &format!("GOCHAT_{upper}_URL"),
            format!("http://{}:{port}", names.component(component)),
        );
    }
    set(
        "GOCHAT_CQL_CONTACT_POINTS",
        spec.scylla.contact_points.join(","),
    );
    set("GOCHAT_CQL_KEYSPACE", spec.scylla.keyspace.clone());
    set(
        "GOCHAT_CQL_REPLICATION_FACTOR",
        spec.scylla.replication_factor.to_string(),
    );
    set(
        "GOCHAT_CQL_CONSISTENCY",
        spec.scylla.consistency.as_str().into(),
    );
    if let Some(url) = &spec.redis.url {
        set("GOCHAT_REDIS_URL", url.clone());
    }
    let prefix = spec
        .redis
        .key_prefix
        .clone()
        .unwrap_or_else(|| format!("{}.{}", owner.namespace, names.cluster()));
    set("GOCHAT_REDIS_PREFIX", prefix);
    set("GOCHAT_SMTP_HOST", spec.smtp.host.clone());
    set("GOCHAT_SMTP_PORT", spec.smtp.port.to_string());
    set("GOCHAT_SMTP_TLS", spec.smtp.tls.as_str().into());
    set("GOCHAT_MAIL_FROM", spec.smtp.from.clone());
    if let Some(tracing) = &spec.tracing {
        set("OTEL_EXPORTER_OTLP_ENDPOINT", tracing.otlp_endpoint.clone());
        set("OTEL_TRACES_SAMPLER", "parentbased_traceidratio".into());
        set(
            "OTEL_TRACES_SAMPLER_ARG",
            tracing.sampling_ratio.to_string(),
        );
    }
    data
}

/// The ConfigMap holding [`data`].
pub fn build(owner: &Owner<'_>) -> ConfigMap {
    ConfigMap {
        metadata: owner.meta(owner.names.config(), owner.names.labels()),
        data: Some(data(owner)),
        ..ConfigMap::default()
    }
}

/// A short digest of everything a pod reads at start but does not see change: the
/// ConfigMap's data and the signing key's fingerprint. Put on the pod template, a change
/// rolls the pods.
pub fn checksum(data: &BTreeMap<String, String>, signing_key_fingerprint: &str) -> String {
    let mut hash = Sha256::new();
    for (key, value) in data {
        hash.update(key.as_bytes());
        hash.update([0]);
        hash.update(value.as_bytes());
        hash.update([0]);
    }
    hash.update(signing_key_fingerprint.as_bytes());
    hex(&hash.finalize()[..16])
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
