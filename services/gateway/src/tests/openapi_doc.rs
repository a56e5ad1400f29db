//! `/openapi.json` describes every API v1 path.

use axum::{
    body::Body,
    http::{Method, StatusCode},
};

use super::support::*;
use crate::Config;

/// Every (method, path) of api-v1.md and of the additions in docs/api.md.
const CONTRACT: [(&str, &str); 24] = [
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
    ("post", "/api/v1/conversations/{id}/messages"),
    ("get", "/api/v1/conversations/{id}/messages"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/ws"),
    ("patch", "/api/v1/conversations/{id}/messages/{message_id}"),
    ("delete", "/api/v1/conversations/{id}/messages/{message_id}"),
    ("post", "/api/v1/conversations/{id}/read"),
    ("get", "/api/v1/conversations/{id}/members"),
    ("get", "/api/v1/presence"),
    ("post", "/api/v1/conversations/{id}/members"),
    ("delete", "/api/v1/conversations/{id}/members/{user_id}"),
    ("put", "/api/v1/blocks/{user_id}"),
    ("delete", "/api/v1/blocks/{user_id}"),
    ("get", "/api/v1/blocks"),
];

/// `GET /openapi.json` as the router answers it.
async fn document() -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let h = harness_without_keys(Config::default());
    call(
        &h.router(),
        request(Method::GET, "/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_document_parses_and_lists_every_contract_path() {
    let got = document().await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(got.1["content-type"], "application/json");
    let doc = got.2;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in CONTRACT {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "ErrorBody",
        "MessageJson",
        "ConversationJson",
        "AccountJson",
        "TokenPairJson",
        "MemberListJson",
    ] {
        assert!(schemas[name].is_object(), "schema {name} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let error = &doc["paths"]["/api/v1/accounts"]["post"]["responses"]["409"];
    let schema_ref = error["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    assert!(schema_ref.ends_with("/ErrorBody"));
    let created = &doc["paths"]["/api/v1/conversations/{id}/messages"]["post"]["responses"];
    assert!(created["201"].is_object() && created["200"].is_object());
}

#[tokio::test]
async fn operation_ids_are_unique_and_every_link_names_one() {
    let doc = document().await.2;
    let mut ids = std::collections::HashSet::new();
    let mut links = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: operationId {id:?} again"
            );
            for response in operation["responses"].as_object().unwrap().values() {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    assert!(link.get("operation_id").is_none(), "{link}");
                    links.push(link["operationId"].as_str().unwrap().to_owned());
                }
            }
            if operation.get("requestBody").is_some() {
                assert!(
                    operation["responses"]["413"].is_object(),
                    "{method} {path} takes a body but has no 413"
                );
            }
        }
    }
    assert!(links.len() >= 10, "{links:?}");
    for target in links {
        assert!(ids.contains(&target), "a link to the unknown {target}");
    }
}
