//! Presence: whether the people one chats with are online, and when they were last seen.

use std::collections::HashSet;

use axum::{Json, extract::State};
use gochat_proto::chat::v1::ListContactsRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    dto::{PresenceJson, PresenceListJson},
    error::{ApiError, ErrorBody, ErrorCode},
    extract::{ApiQuery, Authenticated},
    limits::{READS, check},
    state::AppState,
    time::rfc3339_ms,
};

/// Most users one presence call may ask about.
const MAX_USERS: usize = 100;

/// Query of `GET /api/v1/presence`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresenceQuery {
    /// Comma-separated user ids (1 to 100, repeats count once): the caller, or people who
    /// share a conversation with the caller.
    #[param(required = true, pattern = r"^[^,]+(,[^,]+){0,99}$")]
    pub user_ids: Option<String>,
}

/// The presence of users who share a conversation with the caller (or the caller's own).
#[utoipa::path(get, path = "/api/v1/presence", operation_id = "getPresence", tag = "presence",
    security(("bearer" = [])),
    params(PresenceQuery),
    responses(
        (status = 200, description = "Each asked user's presence, in the order asked", body = PresenceListJson),
        (status = 400, description = "invalid_request (no ids, more than 100)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 404, description = "user_not_found: an id that shares no conversation with the caller", body = ErrorBody),
        (status = 429, description = "rate_limited", body = ErrorBody),
        (status = 503, description = "unavailable", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(me): Authenticated,
    ApiQuery(query): ApiQuery<PresenceQuery>,
) -> Result<Json<PresenceListJson>, ApiError> {
    check(&state, &READS, &me.account_id).await?;
    let ids = parse_ids(query.user_ids.as_deref())?;
    let contacts = state
        .chat()
        .list_contacts(ListContactsRequest {
            user_id: me.account_id.clone(),
        })
        .await?
        .into_inner()
        .user_ids;
    let known: HashSet<&str> = contacts.iter().map(String::as_str).collect();
    if ids
        .iter()
        .any(|id| *id != me.account_id && !known.contains(id.as_str()))
    {
        return Err(ApiError::new(
            ErrorCode::UserNotFound,
            "no user with that id shares a conversation with you",
        ));
    }
    let found = state.events().presence(&ids).await.map_err(|e| {
        tracing::warn!(error = %e, "reading presence failed");
        ApiError::unavailable("presence is unavailable; retry later")
    })?;
    let presence = ids
        .into_iter()
        .zip(found)
        .map(|(user_id, p)| PresenceJson {
            user_id,
            status: if p.online { "online" } else { "offline" }.to_owned(),
            last_seen_at: p
                .last_seen_ms
                .and_then(|ms| i64::try_from(ms).ok())
                .map(rfc3339_ms),
        })
        .collect();
    Ok(Json(PresenceListJson { presence }))
}

/// The ids of `user_ids`: comma-separated, none empty, 1 to [`MAX_USERS`], repeats kept
/// once.
fn parse_ids(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::invalid_request("user_ids is required"));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for id in raw.split(',') {
        if id.is_empty() {
            return Err(ApiError::invalid_request("user_ids has an empty id"));
        }
        if seen.insert(id) {
            ids.push(id.to_owned());
        }
    }
    if ids.len() > MAX_USERS {
        return Err(ApiError::invalid_request(
            "user_ids names more than 100 users",
        ));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_comma_separated_non_empty_and_bounded() {
        assert_eq!(parse_ids(Some("a,b,a")).unwrap(), ["a", "b"]);
        for bad in [None, Some(""), Some("a,,b"), Some(","), Some("a,")] {
            assert_eq!(
                parse_ids(bad).unwrap_err().code,
                ErrorCode::InvalidRequest,
                "{bad:?}"
            );
        }
        let many: Vec<String> = (0..=MAX_USERS).map(|n| n.to_string()).collect();
        assert!(parse_ids(Some(&many.join(","))).is_err());
        assert_eq!(
            parse_ids(Some(&many[..MAX_USERS].join(","))).unwrap().len(),
            MAX_USERS
        );
    }
}
