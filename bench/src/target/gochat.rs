//! gochat through its public API v1: users signed up, verified (codes read from mail) and
//! logged in over REST, one direct conversation per sender/recipient pair, WebSocket frames.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

use super::{Incoming, Socket, Target, User};

/// Where verification codes arrive.
#[derive(Clone, Debug)]
pub enum Mail {
    /// `gochat local`'s outbox of `.eml` files.
    Outbox(PathBuf),
    /// An SMTP sink's Maildir.
    Maildir(PathBuf),
}

/// A gochat installation: one or more gateways sharing the same backends.
#[derive(Debug)]
pub struct Gochat {
    gateways: Vec<String>,
    mail: Mail,
    http: reqwest::Client,
    run: String,
}

impl Gochat {
    /// Targets the gateways at `gateways` (`http://host:port`), reading codes from `mail`.
    pub fn new(gateways: Vec<String>, mail: Mail) -> anyhow::Result<Self> {
        if gateways.is_empty() {
            bail!("at least one gateway URL is needed");
        }
        Ok(Self {
            gateways,
            mail,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            run: format!("{:x}{:x}", std::process::id(), super::now_us()),
        })
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        client_ip: &str,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.gateways[0]))
            .header("x-forwarded-for", client_ip)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = response.status().as_u16();
        let json = response.json().await.unwrap_or(Value::Null);
        Ok((status, json))
    }

    async fn code_for(&self, email: &str) -> anyhow::Result<String> {
        let timeout = Duration::from_secs(60);
        Ok(match &self.mail {
            Mail::Outbox(dir) => gochat_tests::mail::wait_for_code(dir, email, timeout).await?,
            Mail::Maildir(dir) => {
                gochat_tests::mail::maildir::wait_for_code(dir, email, timeout).await?
            }
        })
    }

    /// Signs up, verifies and logs in user `index`.
    async fn account(&self, index: usize) -> anyhow::Result<User> {
        // Every user from its own address: the per-IP limits on sign-up are not what we measure
        // (the gateway under test trusts X-Forwarded-For).
        let ip = format!(
            "10.{}.{}.{}",
            (index >> 16) & 255,
            (index >> 8) & 255,
            index & 255
        );
        let email = format!("bench-{}-{index}@bench.gochat.test", self.run);
        let password = format!("bench-password-{index}");
        let (status, created) = self
            .post("/api/v1/accounts", None, &ip, json!({"email": email, "password": password, "display_name": format!("user {index}")}))
            .await?;
        if status != 201 {
            bail!("sign-up of {email}: {status} {created}");
        }
        let code = self.code_for(&email).await?;
        let (status, answer) = self
            .post(
                "/api/v1/accounts/verify",
                None,
                &ip,
                json!({"email": email, "code": code}),
            )
            .await?;
        if status != 200 {
            bail!("verify {email}: {status} {answer}");
        }
        let (status, session) = self
            .post(
                "/api/v1/sessions",
                None,
                &ip,
                json!({"email": email, "password": password}),
            )
            .await?;
        if status != 200 {
            bail!("login {email}: {status} {session}");
        }
        Ok(User {
            index,
            id: created["id"].as_str().context("account id")?.to_owned(),
            token: session["access_token"]
                .as_str()
                .context("access token")?
                .to_owned(),
            route: None,
        })
    }
}

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    message: Option<Message<'a>>,
    code: Option<String>,
    #[serde(borrow)]
    client_msg_id: Option<std::borrow::Cow<'a, str>>,
}

/// An `error` frame: its `message` is text, which [`Frame`] (expecting a Message object for
/// `message` and `ack` frames, the hot path) cannot read.
#[derive(Deserialize)]
struct ErrorFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    code: Option<String>,
    #[serde(borrow)]
    client_msg_id: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    sender_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    body: std::borrow::Cow<'a, str>,
}

#[async_trait]
impl Target for Gochat {
    fn name(&self) -> &str {
        "gochat"
    }

