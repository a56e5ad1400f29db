//! The API's rate limits through the router.

use axum::http::{StatusCode, header::RETRY_AFTER};

use super::support::*;
use crate::Config;

fn retry_after(got: &(StatusCode, axum::http::HeaderMap, serde_json::Value)) -> u64 {
    got.1[RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn signup_is_limited_to_30_a_minute_per_ip() {
    let h = harness(Config::default());
    for i in 0..30 {
        let body = format!(
            r#"{{"email":"user{i}@example.com","password":"longenough","display_name":"U"}}"#
        );
        let got = call(&h.router(), post_json("/api/v1/accounts", &body)).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    }
    let body = r#"{"email":"user31@example.com","password":"longenough","display_name":"U"}"#;
    let got = call(&h.router(), post_json("/api/v1/accounts", body)).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait = retry_after(&got);
    assert!((1..=60).contains(&wait), "{wait}");
    // Each endpoint has its own budget: login from the same IP still passes the limiter.
    let got = call(
        &h.router(),
        post_json("/api/v1/sessions", r#"{"email":"x@y.z","password":"p"}"#),
    )
    .await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

#[tokio::test]
async fn login_is_limited_to_10_a_minute_per_account_across_ips() {
    let h = harness(Config {
        trust_forwarded_for: true,
        ..Config::default()
    });
    let attempt = |i: u32, email: &'static str| {
        let mut req = post_json(
            "/api/v1/sessions",
            &format!(r#"{{"email":"{email}","password":"p"}}"#),
        );
        req.headers_mut().insert(
            "x-forwarded-for",
            format!("203.0.113.{i}, 10.0.0.1").parse().unwrap(),
        );
        req
    };
    for i in 0..10 {
        let got = call(&h.router(), attempt(i, "Ada@Example.com")).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    }
    // Same account, other case and spacing, yet another IP: the account budget is spent.
    let got = call(&h.router(), attempt(99, " ada@example.COM")).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(retry_after(&got) >= 1);
    let got = call(&h.router(), attempt(100, "bob@example.com")).await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

#[tokio::test]
async fn sends_are_limited_per_account_per_second() {
    let h = harness(Config {
        send_rate_per_second: 1,
        ..Config::default()
    });
    let token = h.token();
    let send = || {
        let mut req = post_json(
            "/api/v1/conversations/c1/messages",
            r#"{"body":"hi","client_msg_id":"k"}"#,
        );
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        req
    };
    // The configured 1/s is raised to the contract's floor of 20/s.
    for _ in 0..20 {
        let got = call(&h.router(), send()).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    }
    let got = call(&h.router(), send()).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(retry_after(&got), 1);
}
