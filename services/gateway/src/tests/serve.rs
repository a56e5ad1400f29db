//! `serve`: API and ops endpoints on one port, readiness, shutdown.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use super::{fake_log::FakeLog, support::*};
use crate::{Backends, Config, rate_limit::MemoryRateLimitStore};

/// One HTTP/1.1 exchange; returns the status code and the body.
async fn http(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn serves_api_and_ops_on_one_port_and_is_unready_without_keys() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = gochat_runtime::Shutdown::new();
    let backends = Backends {
        events: std::sync::Arc::new(FakeLog::default()),
        rate_limits: std::sync::Arc::new(MemoryRateLimitStore::new()),
        revocations: std::sync::Arc::new(gochat_delivery::MemoryRevocations::default()),
    };
    let server = tokio::spawn(crate::serve(
        Config::default(),
        backends,
        unreachable_peers(),
        listener,
        gochat_runtime::Readiness::new(),
        shutdown.clone(),
    ));

    let (status, body) = http(addr, "GET", "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, "ok\n");
    let (status, body) = http(addr, "GET", "/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("verification keys loaded"), "{body}");
    let (status, body) = http(addr, "GET", "/metrics").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("gochat_ws_open_sockets"), "{body}");
    assert!(
        body.contains("gochat_messages_delivered_total{source=\"live\"}"),
        "registered before the first delivery: {body}"
    );
    let (status, body) = http(addr, "GET", "/api/v1/me").await;
    assert_eq!(status, 401, "{body}");
    let (_, metrics) = http(addr, "GET", "/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("gochat_http_requests_total{")
                && l.contains("route=\"/api/v1/me\"")
                && l.contains("status=\"401\"")),
        "{metrics}"
    );
    let (status, body) = http(addr, "GET", "/nowhere").await;
    assert_eq!(status, 404);
    assert!(body.contains("\"not_found\""), "{body}");
    let (status, body) = http(addr, "POST", "/healthz").await;
    assert_eq!(status, 405);
    assert!(body.contains("\"method_not_allowed\""), "{body}");
    let (status, body) = http(addr, "GET", "/openapi.json").await;
    assert_eq!(status, 200);
    assert!(body.contains("/api/v1/ws"));

    shutdown.trigger();
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve stops on shutdown")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}
