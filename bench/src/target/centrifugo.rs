//! Centrifugo, the peer: each user is subscribed to its personal channel `personal:<id>`
//! through its connection token, and a sender publishes into its peer's channel over its
//! own WebSocket (JSON protocol, one command per line).

use anyhow::{Context, bail};
use async_trait::async_trait;
use futures::{SinkExt, StreamExt};
use jsonwebtoken::{EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{Incoming, Socket, Target, User};

/// The namespace of personal channels.
const NAMESPACE: &str = "personal";

/// A Centrifugo server.
#[derive(Debug)]
pub struct Centrifugo {
    url: String,
    key: EncodingKey,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: u64,
    channels: [String; 1],
}

impl Centrifugo {
    /// Targets the WebSocket endpoint `url`, signing connection tokens with `secret` (HS256).
    pub fn new(url: String, secret: &str) -> Self {
        Self {
            url,
            key: EncodingKey::from_secret(secret.as_bytes()),
        }
    }

    fn token(&self, id: &str) -> anyhow::Result<String> {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
            + 6 * 3600;
        let claims = Claims {
            sub: id,
            exp,
            channels: [format!("{NAMESPACE}:{id}")],
        };
        Ok(jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &self.key,
        )?)
    }
}

/// The command id of the send with sequence number `seq`: command ids are uint32 and 1 is the
/// connect, so sends wrap above it.
fn command_id(seq: u64) -> u64 {
    (seq % u64::from(u32::MAX - 2)) + 2
}

/// The sequence number of the send a reply with command id `id` answers (exact while
/// sequence numbers stay below 2^32 - 2, as in any run).
fn seq_of_command(id: u32) -> Option<u64> {
    u64::from(id).checked_sub(2).filter(|seq| *seq > 0)
}

#[derive(Deserialize)]
struct Reply {
    id: Option<u32>,
    error: Option<Value>,
    publish: Option<Value>,
    push: Option<Push>,
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "pub")]
    publication: Option<Publication>,
}

#[derive(Deserialize)]
struct Publication {
    data: Value,
}

#[async_trait]
impl Target for Centrifugo {
    fn name(&self) -> &str {
        "centrifugo"
    }

    async fn prepare(&self, count: usize) -> anyhow::Result<Vec<User>> {
        let half = count / 2;
        (0..count)
            .map(|index| {
                let id = format!("u{index}");
                Ok(User {
                    index,
                    token: self.token(&id)?,
                    route: (index < half).then(|| format!("{NAMESPACE}:u{}", index + half)),
                    id,
                })
            })
            .collect()
    }

    async fn connect(&self, user: &User) -> anyhow::Result<Socket> {
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(self.url.as_str(), None, true).await?;
        let connect = json!({"id": 1, "connect": {"token": user.token, "name": "gochat-bench"}});
        socket.send(Message::text(connect.to_string())).await?;
        while let Some(frame) = socket.next().await {
            let Message::Text(text) = frame? else {
                continue;
            };
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let reply: Value = serde_json::from_str(line).context("connect reply")?;
                if reply["id"] == 1 {
                    if !reply["error"].is_null() {
                        bail!("connect refused: {}", reply["error"]);
                    }
                    return Ok(socket);
                }
            }
        }
        bail!("the server closed the socket before answering connect")
    }

    fn send_frame(&self, user: &User, id: u64, body: &str) -> String {
        let command = command_id(id);
        json!({
            "id": command,
            "publish": {"channel": user.route.as_deref().unwrap_or_default(), "data": {"b": body}},
        })
        .to_string()
    }

    fn parse(&self, _user: &User, text: &str, out: &mut Vec<Incoming>) {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            // The JSON protocol's ping is an empty object, answered by one.
            if line == "{}" {
                out.push(Incoming::Reply("{}".to_owned()));
                continue;
            }
            let Ok(reply) = serde_json::from_str::<Reply>(line) else {
                out.push(Incoming::Error("unparsable_frame".to_owned(), None));
                continue;
            };
            let seq = reply.id.and_then(seq_of_command);
            out.push(if let Some(error) = reply.error {
                Incoming::Error(error["code"].to_string(), seq)
            } else if reply.id.is_some() && reply.publish.is_some() {
                Incoming::Ack(seq)
            } else if let Some(data) = reply.push.and_then(|p| p.publication).map(|p| p.data) {
                match data["b"].as_str() {
                    Some(body) => Incoming::Delivered(body.to_owned()),
                    None => Incoming::Ignored,
                }
            } else {
                Incoming::Ignored
            });
        }
    }
}
