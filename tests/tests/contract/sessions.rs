//! Sessions: refresh rotation, reuse detection revoking the session, and logout, which
//! also ends the session's access tokens and sockets.

use std::time::{Duration, Instant};

use gochat_tests::{HarnessError, TestEnv, WsAuth, WsClient, check};
use reqwest::Method;
use serde_json::json;

use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_logout_revokes() {
    let env = support::env().await;
    support::finish(sessions(&env).await);
}

async fn sessions(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let mut user = env.register("sam").await?;
    let original = user.refresh_token.clone();

    let rotated = api.refresh(&original).await?;
    check::tokens(&rotated);
    let next = rotated.str_at("/refresh_token")?;
    assert_ne!(next, original, "refresh must rotate the refresh token");
    let access = rotated.str_at("/access_token")?;
    check::status(&api.me(Some(&access)).await?, 200);

    let reused = api.refresh(&original).await?;
    check::error(&reused, 401, "invalid_refresh_token");
    let revoked = api.refresh(&next).await?;
    check::error(&revoked, 401, "invalid_refresh_token");
    // The reuse revoked the session: its live access token stops working too, once the
    // gateway has read the revocation feed.
    let started = Instant::now();
    let mut me = api.me(Some(&access)).await?;
    for _ in 0..50 {
        if me.status != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        me = api.me(Some(&access)).await?;
    }
    check::error(&me, 401, "unauthorized");
    println!(
        "sessions: a reused refresh token's access token refused {} ms after the reuse",
        started.elapsed().as_millis()
    );

    check::error(&api.refresh("garbage").await?, 401, "invalid_refresh_token");
    let missing = api
        .post("/api/v1/sessions/refresh", None, &json!({}))
        .await?;
    check::error(&missing, 400, "invalid_request");
    let malformed = api
        .call_raw(
            Method::POST,
            "/api/v1/sessions/refresh",
            None,
            Some("{\"refresh_token\""),
        )
        .await?;
    check::error(&malformed, 400, "invalid_request");

    env.relogin(&mut user).await?;
    let leaving = user.clone();
    let mut socket = WsClient::connect(
        &env.server().ws_url(),
        WsAuth::Header(&leaving.access_token),
        None,
    )
    .await?;
    env.relogin(&mut user).await?;
    let out = api.logout(Some(&leaving.access_token)).await?;
    check::status(&out, 204);
    assert!(out.text.is_empty(), "204 with a body: {}", out.text);
    // The gateway that logged the session out refuses its access token at once.
    check::error(
        &api.me(Some(&leaving.access_token)).await?,
        401,
        "unauthorized",
    );
    match socket.next_json(Duration::from_secs(5)).await {
        Err(HarnessError::WsClosed { code, .. }) => {
            assert_eq!(code, Some(4001), "a logged-out socket closes with 4001");
        }
        other => panic!("the logged-out socket stayed open: {other:?}"),
    }
    check::status(&api.me(Some(&user.access_token)).await?, 200);
    let after = api.refresh(&leaving.refresh_token).await?;
    check::error(&after, 401, "invalid_refresh_token");
    let other = api.refresh(&user.refresh_token).await?;
    check::tokens(&other);

    check::error(&api.logout(None).await?, 401, "unauthorized");
    check::error(&api.logout(Some("garbage")).await?, 401, "unauthorized");
    Ok(())
}
