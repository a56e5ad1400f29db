//! Shared test plumbing: state with unreachable peers, signed tokens, request helpers.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode},
};
use gochat_delivery::MemoryRevocations;
use gochat_proto::{
    auth::v1::{GetVerificationKeysResponse, auth_service_client::AuthServiceClient},
    chat::v1::chat_service_client::ChatServiceClient,
};
use gochat_runtime::Shutdown;
use gochat_tokens::{Claims, SigningKey};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::fake_log::FakeLog;
use crate::{AppState, Backends, Config, Peers, rate_limit::MemoryRateLimitStore};

pub const ISSUER: &str = "gochat";
pub const AUDIENCE: &str = "gochat-api";
pub const ME: &str = "0190a5e0-0000-7000-8000-000000000001";

/// Everything a test needs around one gateway state.
pub struct Harness {
    pub state: AppState,
    pub key: SigningKey,
    pub log: FakeLog,
    /// The revocation feed the state follows once a test starts its follower.
    pub revocations: Arc<MemoryRevocations>,
    pub shutdown: Shutdown,
}

/// Peers on a port nothing listens on (port 1, which no test binds, unlike an ephemeral
/// port that another test could take): calls fail fast with `Unavailable`.
pub fn unreachable_peers() -> Peers {
    let channel = gochat_runtime::grpc::channel("http://127.0.0.1:1").unwrap();
    Peers {
        auth: AuthServiceClient::new(channel.clone()),
        chat: ChatServiceClient::new(channel),
    }
}

/// What `GetVerificationKeys` would answer for `key`.
pub fn keys_response(key: &SigningKey) -> GetVerificationKeysResponse {
    GetVerificationKeysResponse {
        keys: vec![key.verification_key()],
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
    }
}

/// A harness without verification keys.
pub fn harness_without_keys(config: Config) -> Harness {
    let log = FakeLog::default();
    let revocations = Arc::new(MemoryRevocations::default());
    let shutdown = Shutdown::new();
    let backends = Backends {
        events: Arc::new(log.clone()),
        rate_limits: Arc::new(MemoryRateLimitStore::new()),
        revocations: revocations.clone(),
    };
    let state = AppState::new(config, backends, unreachable_peers(), shutdown.clone());
    Harness {
        state,
        key: SigningKey::generate().unwrap(),
        log,
        revocations,
        shutdown,
    }
}

/// A harness whose verification keys are loaded.
pub fn harness(config: Config) -> Harness {
    let h = harness_without_keys(config);
    h.state
        .install_verification_keys(keys_response(&h.key))
        .unwrap();
    h
}

/// The session of the harness's tokens.
pub const SESSION: &str = "session-1";

pub fn now_s() -> u64 {
    u64::try_from(gochat_runtime::clock::now_ms()).unwrap() / 1000
}

/// A token for `ME` signed by `key`, expiring at `exp`.
pub fn token_with(key: &SigningKey, exp: u64) -> String {
    key.sign(&Claims {
        sub: ME.into(),
        sid: SESSION.into(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now_s(),
        exp,
    })
    .unwrap()
}

impl Harness {
    /// A valid token for `ME`.
    pub fn token(&self) -> String {
        token_with(&self.key, now_s() + 900)
    }

    pub fn router(&self) -> Router {
        crate::router(self.state.clone())
    }
}

/// A request builder with a peer address, as `serve` would give.
pub fn request(method: Method, uri: &str) -> axum::http::request::Builder {
    let mut b = Request::builder().method(method).uri(uri);
    let peer: SocketAddr = "198.51.100.7:40000".parse().unwrap();
    b.extensions_mut().unwrap().insert(ConnectInfo(peer));
    b
}

/// A JSON POST.
pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    request(Method::POST, uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// Sends `req` through `router`; returns status, headers and the body as JSON
/// (`Value::Null` for an empty body).
pub async fn call(router: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, headers, json)
}

/// Asserts an error answer with `status` and `code`.
pub fn assert_error(got: &(StatusCode, HeaderMap, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "body: {}", got.2);
    assert_eq!(got.2["error"]["code"], code, "body: {}", got.2);
    assert!(got.2["error"]["message"].is_string());
}

/// A harness whose peers are the scripted fakes of `fake_peers`, keys loaded from them.
pub async fn harness_with_fake_peers(
    config: Config,
) -> (Harness, Arc<std::sync::Mutex<super::fake_peers::Calls>>) {
    harness_with_fake_peers_and(config, Arc::new(MemoryRateLimitStore::new())).await
}

/// [`harness_with_fake_peers`] over the rate-limit store `rate_limits`.
pub async fn harness_with_fake_peers_and(
    config: Config,
    rate_limits: Arc<dyn crate::rate_limit::RateLimitStore>,
) -> (Harness, Arc<std::sync::Mutex<super::fake_peers::Calls>>) {
    let key = SigningKey::generate().unwrap();
    let shutdown = Shutdown::new();
    let (peers, calls) = super::fake_peers::start(keys_response(&key), &shutdown).await;
    let log = FakeLog::default();
    let revocations = Arc::new(MemoryRevocations::default());
    let backends = Backends {
        events: Arc::new(log.clone()),
        rate_limits,
        revocations: revocations.clone(),
    };
    let state = AppState::new(config, backends, peers, shutdown.clone());
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        state.load_verification_keys(),
    )
    .await
    .expect("keys load from the fake auth");
    let h = Harness {
        state,
        key,
        log,
        revocations,
        shutdown,
    };
    (h, calls)
}

/// A request with `ME`'s bearer token and an optional JSON body.
pub fn authed(h: &Harness, method: Method, uri: &str, body: Option<&str>) -> Request<Body> {
    let mut b = request(method, uri).header("authorization", format!("Bearer {}", h.token()));
    if body.is_some() {
        b = b.header("content-type", "application/json");
    }
    b.body(Body::from(body.unwrap_or_default().to_owned()))
        .unwrap()
}
