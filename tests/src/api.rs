//! A thin HTTP client for the public API: one method per call of `api-v1.md`, each returning the
//! raw answer (status, headers, JSON) so tests can assert on every part of it.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, Url};
use serde_json::{Value, json};

use crate::HarnessError;

/// One HTTP answer: status, headers and body (parsed as JSON when it is JSON).
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body parsed as JSON; `Value::Null` when empty or not JSON (see `text`).
    pub json: Value,
    /// The body as text.
    pub text: String,
}

impl ApiResponse {
    /// A header's value as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The string at `pointer` (a JSON pointer such as `/access_token`), or an error naming it.
    pub fn str_at(&self, pointer: &str) -> Result<String, HarnessError> {
        self.json
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                HarnessError::Unexpected(format!(
                    "no string at {pointer} in HTTP {} answer {}",
                    self.status, self.text
                ))
            })
    }
}

/// An HTTP client bound to one server's base URL.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
}

impl ApiClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8080`); proxies are ignored.
    pub fn new(base_url: &str) -> Result<Self, HarnessError> {
        let base = Url::parse(base_url).map_err(|e| HarnessError::Url {
            url: base_url.to_owned(),
            reason: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| HarnessError::Unexpected(format!("HTTP client: {e}")))?;
        Ok(Self { http, base })
    }

    /// The absolute URL of `path_and_query` on this server.
    pub fn url(&self, path_and_query: &str) -> Result<Url, HarnessError> {
        self.base
            .join(path_and_query)
            .map_err(|e| HarnessError::Url {
                url: path_and_query.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Sends any request: `body` as JSON when given, `token` as a Bearer token when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<ApiResponse, HarnessError> {
        let raw = body.map(Value::to_string);
        self.call_raw(method, path, token, raw.as_deref()).await
    }

    /// Sends `body` verbatim as `application/json` (for malformed-JSON tests).
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Result<ApiResponse, HarnessError> {
        let url = self.url(path)?;
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        let http_err = |source| HarnessError::Http {
            method: method.to_string(),
            url: url.to_string(),
            source,
        };
        let response = request.send().await.map_err(http_err)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(http_err)?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(ApiResponse {
            status,
            headers,
            json,
            text,
        })
    }

    /// `GET path` without a token.
    pub async fn get(&self, path: &str) -> Result<ApiResponse, HarnessError> {
        self.call(Method::GET, path, None, None).await
    }

    /// `POST path` with a JSON body and an optional token.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<ApiResponse, HarnessError> {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// `POST /api/v1/accounts`.
    pub async fn signup(
        &self,
        email: &str,
        password: &str,
        display_name: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let body = json!({"email": email, "password": password, "display_name": display_name});
        self.post("/api/v1/accounts", None, &body).await
    }

    /// `POST /api/v1/accounts/verify`.
    pub async fn verify(&self, email: &str, code: &str) -> Result<ApiResponse, HarnessError> {
        let body = json!({"email": email, "code": code});
        self.post("/api/v1/accounts/verify", None, &body).await
    }

    /// `POST /api/v1/accounts/verification-code` (ask for a fresh code).
    pub async fn resend_code(&self, email: &str) -> Result<ApiResponse, HarnessError> {
        let body = json!({"email": email});
        self.post("/api/v1/accounts/verification-code", None, &body)
            .await
    }

    /// `POST /api/v1/sessions` (log in).
    pub async fn login(&self, email: &str, password: &str) -> Result<ApiResponse, HarnessError> {
        let body = json!({"email": email, "password": password});
        self.post("/api/v1/sessions", None, &body).await
    }

    /// `POST /api/v1/sessions/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<ApiResponse, HarnessError> {
        let body = json!({"refresh_token": refresh_token});
        self.post("/api/v1/sessions/refresh", None, &body).await
    }

    /// `DELETE /api/v1/sessions/current` (log out).
    pub async fn logout(&self, token: Option<&str>) -> Result<ApiResponse, HarnessError> {
        self.call(Method::DELETE, "/api/v1/sessions/current", token, None)
            .await
    }

    /// `GET /api/v1/me`.
    pub async fn me(&self, token: Option<&str>) -> Result<ApiResponse, HarnessError> {
        self.call(Method::GET, "/api/v1/me", token, None).await
    }

    /// `GET /api/v1/users/lookup?email=E`.
    pub async fn lookup(&self, token: &str, email: &str) -> Result<ApiResponse, HarnessError> {
        let mut url = self.url("/api/v1/users/lookup")?;
        url.query_pairs_mut().append_pair("email", email);
        self.call(Method::GET, &path_and_query(&url), Some(token), None)
            .await
    }

    /// `POST /api/v1/conversations`; `title` is left out when `None`.
    pub async fn create_conversation(
        &self,
        token: &str,
        member_ids: &[&str],
        title: Option<&str>,
    ) -> Result<ApiResponse, HarnessError> {
        let mut body = json!({"member_ids": member_ids});
        if let Some(title) = title {
            body["title"] = json!(title);
        }
        self.post("/api/v1/conversations", Some(token), &body).await
    }

    /// `GET /api/v1/conversations`.
    pub async fn conversations(&self, token: Option<&str>) -> Result<ApiResponse, HarnessError> {
        self.call(Method::GET, "/api/v1/conversations", token, None)
            .await
    }

    /// `POST /api/v1/conversations/{id}/messages`.
    pub async fn send(
        &self,
        token: &str,
        conversation_id: &str,
        body: &str,
        client_msg_id: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let path = format!(
            "/api/v1/conversations/{}/messages",
            segment(conversation_id)
        );
        let json = json!({"body": body, "client_msg_id": client_msg_id});
        self.post(&path, Some(token), &json).await
    }

    /// `GET /api/v1/conversations/{id}/messages` with optional `before` and `limit`.
    pub async fn history(
        &self,
        token: &str,
        conversation_id: &str,
        before: Option<&str>,
        limit: Option<&str>,
    ) -> Result<ApiResponse, HarnessError> {
        let path = format!(
            "/api/v1/conversations/{}/messages",
            segment(conversation_id)
        );
        let mut url = self.url(&path)?;
        if let Some(before) = before {
            url.query_pairs_mut().append_pair("before", before);
        }
        if let Some(limit) = limit {
            url.query_pairs_mut().append_pair("limit", limit);
        }
        self.call(Method::GET, &path_and_query(&url), Some(token), None)
            .await
    }

    /// `PATCH /api/v1/conversations/{id}/messages/{message_id}`.
    pub async fn edit(
        &self,
        token: &str,
        conversation_id: &str,
        message_id: &str,
        body: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let path = message_path(conversation_id, message_id);
        let json = json!({"body": body});
        self.call(Method::PATCH, &path, Some(token), Some(&json))
            .await
    }

    /// `DELETE /api/v1/conversations/{id}/messages/{message_id}`.
    pub async fn delete_message(
        &self,
        token: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let path = message_path(conversation_id, message_id);
        self.call(Method::DELETE, &path, Some(token), None).await
    }

    /// `POST /api/v1/conversations/{id}/read`.
    pub async fn mark_read(
        &self,
        token: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let path = format!("/api/v1/conversations/{}/read", segment(conversation_id));
        let json = json!({"message_id": message_id});
        self.post(&path, Some(token), &json).await
    }

    /// `GET /api/v1/conversations/{id}/members`.
    pub async fn members(
        &self,
        token: &str,
        conversation_id: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let path = format!("/api/v1/conversations/{}/members", segment(conversation_id));
        self.call(Method::GET, &path, Some(token), None).await
    }

    /// `POST /api/v1/messages` (send in the direct conversation with `recipient_id`).
    pub async fn send_direct(
        &self,
        token: &str,
        recipient_id: &str,
        body: &str,
        client_msg_id: &str,
    ) -> Result<ApiResponse, HarnessError> {
        let json =
            json!({"recipient_id": recipient_id, "body": body, "client_msg_id": client_msg_id});
        self.post("/api/v1/messages", Some(token), &json).await
    }
}

/// The path and query of `url`, for [`ApiClient::call`].
fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The path of one message.
fn message_path(conversation_id: &str, message_id: &str) -> String {
    format!(
        "/api/v1/conversations/{}/messages/{}",
        segment(conversation_id),
        segment(message_id)
    )
}

/// Percent-encodes an opaque id for use as one path segment.
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
