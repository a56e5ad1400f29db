//! Operations endpoints, the published OpenAPI document, and unknown routes.

use gochat_tests::{ApiResponse, HarnessError, TestEnv, check};
use reqwest::Method;
use serde_json::Value;

use crate::support;

/// Every call of api-v1.md as (method, path with `{}` for a path parameter).
const CALLS: [(&str, &str); 14] = [
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/accounts/verify"),
    ("post", "/api/v1/accounts/verification-code"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users/lookup"),
    ("post", "/api/v1/sessions"),
    ("post", "/api/v1/sessions/refresh"),
    ("delete", "/api/v1/sessions/current"),
    ("post", "/api/v1/conversations"),
    ("get", "/api/v1/conversations"),
    ("post", "/api/v1/conversations/{}/messages"),
    ("get", "/api/v1/conversations/{}/messages"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/ws"),
];

#[tokio::test(flavor = "multi_thread")]
async fn operations_openapi_and_unknown_routes() {
    let env = support::env().await;
    support::finish(operations(&env).await);
}

/// `/a/{id}/b` → `/a/{}/b`, so parameter names do not matter.
fn template(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                "{}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Asserts Prometheus text exposition: served as `text/plain`, every sample line of the form
/// `name[{labels}] value [timestamp]`. (An exposition with no samples is still valid text.)
#[track_caller]
fn prometheus_text(response: &ApiResponse) {
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain"),
        "/metrics content-type {content_type:?} is not Prometheus text"
    );
    let samples = response
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for line in samples {
        let rest = match line.rfind('}') {
            Some(i) => &line[i + 1..],
            None => line.split_once(char::is_whitespace).map_or("", |(_, r)| r),
        };
        let value = rest.split_whitespace().next().unwrap_or_default();
        assert!(
            value.parse::<f64>().is_ok(),
            "not a Prometheus sample line: {line}"
        );
    }
}

async fn operations(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let outbox = env.outbox();
    let canonical = std::fs::canonicalize(&outbox).unwrap_or_else(|_| outbox.clone());
    let log = env.server().log_tail();
    assert!(
        [&outbox, &canonical]
            .iter()
            .any(|p| log.contains(&p.display().to_string())),
        "the outbox path {} is not printed at start:\n{log}",
        outbox.display()
    );
    check::status(&api.get("/healthz").await?, 200);
    check::status(&api.get("/readyz").await?, 200);
    let metrics = api.get("/metrics").await?;
    check::status(&metrics, 200);
    prometheus_text(&metrics);

    let openapi = api.get("/openapi.json").await?;
    check::status(&openapi, 200);
    let version = openapi.json["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with('3'), "openapi version {version:?}");
    let paths = openapi.json["paths"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let published: Vec<(String, &Value)> = paths.iter().map(|(p, v)| (template(p), v)).collect();
    let missing: Vec<String> = CALLS
        .iter()
        .filter(|(method, path)| {
            !published
                .iter()
                .any(|(p, item)| p == path && item.get(*method).is_some())
        })
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "/openapi.json lacks {missing:?}");

    for (method, path) in [
        (Method::GET, "/api/v1/no-such-route"),
        (Method::POST, "/api/v1/no-such-route"),
        (Method::GET, "/no-such-route"),
    ] {
        let answer = api.call(method, path, None, None).await?;
        check::error(&answer, 404, "not_found");
    }
    Ok(())
}
