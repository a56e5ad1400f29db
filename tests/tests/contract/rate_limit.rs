//! Rate limits: logins are limited to 10 a minute per account (answered 429 `rate_limited` with
//! `Retry-After`), without touching other accounts; one address may sign up at least 30 accounts
//! a minute (a household behind one address); user lookups are limited to 30 a minute per
//! account (an addition of docs/api.md) and answer an unknown and an unverified address alike.

use gochat_tests::{HarnessError, PASSWORD, TestEnv, check};

use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn eleventh_login_in_a_minute_is_limited() {
    let env = support::env().await;
    support::finish(logins(&env).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_signups_a_minute_from_one_address_are_allowed() {
    let env = support::env().await;
    support::finish(household(&env).await);
}

async fn household(env: &TestEnv) -> Result<(), HarnessError> {
    for n in 1..=30 {
        let created = env
            .api()
            .signup(
                &format!("member{n}@example.com"),
                PASSWORD,
                &format!("Member {n}"),
            )
            .await?;
        assert_eq!(
            created.status, 201,
            "signup {n} of 30 in a minute: {}",
            created.text
        );
    }
    Ok(())
}

async fn logins(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let (_, email) = env.activate("rita").await?;
    let (_, neighbour) = env.activate("ron").await?;

    for attempt in 1..=10 {
        let allowed = api.login(&email, PASSWORD).await?;
        assert_eq!(
            allowed.status, 200,
            "login {attempt} of 10 in a minute: {}",
            allowed.text
        );
        check::tokens(&allowed);
    }
    let limited = api.login(&email, PASSWORD).await?;
    check::error(&limited, 429, "rate_limited");
    check::retry_after(&limited);

    let other = api.login(&neighbour, PASSWORD).await?;
    check::tokens(&other);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_are_limited_and_do_not_tell_unknown_from_unverified() {
    let env = support::env().await;
    support::finish(lookups(&env).await);
}

async fn lookups(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let asker = env.register("lena").await?;
    let found = env.register("lars").await?;
    let pending = api
        .signup("pending-lookup@example.com", PASSWORD, "Pending")
        .await?;
    check::status(&pending, 201);

    let unknown = api
        .lookup(&asker.access_token, "nobody-here@example.com")
        .await?;
    let unverified = api
        .lookup(&asker.access_token, "pending-lookup@example.com")
        .await?;
    check::error(&unknown, 404, "user_not_found");
    assert_eq!(
        (unknown.status, &unknown.json),
        (unverified.status, &unverified.json),
        "an unknown and an unverified address are answered alike"
    );
    for n in 3..=30 {
        let answered = api.lookup(&asker.access_token, &found.email).await?;
        assert_eq!(answered.status, 200, "lookup {n} of 30: {}", answered.text);
    }
    let limited = api.lookup(&asker.access_token, &found.email).await?;
    check::error(&limited, 429, "rate_limited");
    check::retry_after(&limited);
    let other = api.lookup(&found.access_token, &asker.email).await?;
    check::status(&other, 200);
    Ok(())
}
