//! Persistence: stop `gochat local`, start it again on the same data dir; accounts,
//! conversations, history and `since` resumption from before the restart are all still there.

use gochat_tests::{HarnessError, TestEnv, check, order};

use crate::resume::assert_replayed;
use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_a_restart() {
    let mut env = support::env().await;
    support::finish(restart(&mut env).await);
}

async fn restart(env: &mut TestEnv) -> Result<(), HarnessError> {
    let mut a = env.register("pia").await?;
    let mut b = env.register("pat").await?;
    let conv = conversation(env, &a, &[&b], None, 201).await?;

    let mut ws = socket(env, &a, false, None).await?;
    let m1 = send(env, &b, &conv, "before restart", "p-1").await?;
    let seen = ws.collect_messages(&[&id_of(&m1)], WS_WAIT).await?;
    let since = seen[seen.len() - 1].event_id.clone();
    ws.close().await;
    let m2 = send(env, &b, &conv, "missed 1", "p-2").await?;
    let m3 = send(env, &a, &conv, "missed 2", "p-3").await?;

    if !env.restart().await? {
        eprintln!("note: gochat did not exit within the SIGTERM bound and was killed");
    }
    env.relogin(&mut a).await?;
    env.relogin(&mut b).await?;
    let api = env.api();

    let list = api.conversations(Some(&a.access_token)).await?;
    check::status(&list, 200);
    let convs = list.json["conversations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(convs.len(), 1, "{}", list.text);
    check::conversation(&convs[0]);
    assert_eq!(convs[0]["id"], conv.as_str());
    assert_eq!(convs[0]["last_message"], m3);

    let page = api.history(&b.access_token, &conv, None, None).await?;
    check::status(&page, 200);
    let ids: Vec<String> = page.json["messages"]
        .as_array()
        .map(|m| m.iter().map(id_of).collect())
        .unwrap_or_default();
    assert_eq!(ids, [id_of(&m3), id_of(&m2), id_of(&m1)]);
    let found = api.lookup(&a.access_token, &b.email).await?;
    check::status(&found, 200);
    assert_eq!(found.json["id"], b.id.as_str());

    let mut resumed = socket(env, &a, true, Some(&since)).await?;
    let replayed = resumed
        .collect_messages(&[&id_of(&m2), &id_of(&m3)], WS_WAIT)
        .await?;
    assert_replayed(&replayed, &[id_of(&m1)], &[id_of(&m2), id_of(&m3)], &since);
    let m4 = send(env, &b, &conv, "after restart", "p-4").await?;
    let live = resumed.collect_messages(&[&id_of(&m4)], WS_WAIT).await?;
    let (before, after) = (
        &replayed[replayed.len() - 1].event_id,
        &live[live.len() - 1].event_id,
    );
    assert!(
        order::compare_event_ids(before, after).is_lt(),
        "event {after} after the restart is not after {before}"
    );
    let retried = env
        .api()
        .send(&a.access_token, &conv, "missed 2", "p-3")
        .await?;
    check::status(&retried, 200);
    assert_eq!(retried.json, m3, "idempotency survives a restart");
    resumed.close().await;
    Ok(())
}
