//! The WebSocket over a real connection.

use std::{net::SocketAddr, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{self, Message, client::IntoClientRequest, protocol::frame::coding::CloseCode},
};

use super::support::*;
use crate::Config;

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serves the harness's router on a loopback port.
async fn start(h: &Harness) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = h
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let stop = h.shutdown.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.wait_owned())
            .await
            .unwrap();
    });
    addr
}

async fn connect(
    addr: SocketAddr,
    query: &str,
    bearer: Option<&str>,
) -> Result<Client, tungstenite::Error> {
    let mut req = format!("ws://{addr}/api/v1/ws{query}")
        .into_client_request()
        .unwrap();
    if let Some(token) = bearer {
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    connect_async(req).await.map(|(ws, _)| ws)
}

/// The JSON body of a connection attempt answered with HTTP `status` instead of an
/// upgrade; for 429 and 503 it must carry a `Retry-After`.
fn refused(outcome: Result<Client, tungstenite::Error>, status: u16, what: &str) -> Value {
    match outcome {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), status, "{what}");
            if matches!(status, 429 | 503) {
                assert!(response.headers().contains_key("retry-after"), "{what}");
            }
            serde_json::from_slice(response.body().as_deref().unwrap()).unwrap()
        }
        other => panic!(
            "{what}: expected HTTP {status}, got {:?}",
            other.map(|_| ())
        ),
    }
}

/// The next data or close frame (pings skipped), within 5 s.
async fn next(ws: &mut Client) -> Message {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("frame");
        if !matches!(msg, Message::Ping(_) | Message::Pong(_)) {
            return msg;
        }
    }
}

async fn next_json(ws: &mut Client) -> Value {
    match next(ws).await {
        Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

async fn expect_close(ws: &mut Client, code: u16) {
    match next(ws).await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), code, "{}", frame.reason),
        other => panic!("expected close {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_tokens_and_since_are_refused_before_upgrading() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    for (query, bearer, status) in [
        ("", None, 401),
        ("?access_token=nope", None, 401),
        ("", Some("junk"), 401),
        ("?since=x-1", Some(h.token().as_str()), 400),
    ] {
        let body = refused(connect(addr, query, bearer).await, status, query);
        assert!(body["error"]["code"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn a_socket_is_subscribed_when_its_upgrade_is_answered() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    assert_eq!(h.log.subscribers(ME), 1, "subscribed before the 101");
    h.log.push_message(ME, "m1", 1);
    assert_eq!(next_json(&mut ws).await["message"]["id"], "m1");
}

#[tokio::test]
async fn an_unreachable_event_log_is_answered_503_before_upgrading() {
    let h = harness(Config::default());
    h.log.refuse_subscriptions();
    let addr = start(&h).await;
    let body = refused(connect(addr, "", Some(&h.token())).await, 503, "log down");
    assert_eq!(body["error"]["code"], "unavailable");
}

#[tokio::test]
async fn malformed_frames_get_error_frames_and_the_socket_stays_open() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let mut ws = connect(addr, &format!("?access_token={}", h.token()), None)
        .await
        .unwrap();
    for bad in [
        "nope",
        "{}",
        r#"{"type":"shout"}"#,
        r#"{"type":"send","body":"b"}"#,
    ] {
        ws.send(Message::text(bad)).await.unwrap();
        let frame = next_json(&mut ws).await;
        assert_eq!(frame["type"], "error", "{bad}");
        assert_eq!(frame["code"], "invalid_request", "{bad}");
    }
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(next_json(&mut ws).await["code"], "invalid_request");
    // A well-formed send reaches chat, which is unreachable here.
    let send = r#"{"type":"send","conversation_id":"c1","body":"hi","client_msg_id":"k1"}"#;
    ws.send(Message::text(send)).await.unwrap();
    let frame = next_json(&mut ws).await;
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["code"], "unavailable");
    assert_eq!(frame["client_msg_id"], "k1");
    // Still open: live events flow.
    let id = h.log.push_message(ME, "m1", 1_000);
    let frame = next_json(&mut ws).await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["event_id"], id.to_string());
    assert_eq!(frame["message"]["id"], "m1");
    assert_eq!(frame["message"]["sent_at"], "1970-01-01T00:00:01.000Z");
}

#[tokio::test]
async fn replays_after_since_then_streams_live() {
    let h = harness(Config {
        replay_page_size: 2,
        ..Config::default()
    });
    let addr = start(&h).await;
    let first = h.log.push_message(ME, "m1", 1);
    h.log.push_message("someone-else", "x", 2);
    for i in 2..=5 {
        h.log.push_message(ME, &format!("m{i}"), i);
    }
    let mut ws = connect(addr, &format!("?since={first}"), Some(&h.token()))
        .await
        .unwrap();
    for i in 2..=5 {
        let frame = next_json(&mut ws).await;
        assert_eq!(frame["message"]["id"], format!("m{i}"));
    }
    h.log.push_message(ME, "m6", 6);
    assert_eq!(next_json(&mut ws).await["message"]["id"], "m6");
}

