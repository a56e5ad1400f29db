use axum::{body::to_bytes, http::StatusCode};

use super::*;

/// Every code named in api-v1.md (and the conventions) and in the additions of docs/api.md,
/// with the status the contract gives it.
const CONTRACT: [(&str, u16); 28] = [
    ("invalid_request", 400),
    ("invalid_email", 400),
    ("weak_password", 400),
    ("invalid_display_name", 400),
    ("invalid_code", 400),
    ("invalid_members", 400),
    ("invalid_body", 400),
    ("unauthorized", 401),
    ("invalid_credentials", 401),
    ("invalid_refresh_token", 401),
    ("account_not_verified", 403),
    ("not_a_member", 403),
    ("not_found", 404),
    ("user_not_found", 404),
    ("conversation_not_found", 404),
    ("method_not_allowed", 405),
    ("email_taken", 409),
    ("code_expired", 410),
    ("payload_too_large", 413),
    ("too_many_attempts", 429),
    ("rate_limited", 429),
    ("unavailable", 503),
    ("internal", 500),
    ("not_the_sender", 403),
    ("message_not_found", 404),
    ("not_the_creator", 403),
    ("blocked", 403),
    ("message_deleted", 409),
];

#[test]
fn the_table_covers_every_contract_code_with_its_status() {
    for (wire, status) in CONTRACT {
        let code = ErrorCode::from_api_str(wire).unwrap_or_else(|| panic!("{wire} missing"));
        assert_eq!(code.as_str(), wire);
        assert_eq!(code.http_status().as_u16(), status, "{wire}");
    }
    assert_eq!(ErrorCode::ALL.len(), CONTRACT.len());
    let mut wires: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    wires.sort_unstable();
    wires.dedup();
    assert_eq!(wires.len(), ErrorCode::ALL.len(), "duplicate wire strings");
    assert_eq!(ErrorCode::from_api_str("nope"), None);
}

#[test]
fn retry_after_is_set_for_429_and_503_and_rounds_up() {
    for code in ErrorCode::ALL {
        let e = ApiError::new(code, "x");
        let needs = matches!(
            code.http_status(),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(e.retry_after_secs().is_some(), needs, "{code:?}");
    }
    let e = ApiError::rate_limited(Duration::from_millis(1200));
    assert_eq!(e.retry_after_secs(), Some(2));
    let e = ApiError::rate_limited(Duration::ZERO);
    assert_eq!(e.retry_after_secs(), Some(1));
}

#[tokio::test]
async fn renders_the_error_body_and_headers() {
    let response = ApiError::rate_limited(Duration::from_secs(3)).into_response();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[RETRY_AFTER], "3");
    let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "rate_limited");
    assert!(json["error"]["message"].is_string());
    assert_eq!(json.as_object().unwrap().len(), 1);
}
