//! `?since=EVENT_ID`: events missed while disconnected are replayed in order, then live ones
//! follow; nothing is missed (repeats are allowed and deduplicated by `message.id`).

use gochat_tests::{HarnessError, MessageEvent, TestEnv, order, ws};

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn websocket_resumes_with_since() {
    let env = support::env().await;
    support::finish(resume(&env).await);
}

/// Asserts that `events`, minus repeats and minus `already` seen ids, are exactly `want` in
/// order, with event ids increasing and all after `since`.
#[track_caller]
pub fn assert_replayed(events: &[MessageEvent], already: &[String], want: &[String], since: &str) {
    let fresh: Vec<MessageEvent> = order::dedupe(events)
        .into_iter()
        .filter(|e| !already.iter().any(|id| id == e.message_id()))
        .collect();
    assert_eq!(ws::ids(&fresh), want, "replayed messages, in order");
    let event_ids: Vec<&str> = fresh.iter().map(|e| e.event_id.as_str()).collect();
    assert!(
        order::strictly_increasing(&event_ids),
        "replayed event ids do not increase: {event_ids:?}"
    );
    for id in &event_ids {
        assert!(
            order::compare_event_ids(since, id).is_lt(),
            "event {id} replayed for since={since} is not after it"
        );
    }
}

async fn resume(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("rosa").await?;
    let b = env.register("rudi").await?;
    let c = env.register("ruth").await?;
    let direct = conversation(env, &a, &[&b], None, 201).await?;
    let group = conversation(env, &c, &[&a, &b], Some("Resume"), 201).await?;

    let mut first = socket(env, &a, false, None).await?;
    let m1 = send(env, &b, &direct, "before the gap", "r-1").await?;
    let seen = first.collect_messages(&[&id_of(&m1)], WS_WAIT).await?;
    let last_event = seen[seen.len() - 1].event_id.clone();
    first.close().await;

    let mut missed = Vec::new();
    missed.push(id_of(&send(env, &b, &direct, "gap 1", "r-2").await?));
    missed.push(id_of(
        &send(env, &a, &direct, "from my phone", "r-3").await?,
    ));
    missed.push(id_of(&send(env, &c, &group, "gap 2", "r-4").await?));
    missed.push(id_of(&send(env, &b, &direct, "gap 3", "r-5").await?));

    let mut again = socket(env, &a, true, Some(&last_event)).await?;
    let wanted: Vec<&str> = missed.iter().map(String::as_str).collect();
    let replayed = again.collect_messages(&wanted, WS_WAIT).await?;
    assert_replayed(&replayed, &[id_of(&m1)], &missed, &last_event);

    let live = send(env, &b, &direct, "after the gap", "r-6").await?;
    let tail = again.collect_messages(&[&id_of(&live)], WS_WAIT).await?;
    let newest = &tail[tail.len() - 1].event_id;
    let replay_last = &replayed[replayed.len() - 1].event_id;
    assert!(
        order::compare_event_ids(replay_last, newest).is_lt(),
        "the live event {newest} is not after the replayed {replay_last}"
    );
    again.close().await;
    Ok(())
}
