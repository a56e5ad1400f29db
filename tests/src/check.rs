//! Assertions of the shapes `api-v1.md` fixes. They panic with the offending answer, because
//! they exist to fail tests; `#[track_caller]` points the failure at the test line.

use serde_json::Value;

use crate::ApiResponse;

/// Asserts the HTTP status.
#[track_caller]
pub fn status(response: &ApiResponse, want: u16) {
    assert_eq!(
        response.status, want,
        "expected HTTP {want}, got {} with body {}",
        response.status, response.text
    );
}

/// Asserts an error answer: status, `{"error":{"code","message"}}` with a string message.
#[track_caller]
pub fn error(response: &ApiResponse, want_status: u16, want_code: &str) {
    error_shape(response, want_status);
    assert_eq!(
        response.json["error"]["code"], want_code,
        "HTTP {want_status} has the wrong error code: {}",
        response.text
    );
}

/// Asserts an error answer's status and shape, whatever its code; returns the code.
#[track_caller]
pub fn error_shape(response: &ApiResponse, want_status: u16) -> String {
    status(response, want_status);
    let code = response.json["error"]["code"].as_str();
    let snake = code.is_some_and(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    });
    assert!(
        snake,
        "error.code is not a snake_case string: {}",
        response.text
    );
    assert!(
        response.json["error"]["message"].is_string(),
        "error.message is not a string: {}",
        response.text
    );
    code.unwrap_or_default().to_owned()
}

/// Asserts a 429 carries `Retry-After`.
#[track_caller]
pub fn retry_after(response: &ApiResponse) {
    let value = response.header("retry-after");
    assert!(
        value.is_some_and(|v| !v.trim().is_empty()),
        "HTTP {} without a Retry-After header (headers {:?})",
        response.status,
        response.headers
    );
}

/// Asserts a non-empty string and returns it.
#[track_caller]
pub fn id(value: &Value, what: &str) -> String {
    let text = value.as_str().filter(|s| !s.is_empty());
    assert!(text.is_some(), "{what} is not a non-empty string: {value}");
    text.unwrap_or_default().to_owned()
}

/// Asserts an RFC 3339 time in UTC.
#[track_caller]
pub fn utc_time(value: &Value, what: &str) {
    let text = value.as_str().unwrap_or_default();
    let parsed = chrono::DateTime::parse_from_rfc3339(text);
    assert!(parsed.is_ok(), "{what} is not an RFC 3339 time: {value}");
    let offset = parsed.map(|t| t.offset().local_minus_utc()).unwrap_or(1);
    assert_eq!(offset, 0, "{what} is not in UTC: {value}");
}

/// Asserts an object has exactly-typed `keys` (all present).
#[track_caller]
fn has_keys(value: &Value, keys: &[&str], what: &str) {
    assert!(value.is_object(), "{what} is not an object: {value}");
    for key in keys {
        assert!(value.get(key).is_some(), "{what} lacks {key:?}: {value}");
    }
}

/// Asserts a Message: `{id, conversation_id, sender_id, body, client_msg_id, sent_at,
/// edited_at, deleted}`.
#[track_caller]
pub fn message(value: &Value) {
    let keys = [
        "id",
        "conversation_id",
        "sender_id",
        "body",
        "client_msg_id",
        "sent_at",
        "edited_at",
        "deleted",
    ];
    has_keys(value, &keys, "Message");
    for key in ["id", "conversation_id", "sender_id", "client_msg_id"] {
        id(&value[key], &format!("Message.{key}"));
    }
    assert!(
        value["body"].is_string(),
        "Message.body is not a string: {value}"
    );
    utc_time(&value["sent_at"], "Message.sent_at");
    if !value["edited_at"].is_null() {
        utc_time(&value["edited_at"], "Message.edited_at");
    }
    assert!(
        value["deleted"].is_boolean(),
        "Message.deleted is not a boolean: {value}"
    );
}

/// Asserts a Conversation: `{id, kind, member_ids, created_by, title, created_at,
/// last_message, unread_count, read_up_to}`.
#[track_caller]
pub fn conversation(value: &Value) {
    let keys = [
        "id",
        "kind",
        "member_ids",
        "created_by",
        "title",
        "created_at",
        "last_message",
        "unread_count",
        "read_up_to",
    ];
    has_keys(value, &keys, "Conversation");
    id(&value["id"], "Conversation.id");
    id(&value["created_by"], "Conversation.created_by");
    let kind = value["kind"].as_str().unwrap_or_default();
    assert!(
        kind == "direct" || kind == "group",
        "Conversation.kind is neither direct nor group: {value}"
    );
    let members = value["member_ids"].as_array();
    assert!(
        members.is_some_and(|m| m.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty()))),
        "Conversation.member_ids is not a list of ids: {value}"
    );
    assert!(
        value["title"].is_null() || value["title"].is_string(),
        "Conversation.title is neither null nor a string: {value}"
    );
    utc_time(&value["created_at"], "Conversation.created_at");
    if !value["last_message"].is_null() {
        message(&value["last_message"]);
    }
    assert!(
        value["unread_count"].is_u64(),
        "Conversation.unread_count is not a count: {value}"
    );
    if !value["read_up_to"].is_null() {
        id(&value["read_up_to"], "Conversation.read_up_to");
    }
}

/// Asserts a token answer: `{access_token, refresh_token, token_type: "Bearer", expires_in > 0}`.
#[track_caller]
pub fn tokens(response: &ApiResponse) {
    status(response, 200);
    let body = &response.json;
    id(&body["access_token"], "access_token");
    id(&body["refresh_token"], "refresh_token");
    assert_eq!(body["token_type"], "Bearer", "token_type: {body}");
    assert!(
        body["expires_in"].as_u64().is_some_and(|s| s > 0),
        "expires_in is not a positive integer: {body}"
    );
}

/// Asserts an account: `{id, email, display_name, status}` with the given values.
#[track_caller]
pub fn account(value: &Value, email: &str, display_name: &str, status: &str) {
    has_keys(value, &["id", "email", "display_name", "status"], "account");
    id(&value["id"], "account.id");
    assert_eq!(value["email"], email, "account.email: {value}");
    assert_eq!(
        value["display_name"], display_name,
        "account.display_name: {value}"
    );
    assert_eq!(value["status"], status, "account.status: {value}");
}

/// The member ids of a Conversation, sorted.
pub fn members(conversation: &Value) -> Vec<String> {
    let mut ids: Vec<String> = conversation["member_ids"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Sorted copies of `ids`, to compare member sets.
pub fn sorted(ids: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    out.sort();
    out
}
