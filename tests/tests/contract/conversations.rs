//! `POST/GET /api/v1/conversations`: direct uniqueness, groups, rejections, activity order.

use gochat_tests::{HarnessError, TestEnv, check};
use serde_json::{Value, json};

use crate::support::{self, conversation, id_of, send};

#[tokio::test(flavor = "multi_thread")]
async fn conversations_create_list_and_reject() {
    let env = support::env().await;
    support::finish(conversations(&env).await);
}

/// The ids of the caller's conversations in the order listed, each checked for shape.
async fn listed(env: &TestEnv, token: &str) -> Result<Vec<Value>, HarnessError> {
    let list = env.api().conversations(Some(token)).await?;
    check::status(&list, 200);
    let items = list.json["conversations"].as_array().cloned();
    assert!(items.is_some(), "no conversations list: {}", list.text);
    let items = items.unwrap_or_default();
    items.iter().for_each(check::conversation);
    Ok(items)
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id_of).collect()
}

async fn conversations(env: &TestEnv) -> Result<(), HarnessError> {
    let api = env.api();
    let a = env.register("ann").await?;
    let b = env.register("ben").await?;
    let c = env.register("cat").await?;

    let created = api
        .create_conversation(&a.access_token, &[&b.id], None)
        .await?;
    check::status(&created, 201);
    check::conversation(&created.json);
    assert_eq!(created.json["kind"], "direct", "{}", created.text);
    assert_eq!(
        check::members(&created.json),
        check::sorted(&[&a.id, &b.id])
    );
    assert!(created.json["title"].is_null(), "{}", created.text);
    assert!(created.json["last_message"].is_null(), "{}", created.text);
    let direct_ab = created.str_at("/id")?;

    // Unique per pair, whoever asks.
    assert_eq!(conversation(env, &a, &[&b], None, 200).await?, direct_ab);
    assert_eq!(conversation(env, &b, &[&a], None, 200).await?, direct_ab);

    let group = api
        .create_conversation(&a.access_token, &[&b.id, &c.id], Some("Plans"))
        .await?;
    check::status(&group, 201);
    check::conversation(&group.json);
    assert_eq!(group.json["kind"], "group", "{}", group.text);
    assert_eq!(group.json["title"], "Plans", "{}", group.text);
    assert_eq!(
        check::members(&group.json),
        check::sorted(&[&a.id, &b.id, &c.id])
    );
    let group_abc = group.str_at("/id")?;

    let direct_ac = conversation(env, &a, &[&c], None, 201).await?;

    let empty = api.create_conversation(&a.access_token, &[], None).await?;
    check::error(&empty, 400, "invalid_members");
    let ghost = api
        .create_conversation(&a.access_token, &["no-such-user"], None)
        .await?;
    check::error(&ghost, 404, "user_not_found");
    let half_ghost = api
        .create_conversation(&a.access_token, &[&b.id, "no-such-user"], Some("Ghosts"))
        .await?;
    check::error(&half_ghost, 404, "user_not_found");
    let missing = api
        .post("/api/v1/conversations", Some(&a.access_token), &json!({}))
        .await?;
    check::error(&missing, 400, "invalid_request");
    let anonymous = api
        .post(
            "/api/v1/conversations",
            None,
            &json!({"member_ids": [b.id]}),
        )
        .await?;
    check::error(&anonymous, 401, "unauthorized");
    check::error(&api.conversations(None).await?, 401, "unauthorized");

    // Activity order: the last conversation written to comes first.
    send(env, &a, &direct_ac, "to cat", "c-1").await?;
    send(env, &b, &group_abc, "to all", "c-2").await?;
    let last = send(env, &a, &direct_ab, "to ben", "c-3").await?;

    let of_a = listed(env, &a.access_token).await?;
    assert_eq!(
        ids(&of_a),
        [direct_ab.clone(), group_abc.clone(), direct_ac.clone()]
    );
    assert_eq!(
        of_a[0]["last_message"], last,
        "last_message of the active conversation"
    );
    assert_eq!(
        ids(&listed(env, &b.access_token).await?),
        [direct_ab, group_abc.clone()]
    );
    assert_eq!(
        ids(&listed(env, &c.access_token).await?),
        [group_abc, direct_ac]
    );
    Ok(())
}
