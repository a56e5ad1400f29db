//! Access tokens on authenticated routes, and unreachable peers.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header::RETRY_AFTER},
};
use gochat_tokens::SigningKey;

use super::support::*;
use crate::Config;

/// Every authenticated route with a well-formed body.
const AUTHENTICATED: [(&str, &str, &str); 9] = [
    ("GET", "/api/v1/me", ""),
    ("GET", "/api/v1/users/lookup?email=a@b.c", ""),
    ("DELETE", "/api/v1/sessions/current", ""),
    ("GET", "/api/v1/conversations", ""),
    ("POST", "/api/v1/conversations", r#"{"member_ids":["u2"]}"#),
    ("GET", "/api/v1/conversations/c1/messages", ""),
    (
        "POST",
        "/api/v1/conversations/c1/messages",
        r#"{"body":"hi","client_msg_id":"k"}"#,
    ),
    (
        "POST",
        "/api/v1/messages",
        r#"{"recipient_id":"u2","body":"hi","client_msg_id":"k"}"#,
    ),
    ("GET", "/api/v1/ws", ""),
];

fn authenticated(
    method: &str,
    uri: &str,
    body: &str,
    authorization: Option<&str>,
) -> Request<Body> {
    let mut b = request(method.parse::<Method>().unwrap(), uri);
    if !body.is_empty() {
        b = b.header("content-type", "application/json");
    }
    if let Some(a) = authorization {
        b = b.header("authorization", a);
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn every_authenticated_route_refuses_missing_and_bad_tokens() {
    let h = harness(Config::default());
    let stranger = SigningKey::generate().unwrap();
    let expired = token_with(&h.key, now_s() - 3600);
    let foreign = token_with(&stranger, now_s() + 900);
    let valid = h.token();
    let tampered = format!("{}x", &valid[..valid.len() - 1]);
    let bad = [
        None,
        Some("Bearer".to_owned()),
        Some("Bearer garbage".to_owned()),
        Some("Bearer a.b.c".to_owned()),
        Some(format!("Basic {valid}")),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {foreign}")),
        Some(format!("Bearer {tampered}")),
    ];
    for (method, uri, body) in AUTHENTICATED {
        for authorization in &bad {
            let req = authenticated(method, uri, body, authorization.as_deref());
            let got = call(&h.router(), req).await;
            assert_error(&got, StatusCode::UNAUTHORIZED, "unauthorized");
        }
    }
}

#[tokio::test]
async fn the_ws_query_token_is_checked_too() {
    let h = harness(Config::default());
    let got = call(
        &h.router(),
        authenticated("GET", "/api/v1/ws?access_token=junk", "", None),
    )
    .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthorized");
    let uri = format!("/api/v1/ws?access_token={}&since=yesterday", h.token());
    let got = call(&h.router(), authenticated("GET", &uri, "", None)).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    let uri = format!("/api/v1/ws?access_token={}&since=5-1", h.token());
    let got = call(&h.router(), authenticated("GET", &uri, "", None)).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        got.2["error"]["message"]
            .as_str()
            .unwrap()
            .contains("WebSocket")
    );
}

#[tokio::test]
async fn without_verification_keys_authenticated_calls_are_503() {
    let h = harness_without_keys(Config::default());
    let token = h.token();
    for (method, uri, body) in AUTHENTICATED {
        let req = authenticated(method, uri, body, Some(&format!("Bearer {token}")));
        let got = call(&h.router(), req).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(got.1.contains_key(RETRY_AFTER));
    }
    let got = call(&h.router(), authenticated("GET", "/api/v1/me", "", None)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn unreachable_peers_are_503_with_retry_after() {
    let h = harness(Config::default());
    let bearer = format!("Bearer {}", h.token());
    for (method, uri, body) in AUTHENTICATED.iter().filter(|r| r.1 != "/api/v1/ws") {
        let got = call(&h.router(), authenticated(method, uri, body, Some(&bearer))).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert_eq!(got.1[RETRY_AFTER], "1", "{uri}");
    }
    for (uri, body) in [
        (
            "/api/v1/accounts",
            r#"{"email":"a@b.c","password":"longenough","display_name":"A"}"#,
        ),
        (
            "/api/v1/accounts/verify",
            r#"{"email":"a@b.c","code":"123456"}"#,
        ),
        ("/api/v1/accounts/verification-code", r#"{"email":"a@b.c"}"#),
        (
            "/api/v1/sessions",
            r#"{"email":"a@b.c","password":"longenough"}"#,
        ),
        ("/api/v1/sessions/refresh", r#"{"refresh_token":"r"}"#),
    ] {
        let got = call(&h.router(), post_json(uri, body)).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(got.1.contains_key(RETRY_AFTER), "{uri}");
    }
}

#[tokio::test]
async fn an_unknown_key_id_refreshes_keys_at_most_once_per_interval() {
    let h = harness(Config::default());
    let rotated = SigningKey::generate().unwrap();
    let token = token_with(&rotated, now_s() + 900);
    // Auth is unreachable, so the refresh fails and the token stays unknown: 401.
    let got = call(
        &h.router(),
        authenticated("GET", "/api/v1/me", "", Some(&format!("Bearer {token}"))),
    )
    .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(!h.state.keys().claim_refresh(), "a refresh just ran");
    // Once the new key is published, its tokens pass (and reach the unreachable auth).
    h.state
        .install_verification_keys(keys_response(&rotated))
        .unwrap();
    let got = call(
        &h.router(),
        authenticated("GET", "/api/v1/me", "", Some(&format!("Bearer {token}"))),
    )
    .await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}
