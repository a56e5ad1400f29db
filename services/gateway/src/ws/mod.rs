//! The real-time API: `GET /api/v1/ws`. Authentication and `since` are checked before the
//! upgrade, so a bad request gets a JSON error instead of a socket.

use std::{net::IpAddr, time::Duration};

use axum::{
    extract::{
        State,
        ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use gochat_delivery::EventId;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    error::{ApiError, ErrorBody},
    extract::{ApiQuery, ClientIp, authenticate, bearer_token},
    limits::{SOCKET_OPENS, check},
    state::AppState,
    ws::socket_caps::Refusal,
};

mod frame_queue;
pub mod protocol;
mod push;
mod replay;
mod session;
mod signals;
pub(crate) mod socket_caps;

/// Query of `GET /api/v1/ws`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// The access token, for clients that cannot set `Authorization` (browsers).
    pub access_token: Option<String>,
    /// Resume after this event id (`<ms>` or `<ms>-<seq>`, each fitting in 64 bits):
    /// retained events after it are replayed first.
    #[param(pattern = r"^[0-9]{1,20}(-[0-9]{1,20})?$")]
    pub since: Option<String>,
}

/// Initial read buffer of a socket (grows for larger frames): client frames are a few hundred
/// bytes, and every idle socket keeps this much.
const WS_READ_BUFFER_BYTES: usize = 1024;
/// Bytes a socket's writer gathers before writing them out (it flushes after each batch of
/// queued frames).
const WS_WRITE_BUFFER_BYTES: usize = 8 * 1024;

/// Opens the event socket. Server frames: `{"type":"message","event_id","message"}`,
/// `{"type":"ack","client_msg_id","message"}`, `{"type":"error","code","message"}`, and the
/// additions: `message_edited` and `message_deleted` (`event_id`, `message`), `read`
/// (`event_id`, `conversation_id`, `user_id`, `message_id`), `member_added` (`event_id`,
/// `conversation_id`, `user_ids`, `by`, `member_ids`), `member_removed` (`event_id`,
/// `conversation_id`, `user_id`, `by`, `member_ids`), and the unlogged `typing`
/// (`conversation_id`, `user_id`) and `presence` (`user_id`, `status`, `last_seen_at`).
/// Client frames: `{"type":"send","conversation_id","body","client_msg_id"}` and
/// `{"type":"typing","conversation_id"}`. A socket closes with 4001 when the access token
/// expires or its session is revoked (logout), and with 1013 when it falls behind.
#[utoipa::path(get, path = "/api/v1/ws", operation_id = "openSocket", tag = "realtime",
    security(("bearer" = [])),
    params(WsQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "invalid_request (bad since, not an upgrade)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 429, description = "rate_limited: too many sockets opened in the last minute, or open now, by this account or address", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn upgrade(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<WsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match accept(&state, ip, &headers, query, upgrade).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// How long a client refused for holding too many sockets is told to wait.
const SOCKET_CAP_RETRY: Duration = Duration::from_secs(5);

async fn accept(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    query: WsQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let token = bearer_token(headers)
        .or(query.access_token.as_deref().filter(|t| !t.is_empty()))
        .ok_or_else(|| ApiError::unauthorized("missing access token"))?;
    let identity = authenticate(state, token).await?;
    let since = query
        .since
        .map(|s| s.parse::<EventId>())
        .transpose()
        .map_err(|_| ApiError::invalid_request("since is not an event id"))?;
    let upgrade =
        upgrade.map_err(|_| ApiError::invalid_request("expected a WebSocket upgrade request"))?;
    check(state, &SOCKET_OPENS, &identity.account_id).await?;
    let slot = state
        .sockets()
        .admit(&identity.account_id, ip)
        .map_err(|refusal| {
            let holder = match refusal {
                Refusal::Account => "this account",
                Refusal::Address => "this address",
            };
            ApiError::rate_limited(SOCKET_CAP_RETRY).with_message(format!(
                "{holder} holds the most sockets allowed open at once"
            ))
        })?;
    // Subscribed before the 101: every event published once the client holds the socket
    // reaches it live, so a send right after connecting is seen.
    let live = state
        .events()
        .subscribe(&identity.account_id)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "subscribing a socket failed");
            ApiError::unavailable("delivery is unavailable; reconnect later")
        })?;
    let config = state.config();
    let state = state.clone();
    Ok(upgrade
        .max_message_size(config.ws_max_message_bytes)
        .max_frame_size(config.ws_max_message_bytes)
        // tungstenite's defaults reserve 128 KiB per socket for reading; frames here are small
        // (64 KiB at most), and idle sockets must stay cheap.
        .read_buffer_size(WS_READ_BUFFER_BYTES)
        .write_buffer_size(WS_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            session::run(socket, state, identity, live, since).await;
            drop(slot);
        }))
}
