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
        req.headers_mut()
            .insert("x-forwarded-for", format!("203.0.113.{i}").parse().unwrap());
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

/// A rate-limit store whose backend is down.
struct DownStore;

#[async_trait::async_trait]
impl crate::rate_limit::RateLimitStore for DownStore {
    async fn hit(
        &self,
        _key: &str,
        _limit: u32,
        _window: std::time::Duration,
    ) -> Result<crate::rate_limit::RateDecision, crate::rate_limit::RateLimitError> {
        Err(crate::rate_limit::RateLimitError::Unavailable(
            "down".into(),
        ))
    }

    async fn ping(&self) -> Result<(), crate::rate_limit::RateLimitError> {
        Err(crate::rate_limit::RateLimitError::Unavailable(
            "down".into(),
        ))
    }
}

#[tokio::test]
async fn with_the_limit_store_down_the_auth_doors_and_lookup_close_and_writes_go_through() {
    use axum::http::Method;
    let (h, _) =
        harness_with_fake_peers_and(Config::default(), std::sync::Arc::new(DownStore)).await;
    let r = h.router();
    for (uri, body) in [
        (
            "/api/v1/accounts",
            r#"{"email":"a@b.c","password":"longenough","display_name":"A"}"#,
        ),
        ("/api/v1/sessions", r#"{"email":"a@b.c","password":"p"}"#),
        (
            "/api/v1/accounts/verify",
            r#"{"email":"a@b.c","code":"123456"}"#,
        ),
        ("/api/v1/accounts/verification-code", r#"{"email":"a@b.c"}"#),
    ] {
        let got = call(&r, post_json(uri, body)).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(got.1.contains_key(RETRY_AFTER), "{uri}");
    }
    let lookup = "/api/v1/users/lookup?email=someone@example.com";
    let got = call(&r, authed(&h, Method::GET, lookup, None)).await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");

    let send = r#"{"body":"hi","client_msg_id":"k1"}"#;
    let got = call(
        &r,
        authed(
            &h,
            Method::POST,
            "/api/v1/conversations/c1/messages",
            Some(send),
        ),
    )
    .await;
    assert_eq!(got.0, StatusCode::CREATED, "a send goes through: {}", got.2);
    let read = r#"{"message_id":"m5"}"#;
    let got = call(
        &r,
        authed(
            &h,
            Method::POST,
            "/api/v1/conversations/c1/read",
            Some(read),
        ),
    )
    .await;
    assert_eq!(got.0, StatusCode::NO_CONTENT, "{}", got.2);
}

#[tokio::test]
async fn reads_are_limited_per_account_per_second_across_routes() {
    use axum::http::Method;
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let routes = [
        "/api/v1/conversations",
        "/api/v1/blocks",
        "/api/v1/conversations/c1/messages",
    ];
    let mut refused = None;
    // Within one second-long window the budget is spent by reads of any route; counting
    // from a window's start, at most two windows fit in the loop.
    for i in 0..(2 * crate::limits::READS.calls + 1) {
        let got = call(&r, authed(&h, Method::GET, routes[i as usize % 3], None)).await;
        if got.0 == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(got);
            break;
        }
        assert_eq!(got.0, StatusCode::OK, "read {i}: {}", got.2);
    }
    let got = refused.expect("the read budget ran out");
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(retry_after(&got), 1);
}

#[tokio::test]
async fn conversation_creates_are_limited_per_account_per_minute() {
    use axum::http::Method;
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let create = r#"{"member_ids":["u2"]}"#;
    for i in 0..crate::limits::CONVERSATION_CREATES.calls {
        let got = call(
            &r,
            authed(&h, Method::POST, "/api/v1/conversations", Some(create)),
        )
        .await;
        assert_ne!(got.0, StatusCode::TOO_MANY_REQUESTS, "create {i}");
    }
    let got = call(
        &r,
        authed(&h, Method::POST, "/api/v1/conversations", Some(create)),
    )
    .await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!((1..=60).contains(&retry_after(&got)));
}

#[tokio::test]
async fn refreshes_are_limited_per_ip_and_go_through_when_the_store_is_down() {
    let h = harness(Config::default());
    let refresh = || post_json("/api/v1/sessions/refresh", r#"{"refresh_token":"r.x"}"#);
    for i in 0..crate::limits::REFRESHES.calls {
        let got = call(&h.router(), refresh()).await;
        assert_eq!(
            got.0,
            StatusCode::SERVICE_UNAVAILABLE,
            "refresh {i} reaches auth"
        );
    }
    let got = call(&h.router(), refresh()).await;
    assert_error(&got, StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    let (down, _) =
        harness_with_fake_peers_and(Config::default(), std::sync::Arc::new(DownStore)).await;
    let got = call(&down.router(), refresh()).await;
    assert_ne!(
        got.0,
        StatusCode::TOO_MANY_REQUESTS,
        "a refresh is not refused for the counters being down"
    );
    assert_ne!(got.0, StatusCode::SERVICE_UNAVAILABLE, "{}", got.2);
}
