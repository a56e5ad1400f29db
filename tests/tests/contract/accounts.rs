//! `POST /api/v1/accounts`: the 201 answer, the mailed code, and every documented rejection.

use gochat_tests::{HarnessError, PASSWORD, TestEnv, check};
use reqwest::Method;
use serde_json::json;

use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn signup_answers_and_rejects_bad_input() {
    let env = support::env().await;
    support::finish(signup(&env).await);
}

async fn signup(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();

    let created = api.signup("alice@example.com", PASSWORD, "Alice").await?;
    check::status(&created, 201);
    check::account(
        &created.json,
        "alice@example.com",
        "Alice",
        "pending_verification",
    );
    let code = env.code_for("alice@example.com").await?;
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "the mailed code is not 6 digits: {code:?}"
    );

    // Emails are compared case-insensitively, trimmed.
    for taken in [
        "alice@example.com",
        "ALICE@Example.COM",
        "  alice@example.com  ",
    ] {
        let again = api.signup(taken, PASSWORD, "Alice Again").await?;
        check::error(&again, 409, "email_taken");
    }

    for bad in ["not-an-email", "@example.com", "bob@"] {
        let answer = api.signup(bad, PASSWORD, "Bob").await?;
        check::error(&answer, 400, "invalid_email");
    }

    let weak = api.signup("weak@example.com", "seven77", "Weak").await?;
    check::error(&weak, 400, "weak_password");
    let eight = api.signup("eight@example.com", "eight888", "Eight").await?;
    check::status(&eight, 201);

    let empty_name = api.signup("noname@example.com", PASSWORD, "").await?;
    check::error(&empty_name, 400, "invalid_display_name");
    let long_name = api
        .signup("longname@example.com", PASSWORD, &"n".repeat(65))
        .await?;
    check::error(&long_name, 400, "invalid_display_name");
    let max_name = "m".repeat(64);
    let longest = api
        .signup("maxname@example.com", PASSWORD, &max_name)
        .await?;
    check::status(&longest, 201);
    check::account(
        &longest.json,
        "maxname@example.com",
        &max_name,
        "pending_verification",
    );

    let malformed = api
        .call_raw(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some("{\"email\": \"x@example.com\","),
        )
        .await?;
    check::error(&malformed, 400, "invalid_request");
    for missing in [
        json!({"email": "m1@example.com", "password": PASSWORD}),
        json!({"email": "m2@example.com", "display_name": "M"}),
        json!({"password": PASSWORD, "display_name": "M"}),
    ] {
        let answer = api.post("/api/v1/accounts", None, &missing).await?;
        check::error(&answer, 400, "invalid_request");
    }
    let wrong_type = json!({"email": 42, "password": PASSWORD, "display_name": "T"});
    let answer = api.post("/api/v1/accounts", None, &wrong_type).await?;
    assert!(
        (400..500).contains(&answer.status),
        "a wrongly typed field is bad input, never a {}: {}",
        answer.status,
        answer.text
    );
    check::error_shape(&answer, answer.status);

    // Stored lower-cased and trimmed: the answer shows the stored email.
    let mixed = api
        .signup("  Carol@Example.COM ", PASSWORD, "Carol")
        .await?;
    check::status(&mixed, 201);
    check::account(
        &mixed.json,
        "carol@example.com",
        "Carol",
        "pending_verification",
    );
    env.code_for("carol@example.com").await?;
    Ok(())
}