#[tokio::test]
async fn a_truncated_log_falls_back_to_history_and_closes_when_chat_is_down() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let first = h.log.push_message(ME, "m1", 1);
    let second = h.log.push_message(ME, "m2", 2);
    h.log.trim_through(second);
    let mut ws = connect(addr, &format!("?since={first}"), Some(&h.token()))
        .await
        .unwrap();
    let frame = next_json(&mut ws).await;
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["code"], "unavailable");
    expect_close(&mut ws, 1013).await;
}

#[tokio::test]
async fn a_dropped_subscription_closes_with_1013() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    h.log.drop_subscribers(ME);
    expect_close(&mut ws, 1013).await;
}

#[tokio::test]
async fn an_expiring_token_closes_with_4001() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let token = token_with(&h.key, now_s() + 1);
    let mut ws = connect(addr, "", Some(&token)).await.unwrap();
    expect_close(&mut ws, 4001).await;
}

#[tokio::test]
async fn shutdown_closes_with_1001() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    h.shutdown.trigger();
    expect_close(&mut ws, 1001).await;
}

#[tokio::test]
async fn idle_sockets_are_pinged_and_silent_ones_closed() {
    let h = harness(Config {
        ws_ping_interval: Duration::from_millis(300),
        ..Config::default()
    });
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    // Not reading means not answering pings: after two silent intervals the server closes.
    tokio::time::sleep(Duration::from_millis(1400)).await;
    let mut saw_ping = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Ping(_))) => saw_ping = true,
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Away);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(saw_ping);
}

#[tokio::test]
async fn a_send_is_acked_with_the_stored_message() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    let send = r#"{"type":"send","conversation_id":"c1","body":"hi","client_msg_id":"k7"}"#;
    ws.send(Message::text(send)).await.unwrap();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_msg_id"], "k7");
    assert_eq!(ack["message"]["id"], "m1");
    assert_eq!(ack["message"]["client_msg_id"], "k7");
    let refused = r#"{"type":"send","conversation_id":"theirs","body":"hi","client_msg_id":"k8"}"#;
    ws.send(Message::text(refused)).await.unwrap();
    let error = next_json(&mut ws).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "not_a_member");
    assert_eq!(error["client_msg_id"], "k8");
}

#[tokio::test]
async fn a_truncated_log_replays_history_then_the_retained_log() {
    let (h, _) = harness_with_fake_peers(Config::default()).await;
    let addr = start(&h).await;
    h.log.push_message(ME, "gone", 1);
    let trimmed = h.log.push_message(ME, "gone-too", 2);
    h.log.trim_through(trimmed);
    let kept = h.log.push_message(ME, "kept", 30);
    // Resume from a point older than what the log keeps (the fake's ids count 1, 2, 3...).
    let mut ws = connect(addr, "?since=1-0", Some(&h.token())).await.unwrap();
    for (event_id, id) in [("10-0", "h1"), ("20-0", "h2")] {
        let frame = next_json(&mut ws).await;
        assert_eq!(
            frame["event_id"], event_id,
            "history with a synthetic id: {frame}"
        );
        assert_eq!(frame["message"]["id"], id);
    }
    let frame = next_json(&mut ws).await;
    assert_eq!(frame["event_id"], kept.to_string());
    assert_eq!(frame["message"]["id"], "kept");
    let live = h.log.push_message(ME, "live", 40);
    let frame = next_json(&mut ws).await;
    assert_eq!(frame["event_id"], live.to_string());
}

/// Waits (bounded) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within 2 s");
}

#[tokio::test]
async fn typing_is_forwarded_throttled_and_refused_for_non_members() {
    let (h, calls) = super::support::harness_with_fake_peers(Config::default()).await;
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    let typing = r#"{"type":"typing","conversation_id":"c1"}"#;
    for _ in 0..3 {
        ws.send(Message::text(typing)).await.unwrap();
    }
    ws.send(Message::text(
        r#"{"type":"typing","conversation_id":"theirs"}"#,
    ))
    .await
    .unwrap();
    let refused = next_json(&mut ws).await;
    assert_eq!(
        (&refused["type"], &refused["code"]),
        (&"error".into(), &"not_a_member".into())
    );
    let typed = calls.lock().unwrap().typing.clone();
    assert_eq!(
        typed,
        [(ME.to_owned(), "c1".to_owned())],
        "forwarded once in 3 s"
    );

    // A signal from the log reaches the socket as a frame without an event id.
    let signal = gochat_proto::chat::v1::Signal {
        kind: Some(gochat_proto::chat::v1::signal::Kind::Typing(
            gochat_proto::chat::v1::Typing {
                conversation_id: "c1".into(),
                user_id: super::fake_peers::OTHER.into(),
            },
        )),
    };
    use gochat_delivery::EventLog as _;
    use prost::Message as _;
    h.log
        .signal(&[ME.to_owned()], signal.encode_to_vec().into())
        .await
        .unwrap();
    let frame = next_json(&mut ws).await;
    assert_eq!(
        frame,
        serde_json::json!({"type":"typing","conversation_id":"c1","user_id":super::fake_peers::OTHER})
    );
}

