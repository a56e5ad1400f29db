//! `GET /api/v1/conversations/{id}/messages`: newest first, `before`/`next_before` paging to
//! the end, the `limit` range and its default.

use std::time::Duration;

use gochat_tests::{ApiResponse, HarnessError, TestEnv, TestUser, check};
use serde_json::Value;

use crate::support::{self, conversation, id_of, send};

/// Spacing between sends of the 55-message run: two senders alternate, so each sends at most
/// ~12 a second, under the contract's lowest allowed send limit (20 a second per account).
const SEND_SPACING: Duration = Duration::from_millis(40);

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_newest_first() {
    let env = support::env().await;
    support::finish(history(&env).await);
}

/// Asserts a 200 page and returns its message ids and `next_before`.
#[track_caller]
fn page(answer: &ApiResponse) -> (Vec<String>, Option<String>) {
    check::status(answer, 200);
    let messages = answer.json["messages"].as_array();
    assert!(messages.is_some(), "no messages list: {}", answer.text);
    let messages = messages.cloned().unwrap_or_default();
    messages.iter().for_each(check::message);
    let next = &answer.json["next_before"];
    assert!(
        next.is_null() || next.as_str().is_some_and(|s| !s.is_empty()),
        "next_before is neither null nor an id: {}",
        answer.text
    );
    (
        messages.iter().map(id_of).collect(),
        next.as_str().map(str::to_owned),
    )
}

async fn sends(
    env: &TestEnv,
    senders: [&TestUser; 2],
    conv: &str,
    count: usize,
    spacing: Duration,
) -> Result<Vec<String>, HarnessError> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let message: Value = send(
            env,
            senders[i % 2],
            conv,
            &format!("msg {i}"),
            &format!("{conv}-{i}"),
        )
        .await?;
        ids.push(id_of(&message));
        tokio::time::sleep(spacing).await;
    }
    Ok(ids)
}

async fn history(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let a = env.register("hal").await?;
    let b = env.register("hope").await?;
    let c = env.register("hugo").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;
    let sent = sends(env, [&a, &b], &conv, 5, Duration::ZERO).await?;
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();

    let (all, _) = page(&api.history(&a.access_token, &conv, None, None).await?);
    assert_eq!(all, newest_first, "history is newest first");
    let (of_b, _) = page(&api.history(&b.access_token, &conv, None, None).await?);
    assert_eq!(of_b, newest_first, "every member sees the same history");
    let (older, _) = page(
        &api.history(&a.access_token, &conv, Some(&sent[2]), None)
            .await?,
    );
    assert_eq!(
        older,
        [sent[1].clone(), sent[0].clone()],
        "before=ID gives older messages"
    );

    // Walk with limit=2 until next_before is null.
    let mut walked: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..4 {
        let answer = api
            .history(&a.access_token, &conv, before.as_deref(), Some("2"))
            .await?;
        let (ids, next) = page(&answer);
        assert!(
            ids.len() <= 2,
            "limit=2 returned {}: {}",
            ids.len(),
            answer.text
        );
        walked.extend(ids);
        if walked.len() < sent.len() {
            assert!(
                next.is_some(),
                "next_before is null with messages left: {}",
                answer.text
            );
        }
        before = next;
        if before.is_none() {
            break;
        }
    }
    assert!(
        before.is_none(),
        "paging with limit=2 did not end within 4 pages"
    );
    assert_eq!(
        walked, newest_first,
        "paging visits every message once, newest first"
    );

    let (one, _) = page(&api.history(&a.access_token, &conv, None, Some("1")).await?);
    assert_eq!(one, [sent[4].clone()]);
    let (hundred, _) = page(
        &api.history(&a.access_token, &conv, None, Some("100"))
            .await?,
    );
    assert_eq!(hundred, newest_first);
    for bad in ["0", "101", "many"] {
        let answer = api.history(&a.access_token, &conv, None, Some(bad)).await?;
        check::error_shape(&answer, 400);
    }

    // Default limit 50.
    let long = conversation(env, &a, &[&c], None, 201).await?;
    let many = sends(env, [&a, &c], &long, 55, SEND_SPACING).await?;
    let (first, next) = page(&api.history(&c.access_token, &long, None, None).await?);
    let expected: Vec<String> = many.iter().rev().take(50).cloned().collect();
    assert_eq!(first, expected, "the default page is the newest 50");
    assert!(next.is_some(), "next_before is null with 5 messages left");
    let (rest, _) = page(
        &api.history(&c.access_token, &long, next.as_deref(), None)
            .await?,
    );
    let oldest: Vec<String> = many.iter().take(5).rev().cloned().collect();
    assert_eq!(rest, oldest, "the second page holds the oldest 5");
    Ok(())
}
