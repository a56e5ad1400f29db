//! Answers when the peers answer: shapes, statuses, and domain errors passed through.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{fake_peers::*, support::*};
use crate::Config;

#[tokio::test]
async fn accounts_and_sessions() {
    let (h, calls) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let body = r#"{"email":"  New@Example.COM ","password":"longenough","display_name":"New"}"#;
    let got = call(&r, post_json("/api/v1/accounts", body)).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);
    assert_eq!(
        got.2,
        json!({"id":"new","email":"new@example.com","display_name":"New","status":"pending_verification"})
    );
    assert_eq!(calls.lock().unwrap().created_emails, ["new@example.com"]);
    let taken = r#"{"email":"taken@example.com","password":"longenough","display_name":"T"}"#;
    assert_error(
        &call(&r, post_json("/api/v1/accounts", taken)).await,
        StatusCode::CONFLICT,
        "email_taken",
    );

    let got = call(
        &r,
        post_json(
            "/api/v1/accounts/verify",
            r#"{"email":"a@b.c","code":"123456"}"#,
        ),
    )
    .await;
    assert_eq!((got.0, got.2), (StatusCode::OK, json!({"status":"active"})));
    let got = call(
        &r,
        post_json(
            "/api/v1/accounts/verify",
            r#"{"email":"a@b.c","code":"000000"}"#,
        ),
    )
    .await;
    assert_error(&got, StatusCode::GONE, "code_expired");
    let got = call(
        &r,
        post_json("/api/v1/accounts/verify", r#"{"email":"a@b.c","code":"1"}"#),
    )
    .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_code");

    // The fake says no pending account exists; the answer must not show it.
    let got = call(
        &r,
        post_json("/api/v1/accounts/verification-code", r#"{"email":"x@y.z"}"#),
    )
    .await;
    assert_eq!((got.0, got.2), (StatusCode::ACCEPTED, json!({})));

    let got = call(
        &r,
        post_json("/api/v1/sessions", r#"{"email":"a@b.c","password":"p"}"#),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(
        got.2,
        json!({"access_token":"access","refresh_token":"refresh","token_type":"Bearer","expires_in":900})
    );
    let got = call(
        &r,
        post_json("/api/v1/sessions/refresh", r#"{"refresh_token":"old"}"#),
    )
    .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_refresh_token");

    let got = call(&r, authed(&h, Method::GET, "/api/v1/me", None)).await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(got.2["id"], ME);
    assert_eq!(got.2["status"], "active");

    let got = call(
        &r,
        authed(&h, Method::DELETE, "/api/v1/sessions/current", None),
    )
    .await;
    assert_eq!(
        (got.0, got.2),
        (StatusCode::NO_CONTENT, serde_json::Value::Null)
    );
    assert_eq!(calls.lock().unwrap().logouts, ["session-1"]);
    // The logged-out access token is refused here at once, without waiting for the feed.
    let got = call(&r, authed(&h, Method::GET, "/api/v1/me", None)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn user_lookup_normalizes_and_hides_pending_accounts() {
    let (h, calls) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let got = call(
        &r,
        authed(
            &h,
            Method::GET,
            "/api/v1/users/lookup?email=%20Other%40Example.com%20",
            None,
        ),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    assert_eq!(
        got.2,
        json!({"id": OTHER, "display_name": "name of other@example.com"})
    );
    assert_eq!(calls.lock().unwrap().lookups, ["other@example.com"]);
    let got = call(
        &r,
        authed(
            &h,
            Method::GET,
            "/api/v1/users/lookup?email=pending%40example.com",
            None,
        ),
    )
    .await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
    let got = call(
        &r,
        authed(
            &h,
            Method::GET,
            "/api/v1/users/lookup?email=ghost%40example.com",
            None,
        ),
    )
    .await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
}

#[tokio::test]
async fn conversations() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let direct = format!(r#"{{"member_ids":["{OTHER}"]}}"#);
    let got = call(
        &r,
        authed(&h, Method::POST, "/api/v1/conversations", Some(&direct)),
    )
    .await;
    assert_eq!(
        got.0,
        StatusCode::OK,
        "an existing direct conversation: {}",
        got.2
    );
    assert_eq!(got.2["kind"], "direct");
    assert_eq!(got.2["title"], serde_json::Value::Null);
    assert_eq!(got.2["last_message"], serde_json::Value::Null);
    assert_eq!(got.2["created_at"], "2026-11-24T08:42:24.123Z");

    let group = format!(r#"{{"member_ids":["{OTHER}","{ME}","{OTHER}"],"title":"team"}}"#);
    let got = call(
        &r,
        authed(&h, Method::POST, "/api/v1/conversations", Some(&group)),
    )
    .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);
    assert_eq!(got.2["title"], "team");

    for bad in [PENDING, "ghost"] {
        let body = format!(r#"{{"member_ids":["{OTHER}","{bad}"]}}"#);
        let got = call(
            &r,
            authed(&h, Method::POST, "/api/v1/conversations", Some(&body)),
        )
        .await;
        assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
    }

    let got = call(&r, authed(&h, Method::GET, "/api/v1/conversations", None)).await;
    assert_eq!(got.0, StatusCode::OK);
    let list = got.2["conversations"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["last_message"]["id"], "m9");
    assert_eq!(
        list[0]["last_message"]["sent_at"],
        "1970-01-01T00:00:00.005Z"
    );
}

#[tokio::test]
async fn messages() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let send = |conversation: &str, body: &str| {
        authed(
            &h,
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(body),
        )
    };
    let got = call(&r, send("c1", r#"{"body":"hi","client_msg_id":"first"}"#)).await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.2);
    assert_eq!(got.2["client_msg_id"], "first");
    assert_eq!(got.2["sent_at"], "2026-11-24T08:42:24.123Z");
    let got = call(&r, send("c1", r#"{"body":"hi","client_msg_id":"again"}"#)).await;
    assert_eq!(got.0, StatusCode::OK, "an idempotent repeat");
    assert_error(
        &call(&r, send("missing", r#"{"body":"hi","client_msg_id":"k"}"#)).await,
        StatusCode::NOT_FOUND,
        "conversation_not_found",
    );
    assert_error(
        &call(&r, send("theirs", r#"{"body":"hi","client_msg_id":"k"}"#)).await,
        StatusCode::FORBIDDEN,
        "not_a_member",
    );
    assert_error(
        &call(&r, send("c1", r#"{"body":"","client_msg_id":"k"}"#)).await,
        StatusCode::BAD_REQUEST,
        "invalid_body",
    );

    let direct = format!(r#"{{"recipient_id":"{OTHER}","body":"hi","client_msg_id":"d"}}"#);
    let got = call(
        &r,
        authed(&h, Method::POST, "/api/v1/messages", Some(&direct)),
    )
    .await;
    assert_eq!(got.0, StatusCode::CREATED);
    assert_eq!(got.2["id"], "m2");
    let to_pending = format!(r#"{{"recipient_id":"{PENDING}","body":"hi","client_msg_id":"d"}}"#);
    let got = call(
        &r,
        authed(&h, Method::POST, "/api/v1/messages", Some(&to_pending)),
    )
    .await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");

    let got = call(
        &r,
        authed(&h, Method::GET, "/api/v1/conversations/c1/messages", None),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(got.2["next_before"], "m2");
    assert_eq!(got.2["messages"][0]["id"], "m3");
    let got = call(
        &r,
        authed(
            &h,
            Method::GET,
            "/api/v1/conversations/c1/messages?before=m2&limit=10",
            None,
        ),
    )
    .await;
    assert_eq!(got.2["next_before"], serde_json::Value::Null);
    assert_eq!(got.2["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn edits_deletes_and_read_markers() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let path = "/api/v1/conversations/c1/messages/m5";
    let got = call(
        &r,
        authed(&h, Method::PATCH, path, Some(r#"{"body":"fixed"}"#)),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    assert_eq!(got.2["body"], "fixed");
    assert_eq!(got.2["edited_at"], "2026-11-24T08:42:24.123Z");
    assert_eq!(got.2["deleted"], false);
    let theirs = "/api/v1/conversations/c1/messages/theirs";
    let got = call(
        &r,
        authed(&h, Method::PATCH, theirs, Some(r#"{"body":"x"}"#)),
    )
    .await;
    assert_error(&got, StatusCode::FORBIDDEN, "not_the_sender");
    let got = call(&r, authed(&h, Method::DELETE, theirs, None)).await;
    assert_error(&got, StatusCode::FORBIDDEN, "not_the_sender");
    let gone = "/api/v1/conversations/c1/messages/gone";
    let got = call(&r, authed(&h, Method::PATCH, gone, Some(r#"{"body":"x"}"#))).await;
    assert_error(&got, StatusCode::NOT_FOUND, "message_not_found");
    let got = call(&r, authed(&h, Method::PATCH, path, Some(r#"{"text":"x"}"#))).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");

    let got = call(&r, authed(&h, Method::DELETE, path, None)).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);

    let read = "/api/v1/conversations/c1/read";
    let got = call(
        &r,
        authed(&h, Method::POST, read, Some(r#"{"message_id":"m5"}"#)),
    )
    .await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);
    let got = call(
        &r,
        authed(&h, Method::POST, read, Some(r#"{"message_id":"gone"}"#)),
    )
    .await;
    assert_error(&got, StatusCode::NOT_FOUND, "message_not_found");

    let got = call(
        &r,
        authed(&h, Method::GET, "/api/v1/conversations/c1/members", None),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK);
    assert_eq!(
        got.2,
        json!({"members":[{"user_id":ME,"read_up_to":"m3"},{"user_id":OTHER,"read_up_to":null}]})
    );
    let got = call(&r, authed(&h, Method::GET, "/api/v1/conversations", None)).await;
    let listed = &got.2["conversations"][0];
    assert_eq!(
        (&listed["unread_count"], &listed["read_up_to"]),
        (&json!(3), &json!("m6"))
    );
}

#[tokio::test]
async fn presence_is_answered_for_contacts_only() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let path = format!("/api/v1/presence?user_ids={OTHER},{ME}");
    let got = call(&r, authed(&h, Method::GET, &path, None)).await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    assert_eq!(
        got.2,
        json!({"presence":[
            {"user_id":OTHER,"status":"offline","last_seen_at":"2026-11-24T08:42:24.123Z"},
            {"user_id":ME,"status":"offline","last_seen_at":"2026-11-24T08:42:24.123Z"},
        ]})
    );
    let stranger = "/api/v1/presence?user_ids=someone-else";
    let got = call(&r, authed(&h, Method::GET, stranger, None)).await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
    let got = call(&r, authed(&h, Method::GET, "/api/v1/presence", None)).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn members_are_added_and_removed() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let body = format!(r#"{{"user_ids":["{OTHER}"]}}"#);
    let got = call(
        &r,
        authed(
            &h,
            Method::POST,
            "/api/v1/conversations/g1/members",
            Some(&body),
        ),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.2);
    assert_eq!(got.2["member_ids"], json!([ME, OTHER]));
    assert_eq!(got.2["created_by"], ME);
    let pending = format!(r#"{{"user_ids":["{PENDING}"]}}"#);
    let got = call(
        &r,
        authed(
            &h,
            Method::POST,
            "/api/v1/conversations/g1/members",
            Some(&pending),
        ),
    )
    .await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
    let got = call(
        &r,
        authed(
            &h,
            Method::POST,
            "/api/v1/conversations/g1/members",
            Some("{}"),
        ),
    )
    .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");

    let leave = format!("/api/v1/conversations/g1/members/{ME}");
    let got = call(&r, authed(&h, Method::DELETE, &leave, None)).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);
    let other = format!("/api/v1/conversations/g1/members/{OTHER}");
    let got = call(&r, authed(&h, Method::DELETE, &other, None)).await;
    assert_error(&got, StatusCode::FORBIDDEN, "not_the_creator");
}

#[tokio::test]
async fn blocks_are_set_listed_and_lifted() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let r = h.router();
    let other = format!("/api/v1/blocks/{OTHER}");
    let got = call(&r, authed(&h, Method::PUT, &other, None)).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);
    let me = format!("/api/v1/blocks/{ME}");
    let got = call(&r, authed(&h, Method::PUT, &me, None)).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    let pending = format!("/api/v1/blocks/{PENDING}");
    let got = call(&r, authed(&h, Method::PUT, &pending, None)).await;
    assert_error(&got, StatusCode::NOT_FOUND, "user_not_found");
    let got = call(&r, authed(&h, Method::GET, "/api/v1/blocks", None)).await;
    assert_eq!(
        got.2,
        json!({"blocks":[{"user_id":OTHER,"blocked_at":"2026-11-24T08:42:24.123Z"}]})
    );
    let got = call(&r, authed(&h, Method::DELETE, &other, None)).await;
    assert_eq!(got.0, StatusCode::NO_CONTENT);
}