#[tokio::test]
async fn the_first_socket_announces_online_and_the_last_one_offline() {
    let (h, calls) = super::support::harness_with_fake_peers(Config::default()).await;
    let addr = start(&h).await;
    let first = connect(addr, "", Some(&h.token())).await.unwrap();
    let second = connect(addr, "", Some(&h.token())).await.unwrap();
    let announced = || calls.lock().unwrap().announced.clone();
    eventually("the online announcement", || !announced().is_empty()).await;
    drop(first);
    eventually("the first release", || h.log.released().len() == 1).await;
    assert_eq!(
        h.log.released(),
        [(ME.to_owned(), true)],
        "the second is still open"
    );
    drop(second);
    eventually("the second release", || h.log.released().len() == 2).await;
    eventually("the offline announcement", || announced().len() == 2).await;
    assert_eq!(announced(), [(ME.to_owned(), true), (ME.to_owned(), false)]);
}

#[tokio::test]
async fn a_typing_frame_with_an_overlong_conversation_id_is_refused_at_once() {
    let (h, calls) = super::support::harness_with_fake_peers(Config::default()).await;
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    let frame = serde_json::json!({"type": "typing", "conversation_id": "c".repeat(10_000)});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let refused = next_json(&mut ws).await;
    assert_eq!(refused["code"], "conversation_not_found", "{refused}");
    assert!(
        calls.lock().unwrap().typing.is_empty(),
        "chat was not asked"
    );
}

#[tokio::test]
async fn sockets_over_the_per_account_cap_are_refused_until_one_closes() {
    let h = harness(Config {
        max_sockets_per_account: 2,
        ..Config::default()
    });
    let addr = start(&h).await;
    let first = connect(addr, "", Some(&h.token())).await.unwrap();
    let _second = connect(addr, "", Some(&h.token())).await.unwrap();
    let body = refused(
        connect(addr, "", Some(&h.token())).await,
        429,
        "a third socket",
    );
    assert_eq!(body["error"]["code"], "rate_limited");
    drop(first);
    // The slot is given back once the server sees the close.
    let mut admitted = None;
    for _ in 0..50 {
        if let Ok(ws) = connect(addr, "", Some(&h.token())).await {
            admitted = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(admitted.is_some(), "a closed socket frees its place");
}

#[tokio::test]
async fn sockets_over_the_per_address_cap_are_refused() {
    let h = harness(Config {
        max_sockets_per_address: 1,
        ..Config::default()
    });
    let addr = start(&h).await;
    let _only = connect(addr, "", Some(&h.token())).await.unwrap();
    let body = refused(
        connect(addr, "", Some(&h.token())).await,
        429,
        "a second socket from 127.0.0.1",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("address"),
        "{body}"
    );
}

#[tokio::test]
async fn socket_opens_are_limited_per_account_per_minute() {
    let h = harness(Config::default());
    let addr = start(&h).await;
    for i in 0..crate::limits::SOCKET_OPENS.calls {
        let ws = connect(addr, "", Some(&h.token())).await;
        assert!(ws.is_ok(), "open {i}");
    }
    let body = refused(
        connect(addr, "", Some(&h.token())).await,
        429,
        "one open too many",
    );
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn a_revoked_session_is_refused_and_its_sockets_close_with_4001() {
    use gochat_delivery::{Revocation, RevocationFeed};
    let h = harness(Config::default());
    let follower = h.state.clone();
    tokio::spawn(async move { follower.follow_revocations().await });
    let addr = start(&h).await;
    let mut ws = connect(addr, "", Some(&h.token())).await.unwrap();
    h.revocations
        .revoke(&Revocation {
            session_id: SESSION.to_owned(),
            until_ms: now_s() * 1000 + 60_000,
        })
        .await
        .unwrap();
    expect_close(&mut ws, 4001).await;
    let body = refused(
        connect(addr, "", Some(&h.token())).await,
        401,
        "a new socket",
    );
    assert_eq!(body["error"]["code"], "unauthorized");
    let got = call(
        &h.router(),
        authed(&h, axum::http::Method::GET, "/api/v1/conversations", None),
    )
    .await;
    assert_error(&got, axum::http::StatusCode::UNAUTHORIZED, "unauthorized");
}
