//! Generated bad input, as an API fuzzer sends it: arbitrary JSON (deeply nested, huge
//! numbers, wrong types), truncated JSON and invalid UTF-8 to every route that takes a body,
//! and arbitrary text to the WebSocket frame parser. Nothing may panic, and nothing may be
//! answered with a server error: a 4xx with the error body, or a success.

use axum::{body::Body, http::Method};
use proptest::{
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config as RunnerConfig, TestRunner},
};
use serde_json::{Map, Number, Value};

use super::support::*;
use crate::{
    Config,
    ws::protocol::{ClientFrame, parse_client_frame},
};

/// Generated cases per run (and per route).
const CASES: u32 = 96;

/// Every route that reads a JSON body, with its method, and whether it needs a token.
const BODY_ROUTES: &[(&str, &str, bool)] = &[
    ("POST", "/api/v1/accounts", false),
    ("POST", "/api/v1/accounts/verify", false),
    ("POST", "/api/v1/accounts/verification-code", false),
    ("POST", "/api/v1/sessions", false),
    ("POST", "/api/v1/sessions/refresh", false),
    ("POST", "/api/v1/conversations", true),
    ("POST", "/api/v1/conversations/c1/messages", true),
    ("POST", "/api/v1/messages", true),
    ("PATCH", "/api/v1/conversations/c1/messages/m1", true),
    ("POST", "/api/v1/conversations/c1/read", true),
    ("POST", "/api/v1/conversations/c1/members", true),
];

/// Field names the routes read, so that generated objects often get past the first check.
const FIELDS: &[&str] = &[
    "email",
    "password",
    "display_name",
    "code",
    "refresh_token",
    "member_ids",
    "title",
    "body",
    "client_msg_id",
    "recipient_id",
    "message_id",
    "user_ids",
    "type",
    "conversation_id",
];

/// Arbitrary JSON: scalars (huge and odd numbers, odd strings) nested in arrays and objects
/// whose keys are mostly the fields the API reads.
fn json() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ];
    let text = prop_oneof![
        ".{0,40}",
        Just(String::new()),
        Just("x".repeat(5000)),
        Just("\u{0}\u{fffd}\u{10ffff}".to_owned()),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number,
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..6).prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, v)| ((*k).to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// An object with every field the routes read, each of the expected JSON type but with
/// generated content (empty, huge, odd characters): the cases that reach the handlers.
fn well_typed() -> impl Strategy<Value = Value> {
    let text = prop_oneof![".{0,40}", Just(String::new()), Just("y".repeat(5000))];
    (
        prop::collection::vec(text.clone(), FIELDS.len()),
        prop::collection::vec(text, 0..4),
    )
        .prop_map(|(values, ids)| {
            let mut object = Map::new();
            for (field, value) in FIELDS.iter().zip(values) {
                let value = match *field {
                    "member_ids" | "user_ids" => Value::from(ids.clone()),
                    _ => Value::String(value),
                };
                object.insert((*field).to_owned(), value);
            }
            Value::Object(object)
        })
}

/// A body as raw bytes: generated JSON, the same cut short, or bytes that are not UTF-8.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => well_typed().prop_map(|v| v.to_string().into_bytes()),
        3 => json().prop_map(|v| v.to_string().into_bytes()),
        2 => (json(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            text[..cut.index(text.len().max(1)).min(text.len())].to_vec()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
    ]
}

#[tokio::test]
async fn generated_bodies_get_answers_never_server_errors() {
    // Limits high enough that generated cases reach the handlers, not the limiter.
    let config = Config {
        auth_per_ip_per_minute: 1_000_000,
        auth_per_account_per_minute: 1_000_000,
        ..Config::default()
    };
    let (h, _) = harness_with_fake_peers(config).await;
    let router = h.router();
    let mut runner = TestRunner::new(RunnerConfig::default());
    let strategy = body();
    let mut answered = std::collections::BTreeMap::<u16, usize>::new();
    for (method, uri, authed) in BODY_ROUTES {
        for _ in 0..CASES {
            let bytes = strategy.new_tree(&mut runner).unwrap().current();
            let mut req = request(method.parse::<Method>().unwrap(), uri)
                .header("content-type", "application/json");
            if *authed {
                req = req.header("authorization", format!("Bearer {}", h.token()));
            }
            let shown = String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>();
            let got = call(&router, req.body(Body::from(bytes)).unwrap()).await;
            *answered.entry(got.0.as_u16()).or_default() += 1;
            assert!(
                !got.0.is_server_error(),
                "{method} {uri} with {shown:?} answered {}: {}",
                got.0,
                got.2
            );
            if !got.0.is_success() {
                assert!(
                    got.2["error"]["code"].is_string(),
                    "{method} {uri} with {shown:?}: no error body: {}",
                    got.2
                );
            }
        }
    }
    println!("FUZZ answers by status: {answered:?}");
    let past_the_parser: usize = answered
        .iter()
        .filter(|(status, _)| **status != 400)
        .map(|(_, n)| n)
        .sum();
    assert!(
        past_the_parser * 10 >= answered.values().sum::<usize>(),
        "under a tenth of the generated cases got past the body checks: {answered:?}"
    );
}

proptest! {
    #![proptest_config(RunnerConfig::with_cases(512))]

    /// Any text is a frame or a refusal with a reason; never a panic.
    #[test]
    fn any_text_is_a_frame_or_a_reason(text in ".{0,300}") {
        if let Err(e) = parse_client_frame(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    /// Any JSON is a frame whose fields are the strings it was sent with, or a refusal.
    #[test]
    fn any_json_is_a_faithful_frame_or_a_reason(value in json()) {
        match parse_client_frame(&value.to_string()) {
            Ok(ClientFrame::Send(send)) => {
                prop_assert_eq!(&value["type"], "send");
                prop_assert_eq!(&value["body"], &Value::String(send.body));
                prop_assert_eq!(&value["client_msg_id"], &Value::String(send.client_msg_id));
                prop_assert_eq!(&value["conversation_id"], &Value::String(send.conversation_id));
            }
            Ok(ClientFrame::Typing { conversation_id }) => {
                prop_assert_eq!(&value["type"], "typing");
                prop_assert_eq!(&value["conversation_id"], &Value::String(conversation_id));
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }
}

#[test]
fn deeply_nested_frames_are_refused_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let refused = parse_client_frame(&deep).unwrap_err();
    assert_eq!(refused.message, "malformed JSON");
    let deep_object = format!(
        r#"{}"type":"send"{}"#,
        r#"{"a":"#.repeat(50_000),
        "}".repeat(50_000)
    );
    assert!(parse_client_frame(&deep_object).is_err());
}
