//! Reading what the SMTP sink wrote: the messages in `<maildir>/new/` addressed to someone.

use std::{
    path::Path,
    time::{Duration, Instant},
};

/// One message as the sink stored it.
pub struct Stored {
    /// Unfolded header fields in order.
    pub headers: Vec<(String, String)>,
    /// The body with CRLF turned into LF.
    pub body: String,
}

impl Stored {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse(raw: &str) -> Stored {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Stored {
        headers,
        body: body.to_owned(),
    }
}

/// The messages in `<maildir>/new/` whose `To` names `to`.
fn messages_to(maildir: &Path, to: &str) -> Vec<Stored> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .map(|bytes| parse(&String::from_utf8_lossy(&bytes)))
        .filter(|m| m.header("To").is_some_and(|v| v.contains(to)))
        .collect()
}

/// Waits (up to 10 s) until exactly the first message to `to` is in the Maildir.
pub async fn wait_for_message_to(maildir: &Path, to: &str) -> Stored {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut found = messages_to(maildir, to);
        if let Some(message) = found.pop() {
            assert!(
                found.is_empty(),
                "one message to {to}, not {}",
                found.len() + 1
            );
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no message to {to} in {}/new",
            maildir.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
