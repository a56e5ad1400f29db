//! Bad input is answered with the contract's JSON errors, never a 500.

use axum::{
    body::Body,
    http::{Method, StatusCode},
};

use super::support::*;
use crate::Config;

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let h = harness(Config::default());
    for uri in [
        "/",
        "/api/v1",
        "/api/v2/accounts",
        "/api/v1/accounts/x/y",
        "/nope?x=1",
    ] {
        let got = call(
            &h.router(),
            request(Method::GET, uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert_error(&got, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn wrong_methods_are_json_405() {
    let h = harness(Config::default());
    for (method, uri) in [
        (Method::GET, "/api/v1/accounts"),
        (Method::PUT, "/api/v1/sessions"),
        (Method::GET, "/api/v1/sessions/current"),
        (Method::DELETE, "/api/v1/conversations"),
        (Method::POST, "/api/v1/me"),
        (Method::POST, "/openapi.json"),
    ] {
        let got = call(
            &h.router(),
            request(method.clone(), uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert_error(&got, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }
}

#[tokio::test]
async fn malformed_bodies_are_invalid_request() {
    let h = harness(Config::default());
    let cases = [
        ("/api/v1/accounts", "{"),
        ("/api/v1/accounts", "not json"),
        ("/api/v1/accounts", "[]"),
        (
            "/api/v1/accounts",
            r#"{"email":"a@b.c","password":"longenough"}"#,
        ),
        (
            "/api/v1/accounts",
            r#"{"email":1,"password":"longenough","display_name":"A"}"#,
        ),
        ("/api/v1/accounts/verify", r#"{"email":"a@b.c"}"#),
        (
            "/api/v1/accounts/verify",
            r#"{"email":"a@b.c","code":123456}"#,
        ),
        ("/api/v1/accounts/verification-code", "{}"),
        ("/api/v1/sessions", r#"{"email":"a@b.c","password":null}"#),
        ("/api/v1/sessions/refresh", r#"{"refresh":"x"}"#),
    ];
    for (uri, body) in cases {
        let got = call(&h.router(), post_json(uri, body)).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn authenticated_bodies_are_checked_too() {
    let h = harness(Config::default());
    let token = h.token();
    let cases = [
        ("/api/v1/conversations", r#"{"member_ids":"u2"}"#),
        ("/api/v1/conversations", r#"{"member_ids":[1,2]}"#),
        (
            "/api/v1/conversations",
            r#"{"member_ids":["u2"],"title":5}"#,
        ),
        ("/api/v1/conversations", r#"{"title":"x"}"#),
        ("/api/v1/conversations/c1/messages", r#"{"body":"hi"}"#),
        (
            "/api/v1/conversations/c1/messages",
            r#"{"body":["hi"],"client_msg_id":"k"}"#,
        ),
        ("/api/v1/messages", r#"{"body":"hi","client_msg_id":"k"}"#),
        ("/api/v1/messages", "garbage"),
    ];
    for (uri, body) in cases {
        let mut req = post_json(uri, body);
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let got = call(&h.router(), req).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_invalid_request() {
    let h = harness(Config::default());
    let body = r#"{"email":"a@b.c","password":"longenough"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut b = request(Method::POST, "/api/v1/sessions");
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        let got = call(&h.router(), b.body(Body::from(body)).unwrap()).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn oversized_bodies_are_413_before_being_read() {
    let h = harness(Config::default());
    let big = format!(r#"{{"email":"{}","password":"x"}}"#, "a".repeat(70 * 1024));
    let got = call(&h.router(), post_json("/api/v1/sessions", &big)).await;
    assert_error(&got, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    let small = Config {
        max_body_bytes: 2048,
        ..Config::default()
    };
    let h = harness(small);
    let big = format!(r#"{{"email":"{}","password":"x"}}"#, "a".repeat(4096));
    let got = call(&h.router(), post_json("/api/v1/sessions", &big)).await;
    assert_error(&got, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn a_bad_path_segment_is_invalid_request_not_500() {
    let h = harness(Config::default());
    let req = request(Method::GET, "/api/v1/conversations/%FF%FE/messages")
        .header("authorization", format!("Bearer {}", h.token()))
        .body(Body::empty())
        .unwrap();
    let got = call(&h.router(), req).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn shape_errors_name_the_field_without_echoing_its_value() {
    let h = harness(Config::default());
    let body = r#"{"email":"a@b.c","password":987654321}"#;
    let got = call(&h.router(), post_json("/api/v1/sessions", body)).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    let message = got.2["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("password") && !message.contains("987654321"),
        "{message}"
    );
    let got = call(
        &h.router(),
        post_json("/api/v1/sessions", r#"{"email":"a@b.c"}"#),
    )
    .await;
    assert_eq!(
        got.2["error"]["message"],
        "invalid body: missing field `password`"
    );
}