    async fn prepare(&self, count: usize) -> anyhow::Result<Vec<User>> {
        let mut users: Vec<User> = stream::iter(0..count)
            .map(|i| self.account(i))
            .buffer_unordered(16)
            .try_collect()
            .await?;
        users.sort_by_key(|u| u.index);
        let half = count / 2;
        let routes: Vec<String> = stream::iter(0..half)
            .map(|i| {
                let (sender, peer) = (&users[i], &users[i + half]);
                let ip = format!("10.255.{}.{}", (i >> 8) & 255, i & 255);
                async move {
                    let (status, conversation) = self
                        .post(
                            "/api/v1/conversations",
                            Some(&sender.token),
                            &ip,
                            json!({"member_ids": [peer.id]}),
                        )
                        .await?;
                    if status != 201 && status != 200 {
                        bail!("direct conversation {i}: {status} {conversation}");
                    }
                    Ok(conversation["id"]
                        .as_str()
                        .context("conversation id")?
                        .to_owned())
                }
            })
            .buffered(16)
            .try_collect()
            .await?;
        for (user, route) in users.iter_mut().zip(routes) {
            user.route = Some(route);
        }
        Ok(users)
    }

    async fn connect(&self, user: &User) -> anyhow::Result<Socket> {
        // Users alternate between gateways, so a sender and its peer may sit on different ones.
        let gateway = &self.gateways[user.index % self.gateways.len()];
        let url = format!("{}/api/v1/ws", gateway.replacen("http", "ws", 1));
        let mut request = url.into_client_request()?;
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {}", user.token))?,
        );
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
        Ok(socket)
    }

    fn send_frame(&self, user: &User, id: u64, body: &str) -> String {
        json!({
            "type": "send",
            "conversation_id": user.route.as_deref().unwrap_or_default(),
            "body": body,
            "client_msg_id": id.to_string(),
        })
        .to_string()
    }

    fn parse(&self, user: &User, text: &str, out: &mut Vec<Incoming>) {
        let Ok(frame) = serde_json::from_str::<Frame<'_>>(text) else {
            out.push(match serde_json::from_str::<ErrorFrame<'_>>(text) {
                Ok(e) if e.kind == "error" => Incoming::Error(
                    e.code.unwrap_or_default(),
                    e.client_msg_id.as_deref().and_then(|id| id.parse().ok()),
                ),
                _ => Incoming::Error("unparsable_frame".to_owned(), None),
            });
            return;
        };
        let seq = frame
            .client_msg_id
            .as_deref()
            .and_then(|id| id.parse().ok());
        out.push(match (frame.kind, frame.message) {
            ("ack", _) => Incoming::Ack(seq),
            ("message", Some(m)) if m.sender_id != user.id => {
                Incoming::Delivered(m.body.into_owned())
            }
            ("error", _) => Incoming::Error(frame.code.unwrap_or_default(), seq),
            _ => Incoming::Ignored,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Incoming> {
        let gochat = Gochat::new(
            vec!["http://127.0.0.1:1".to_owned()],
            Mail::Outbox("unused".into()),
        )
        .unwrap();
        let me = User {
            index: 0,
            id: "me".to_owned(),
            token: String::new(),
            route: None,
        };
        let mut out = Vec::new();
        gochat.parse(&me, text, &mut out);
        out
    }

    #[test]
    fn acks_and_refusals_name_their_send_and_messages_their_body() {
        let message = r#"{"id":"m1","conversation_id":"c","sender_id":"peer","body":"7:100","client_msg_id":"7","sent_at":"t"}"#;
        assert_eq!(
            parse(&format!(
                r#"{{"type":"ack","client_msg_id":"7","message":{message}}}"#
            )),
            [Incoming::Ack(Some(7))]
        );
        assert_eq!(
            parse(&format!(
                r#"{{"type":"message","event_id":"e","message":{message}}}"#
            )),
            [Incoming::Delivered("7:100".to_owned())]
        );
        assert_eq!(
            parse(
                r#"{"type":"error","code":"unavailable","message":"at capacity","client_msg_id":"8","retry_after_ms":1000}"#
            ),
            [Incoming::Error("unavailable".to_owned(), Some(8))]
        );
        assert_eq!(
            parse("not json"),
            [Incoming::Error("unparsable_frame".to_owned(), None)]
        );
    }
}
