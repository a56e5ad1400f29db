//! The operations endpoints every service serves on its HTTP port:
//! `/healthz` (alive), `/readyz` (backends answer), `/metrics` (Prometheus text).

use axum::{
    Router, extract::State, http::StatusCode, response::IntoResponse, routing::get,
    serve::ListenerExt,
};
use tokio::net::TcpListener;

use crate::{Readiness, Shutdown};

/// The ops routes, to serve alone or merge into a service's own router.
pub fn router(readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(readiness)
}

async fn readyz(State(readiness): State<Readiness>) -> impl IntoResponse {
    let failures = readiness.failures().await;
    if failures.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        let text: String = failures
            .iter()
            .map(|(name, why)| format!("{name}: {why}\n"))
            .collect();
        (StatusCode::SERVICE_UNAVAILABLE, text)
    }
}

async fn metrics() -> impl IntoResponse {
    match gochat_telemetry::metrics::render() {
        Ok(text) => (
            StatusCode::OK,
            [(http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Serves `router` on `listener` until `shutdown` fires, then lets open requests finish.
/// Nagle's algorithm is off on every connection: WebSocket frames and small responses go
/// out at once instead of waiting for the peer's delayed ACK (up to 40 ms).
pub async fn serve_http(
    listener: TcpListener,
    router: Router,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.wait_owned())
    .await
}
