//! Extractors whose failures are API errors: JSON bodies, query strings and path segments
//! that answer 400 `invalid_request` (413 for an oversized body) instead of axum's plain
//! text, the authenticated caller, and the client's IP address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header::AUTHORIZATION, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    error::{ApiError, ErrorCode},
    keys::Identity,
    state::AppState,
};

/// A JSON request body; rejections become 400 `invalid_request` or 413 `payload_too_large`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::invalid_request("expected Content-Type: application/json")
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::invalid_request("malformed JSON"),
        JsonRejection::JsonDataError(e) => {
            ApiError::invalid_request(data_error_message(&e.body_text()))
        }
        _ => ApiError::invalid_request("unreadable request body"),
    }
}

/// A message for a body of the wrong shape that names the field but never echoes the
/// submitted value (it could be a password).
fn data_error_message(detail: &str) -> String {
    if let Some(i) = detail.find("missing field") {
        let field = detail[i..].split('`').nth(1).unwrap_or("?");
        return format!("invalid body: missing field `{field}`");
    }
    let path = detail
        .split_once("target type: ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(path, _)| path)
        .filter(|p| !p.contains(' ') && !p.is_empty() && *p != ".");
    match path {
        Some(path) => format!("invalid body: `{path}` has the wrong type or value"),
        None => "invalid body: expected a JSON object with the documented fields".to_owned(),
    }
}

/// A query string; rejections become 400 `invalid_request`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e: QueryRejection| ApiError::invalid_request(e.body_text()))
    }
}

/// A path parameter; rejections become 400 `invalid_request`.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e: PathRejection| ApiError::invalid_request(e.body_text()))
    }
}

/// The caller of an authenticated route, from `Authorization: Bearer <token>`, verified
/// locally with auth's published keys and refused (401 `unauthorized`) once its session has
/// been revoked (logout, a reused refresh token), as the revocation feed tells.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Identity);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("missing bearer access token"))?;
        authenticate(state, token).await.map(Self)
    }
}

/// The identity `token` carries, if its signature and claims check out and its session has
/// not been revoked.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Identity, ApiError> {
    let identity = state.keys().verify(token).await?;
    if state.revoked().contains(&identity.session_id) {
        return Err(ApiError::unauthorized("the session has ended"));
    }
    Ok(identity)
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The client's address: the peer address or, when the configuration trusts proxies in
/// front, the `X-Forwarded-For` entry the outermost of them wrote (see
/// [`forwarded_client`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let config = state.config();
        let forwarded = config
            .trust_forwarded_for
            .then(|| forwarded_client(&parts.headers, config.trusted_proxies))
            .flatten();
        Ok(Self(
            forwarded
                .or(peer)
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// The client address behind `trusted_proxies` trusted proxies: the `X-Forwarded-For` entry
/// that many places from the right (each proxy appends the address it was reached from, so
/// entries further left are whatever the client wrote). `None` (the caller falls back to
/// the peer address) when there are fewer entries or that one does not parse.
pub fn forwarded_client(headers: &HeaderMap, trusted_proxies: usize) -> Option<IpAddr> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let entries: Vec<&str> = value.split(',').map(str::trim).collect();
    let index = entries.len().checked_sub(trusted_proxies.max(1))?;
    entries[index].parse().ok()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(
            bearer_token(&with("authorization", "Bearer abc")),
            Some("abc")
        );
        assert_eq!(
            bearer_token(&with("authorization", "bearer  abc ")),
            Some("abc")
        );
        assert_eq!(
            bearer_token(&with("authorization", "BEARER abc")),
            Some("abc")
        );
        assert_eq!(bearer_token(&with("authorization", "Basic abc")), None);
        assert_eq!(bearer_token(&with("authorization", "Bearer ")), None);
        assert_eq!(bearer_token(&with("authorization", "abc")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn data_errors_name_the_field_but_not_the_value() {
        let missing = "Failed to deserialize the JSON body into the target type: missing field `code` at line 1 column 17";
        assert_eq!(
            data_error_message(missing),
            "invalid body: missing field `code`"
        );
        let wrong = "Failed to deserialize the JSON body into the target type: password: invalid type: integer `12345678`, expected a string at line 1 column 30";
        let message = data_error_message(wrong);
        assert_eq!(
            message,
            "invalid body: `password` has the wrong type or value"
        );
        assert!(!message.contains("12345678"));
        let top = "Failed to deserialize the JSON body into the target type: invalid type: sequence, expected struct X at line 1 column 0";
        assert!(!data_error_message(top).contains("sequence"));
    }

    #[test]
    fn forwarded_for_is_read_from_the_right_past_the_trusted_proxies() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // The client wrote 198.51.100.66; the one trusted proxy appended what it saw.
        let spoofed = with("x-forwarded-for", "198.51.100.66, 203.0.113.9");
        assert_eq!(forwarded_client(&spoofed, 1), ip("203.0.113.9"));
        assert_eq!(forwarded_client(&spoofed, 2), ip("198.51.100.66"));
        assert_eq!(
            forwarded_client(&spoofed, 3),
            None,
            "fewer entries than proxies"
        );
        let two_hops = with("x-forwarded-for", " 203.0.113.9 , 10.0.0.1");
        assert_eq!(forwarded_client(&two_hops, 2), ip("203.0.113.9"));
        assert_eq!(
            forwarded_client(&two_hops, 0),
            ip("10.0.0.1"),
            "0 counts as 1"
        );
        assert_eq!(forwarded_client(&with("x-forwarded-for", "junk"), 1), None);
        assert_eq!(
            forwarded_client(&with("x-forwarded-for", "2001:db8::1"), 1),
            ip("2001:db8::1")
        );
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
    }
}
