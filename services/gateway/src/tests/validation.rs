//! Query validation that happens before any peer is called.

use axum::{
    body::Body,
    http::{Method, StatusCode},
};

use super::support::*;
use crate::Config;

fn get(h: &Harness, uri: &str) -> axum::http::Request<Body> {
    request(Method::GET, uri)
        .header("authorization", format!("Bearer {}", h.token()))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_messages_limit_must_be_1_to_100() {
    let h = harness(Config::default());
    for bad in ["0", "101", "-5", "abc", "", "2.5", "1e2"] {
        let uri = format!("/api/v1/conversations/c1/messages?limit={bad}");
        let got = call(&h.router(), get(&h, &uri)).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    }
    // Valid limits pass validation and reach chat (unreachable here: 503).
    for good in ["", "?limit=1", "?limit=100", "?limit=50&before=m9"] {
        let uri = format!("/api/v1/conversations/c1/messages{good}");
        let got = call(&h.router(), get(&h, &uri)).await;
        assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    }
}

#[tokio::test]
async fn user_lookup_needs_an_email() {
    let h = harness(Config::default());
    for uri in [
        "/api/v1/users/lookup",
        "/api/v1/users/lookup?email=",
        "/api/v1/users/lookup?email=%20%20",
    ] {
        let got = call(&h.router(), get(&h, uri)).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let got = call(&h.router(), get(&h, "/api/v1/users/lookup?email=A%40b.c")).await;
    assert_error(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}
