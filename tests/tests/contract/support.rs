//! Glue shared by the contract tests: starting an environment, failing with the harness error,
//! and the few request-plus-assert steps every group repeats.

use std::time::Duration;

use gochat_tests::{HarnessError, TestEnv, TestUser, WsAuth, WsClient, check};
use serde_json::Value;

/// How long a pushed event or an answer frame may take to arrive.
pub const WS_WAIT: Duration = Duration::from_secs(10);

/// A fresh `gochat local` on a temporary data dir, or a panic saying why it could not start.
pub async fn env() -> TestEnv {
    match TestEnv::start().await {
        Ok(env) => env,
        Err(e) => panic!("starting gochat local: {e}"),
    }
}

/// Fails the test with the harness error, if any (the server log is printed on the way out).
#[track_caller]
pub fn finish(result: Result<(), HarnessError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Sends a message over REST, asserts 201 and the Message shape, returns the Message.
pub async fn send(
    env: &TestEnv,
    user: &TestUser,
    conversation_id: &str,
    body: &str,
    client_msg_id: &str,
) -> Result<Value, HarnessError> {
    let sent = env
        .api()
        .send(&user.access_token, conversation_id, body, client_msg_id)
        .await?;
    check::status(&sent, 201);
    check::message(&sent.json);
    assert_eq!(
        sent.json["conversation_id"], conversation_id,
        "{}",
        sent.text
    );
    assert_eq!(sent.json["sender_id"], user.id.as_str(), "{}", sent.text);
    assert_eq!(sent.json["body"], body, "{}", sent.text);
    assert_eq!(sent.json["client_msg_id"], client_msg_id, "{}", sent.text);
    Ok(sent.json)
}

/// Creates a conversation of `owner` with `others`, asserts `want` status, returns its id.
pub async fn conversation(
    env: &TestEnv,
    owner: &TestUser,
    others: &[&TestUser],
    title: Option<&str>,
    want: u16,
) -> Result<String, HarnessError> {
    let ids: Vec<&str> = others.iter().map(|u| u.id.as_str()).collect();
    let created = env
        .api()
        .create_conversation(&owner.access_token, &ids, title)
        .await?;
    check::status(&created, want);
    check::conversation(&created.json);
    created.str_at("/id")
}

/// Opens a socket for `user` (header auth unless `query`), optionally resuming after `since`.
pub async fn socket(
    env: &TestEnv,
    user: &TestUser,
    query: bool,
    since: Option<&str>,
) -> Result<WsClient, HarnessError> {
    let auth = if query {
        WsAuth::Query(&user.access_token)
    } else {
        WsAuth::Header(&user.access_token)
    };
    WsClient::connect(&env.server().ws_url(), auth, since).await
}

/// The `id` of a Message.
pub fn id_of(message: &Value) -> String {
    message["id"].as_str().unwrap_or_default().to_owned()
}
