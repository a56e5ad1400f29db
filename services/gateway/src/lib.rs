//! gochat's gateway: the public API v1 (REST and WebSocket) in front of the auth and chat
//! services. It checks access tokens locally with auth's published keys, applies the
//! API's rate limits, maps every failure to the contract's error codes, and streams each
//! user's delivery events down their sockets with replay on reconnect.
//!
//! [`serve`] runs it; [`router`] builds the same API for in-process tests.
#![forbid(unsafe_code)]

mod config;
mod dto;
mod error;
mod extract;
mod keys;
mod limits;
mod log_summary;
mod metrics;
mod observe;
mod openapi;
mod peer_error;
pub mod rate_limit;
mod revoked;
mod routes;
mod send_budget;
mod state;
mod time;
mod ws;

#[cfg(test)]
mod tests;

use gochat_runtime::{Readiness, Shutdown};
use tokio::net::TcpListener;

pub use config::{
    Config, MIN_AUTH_PER_ACCOUNT_PER_MINUTE, MIN_AUTH_PER_IP_PER_MINUTE, MIN_SEND_RATE_PER_SECOND,
};
pub use error::{ApiError, ErrorBody, ErrorCode, ErrorDetail};
pub use keys::{Identity, KeysError};
pub use openapi::ApiDoc;
pub use state::{AppState, Backends, Peers};
pub use time::rfc3339_ms;

/// Why the gateway stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The HTTP server failed.
    #[error("gateway HTTP server: {0}")]
    Io(#[from] std::io::Error),
}

/// The API v1 router (REST, WebSocket, `/openapi.json`) with JSON 404/405 answers.
pub fn router(state: AppState) -> axum::Router {
    routes::finish(routes::api_routes(state))
}

/// Serves API v1 and the ops endpoints (`/healthz`, `/readyz`, `/metrics`) on `listener`
/// until `shutdown` fires; open sockets are closed with 1001. Adds the gateway's checks
/// (verification keys loaded, revocation feed read, rate-limit store, event log) to
/// `readiness`, fetches the verification keys from auth in the background, retrying until
/// they come (until then `/readyz` fails and authenticated calls answer 503
/// `unavailable`), and follows the revocation feed.
pub async fn serve(
    config: Config,
    backends: Backends,
    peers: Peers,
    listener: TcpListener,
    mut readiness: Readiness,
    shutdown: Shutdown,
) -> Result<(), Error> {
    metrics::register();
    let state = AppState::new(config, backends, peers, shutdown.clone());
    readiness.extend(state.readiness_checks());
    let loader = state.clone();
    let keys_task = tokio::spawn(async move { loader.load_verification_keys().await });
    let follower = state.clone();
    let revocations_task = tokio::spawn(async move { follower.follow_revocations().await });
    let app =
        routes::finish(routes::api_routes(state).merge(gochat_runtime::ops::router(readiness)));
    let served = gochat_runtime::ops::serve_http(listener, app, shutdown).await;
    keys_task.abort();
    revocations_task.abort();
    served.map_err(Error::from)
}
