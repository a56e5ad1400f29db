//! Verification codes, logging in, `/me` and user lookup.

use gochat_tests::{HarnessError, MAIL_TIMEOUT, PASSWORD, TestEnv, check, mail};
use serde_json::json;

use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn verification_codes_login_me_and_lookup() {
    let env = support::env().await;
    support::finish(verification(&env).await);
}

/// A 6-digit code that differs from `code` (shifted by `by`, 1..=5).
fn wrong_code(code: &str, by: u32) -> String {
    let n: u32 = code.parse().unwrap_or(0);
    format!("{:06}", (n + by) % 1_000_000)
}

async fn verification(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let email = "dave@example.com";
    check::status(&api.signup(email, PASSWORD, "Dave").await?, 201);

    let early = api.login(email, PASSWORD).await?;
    check::error(&early, 403, "account_not_verified");

    let first = env.code_for(email).await?;
    for by in 1..=5 {
        let wrong = api.verify(email, &wrong_code(&first, by)).await?;
        check::error(&wrong, 400, "invalid_code");
    }
    // After 5 wrong codes the code is dead, even the right one.
    let dead = api.verify(email, &first).await?;
    check::error(&dead, 429, "too_many_attempts");

    let seen: Vec<_> = mail::mails_for(&env.outbox(), email)?
        .into_iter()
        .map(|m| m.path)
        .collect();
    let resent = api.resend_code(email).await?;
    check::status(&resent, 202);
    assert_eq!(resent.json, json!({}), "resend body: {}", resent.text);
    let unknown = api.resend_code("nobody@example.com").await?;
    check::status(&unknown, 202);
    assert_eq!(
        unknown.json, resent.json,
        "resend must not reveal whether an account exists"
    );

    let fresh = mail::wait_for_new_mail(&env.outbox(), email, &seen, MAIL_TIMEOUT).await?;
    let code = fresh.code.unwrap_or_default();
    let verified = api.verify(email, &code).await?;
    check::status(&verified, 200);
    assert_eq!(verified.json["status"], "active", "{}", verified.text);

    let bad_password = api.login(email, "not the password").await?;
    check::error(&bad_password, 401, "invalid_credentials");
    let no_account = api.login("nobody@example.com", PASSWORD).await?;
    check::error(&no_account, 401, "invalid_credentials");
    let other_case = api.login("  DAVE@Example.com ", PASSWORD).await?;
    check::tokens(&other_case);
    let session = api.login(email, PASSWORD).await?;
    check::tokens(&session);
    let token = session.str_at("/access_token")?;

    let me = api.me(Some(&token)).await?;
    check::status(&me, 200);
    check::account(&me.json, email, "Dave", "active");
    let dave_id = me.str_at("/id")?;
    check::error(&api.me(None).await?, 401, "unauthorized");
    check::error(
        &api.me(Some("garbage.token.here")).await?,
        401,
        "unauthorized",
    );

    for spelling in [email, "DAVE@EXAMPLE.COM"] {
        let found = api.lookup(&token, spelling).await?;
        check::status(&found, 200);
        assert_eq!(found.json["id"], dave_id.as_str(), "{}", found.text);
        assert_eq!(found.json["display_name"], "Dave", "{}", found.text);
    }
    let missing = api.lookup(&token, "nobody@example.com").await?;
    check::error(&missing, 404, "user_not_found");
    check::status(
        &api.signup("erin@example.com", PASSWORD, "Erin").await?,
        201,
    );
    let pending = api.lookup(&token, "erin@example.com").await?;
    check::error(&pending, 404, "user_not_found");
    Ok(())
}
