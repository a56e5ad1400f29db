//! Groups: three members, every member's socket receives every group message.

use gochat_tests::{HarnessError, TestEnv, check};
use serde_json::json;

use crate::support::{self, WS_WAIT, conversation, id_of, send, socket};

#[tokio::test(flavor = "multi_thread")]
async fn group_messages_reach_every_member() {
    let env = support::env().await;
    support::finish(groups(&env).await);
}

async fn groups(env: &TestEnv) -> Result<(), HarnessError> {
    let a = env.register("gina").await?;
    let b = env.register("gus").await?;
    let c = env.register("gwen").await?;
    let group = conversation(env, &a, &[&b, &c], Some("Trio"), 201).await?;
    let mut sockets = [
        socket(env, &a, false, None).await?,
        socket(env, &b, true, None).await?,
        socket(env, &c, false, None).await?,
    ];

    let mut sent = Vec::new();
    for (user, body) in [(&a, "from gina"), (&b, "from gus"), (&c, "from gwen")] {
        sent.push(send(env, user, &group, body, &format!("g-{body}")).await?);
    }
    let ids: Vec<String> = sent.iter().map(id_of).collect();
    let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
    for ws in &mut sockets {
        let events = ws.collect_messages(&wanted, WS_WAIT).await?;
        for message in &sent {
            let pushed = events.iter().find(|e| e.message_id() == id_of(message));
            assert_eq!(pushed.map(|e| &e.message), Some(message), "pushed Message");
        }
    }

    // A send over the socket reaches the other members.
    let frame = json!({"type": "send", "conversation_id": group, "body": "via ws", "client_msg_id": "g-ws"});
    sockets[2].send_json(&frame).await?;
    let ack = sockets[2].next_of_type("ack", WS_WAIT).await?;
    check::message(&ack["message"]);
    let ws_id = id_of(&ack["message"]);
    for ws in &mut sockets[..2] {
        ws.collect_messages(&[&ws_id], WS_WAIT).await?;
    }

    let page = env
        .api()
        .history(&c.access_token, &group, None, None)
        .await?;
    check::status(&page, 200);
    let listed: Vec<String> = page.json["messages"]
        .as_array()
        .map(|m| m.iter().map(id_of).collect())
        .unwrap_or_default();
    let mut newest_first = ids.clone();
    newest_first.push(ws_id);
    newest_first.reverse();
    assert_eq!(listed, newest_first, "group history, newest first");
    for ws in sockets {
        ws.close().await;
    }
    Ok(())
}
