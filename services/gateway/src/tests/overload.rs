//! The send budget: with every place taken by sends chat has not answered yet, the next send
//! is refused at once (503 with Retry-After over REST, an error frame with retry_after_ms over
//! a socket) without reaching chat, and a place given back is used again.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header::RETRY_AFTER};

use super::{fake_peers::*, support::*};
use crate::{Config, error::ApiError, ws::protocol::ServerFrame};

#[tokio::test]
async fn a_send_over_the_budget_is_refused_at_once_and_a_freed_place_is_used_again() {
    let config = Config {
        max_sends_in_flight: 1,
        ..Config::default()
    };
    let (h, calls) = harness_with_fake_peers(config).await;
    let r = h.router();
    let send = |conversation: &str, key: &str| {
        authed(
            &h,
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(&format!(r#"{{"body":"hi","client_msg_id":"{key}"}}"#)),
        )
    };
    let held_request = send(SLOW_CONVERSATION, "held");
    let slow_router = r.clone();
    let slow = tokio::spawn(async move { call(&slow_router, held_request).await });
    // Wait (at most 5 s) until chat holds the slow send, and with it the one place.
    let deadline = Instant::now() + Duration::from_secs(5);
    while calls.lock().unwrap().slow_sends == 0 {
        assert!(
            Instant::now() < deadline,
            "the slow send never reached chat"
        );
        assert!(!slow.is_finished(), "the slow send ended early");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let started = Instant::now();
    let refused = call(&r, send("c1", "over")).await;
    let took = started.elapsed();
    assert_error(&refused, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(refused.1[RETRY_AFTER], "1");
    assert!(
        took < SLOW_SEND / 2,
        "refused without waiting for the slow send ({took:?})"
    );
    let held = slow.await.unwrap();
    assert_eq!(
        held.0,
        StatusCode::CREATED,
        "the accepted send completes: {}",
        held.2
    );
    let again = call(&r, send("c1", "after")).await;
    assert_eq!(again.0, StatusCode::CREATED, "{}", again.2);
}

#[test]
fn a_refusal_frame_carries_its_retry_hint() {
    let refused = ApiError {
        retry_after: Some(Duration::from_millis(1500)),
        ..ApiError::unavailable("at capacity")
    };
    let frame: serde_json::Value =
        serde_json::from_str(&ServerFrame::error(&refused, Some("k1".into())).to_text()).unwrap();
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["code"], "unavailable");
    assert_eq!(frame["client_msg_id"], "k1");
    assert_eq!(frame["retry_after_ms"], 1500);
    let invalid = ServerFrame::error(&ApiError::invalid_request("bad"), None).to_text();
    assert!(!invalid.contains("retry_after_ms"), "{invalid}");
}
