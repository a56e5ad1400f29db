//! Counting a fault test: what the sender had acknowledged against what the receiver got, and
//! the conversation's history read back page by page.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::Value;

use super::{Received, SendReport};
use crate::{ApiClient, HarnessError};

/// The figures of one fault test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Messages acknowledged to the sender (201 or 200).
    pub sent: usize,
    /// Of those, how many reached the receiver at least once.
    pub received: usize,
    /// Acknowledged but never received.
    pub lost: usize,
    /// Message frames that repeated a `message.id` already seen (before client dedupe).
    pub duplicated: usize,
    /// The `message.id`s of the lost messages.
    pub lost_ids: Vec<String>,
}

impl Tally {
    /// Compares the acknowledgements with the frames of `conversation_id`.
    pub fn count(report: &SendReport, received: &Received, conversation_id: &str) -> Self {
        let frames: Vec<&str> = received
            .events
            .iter()
            .filter(|e| e.message["conversation_id"] == conversation_id)
            .map(|e| e.message_id())
            .collect();
        let distinct: HashSet<&str> = frames.iter().copied().collect();
        let lost_ids: Vec<String> = report
            .acked
            .iter()
            .filter(|a| !distinct.contains(a.message_id.as_str()))
            .map(|a| a.message_id.clone())
            .collect();
        Self {
            sent: report.acked.len(),
            received: report.acked.len() - lost_ids.len(),
            lost: lost_ids.len(),
            duplicated: frames.len() - distinct.len(),
            lost_ids,
        }
    }

    /// The `FAULT <name>: ...` line the tier prints.
    pub fn line(&self, name: &str) -> String {
        format!("FAULT {name}: {self}")
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent={} received={} lost={} duplicated={}",
            self.sent, self.received, self.lost, self.duplicated
        )
    }
}

/// Every message of a conversation, newest first, read with `before` pages of 100.
pub async fn full_history(
    api: &ApiClient,
    token: &str,
    conversation_id: &str,
) -> Result<Vec<Value>, HarnessError> {
    let mut messages = Vec::new();
    let mut before: Option<String> = None;
    for _page in 0..1000 {
        let page = api
            .history(token, conversation_id, before.as_deref(), Some("100"))
            .await?;
        if page.status != 200 {
            return Err(HarnessError::Unexpected(format!(
                "history: HTTP {} {}",
                page.status, page.text
            )));
        }
        let batch = page.json["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        messages.extend(batch);
        match page.json["next_before"].as_str() {
            Some(next) if before.as_deref() != Some(next) => before = Some(next.to_owned()),
            _ => return Ok(messages),
        }
    }
    Err(HarnessError::Unexpected(
        "history: more than 1000 pages".into(),
    ))
}

/// Problems with exactly-once storage: an acknowledged message missing from `history`, a
/// message id listed twice, or one `client_msg_id` stored as two messages. Empty when fine.
pub fn history_problems(report: &SendReport, history: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_client: HashMap<&str, HashSet<&str>> = HashMap::new();
    for m in history {
        let id = m["id"].as_str().unwrap_or_default();
        *by_id.entry(id).or_default() += 1;
        let client = m["client_msg_id"].as_str().unwrap_or_default();
        by_client.entry(client).or_default().insert(id);
    }
    for (id, n) in &by_id {
        if *n > 1 {
            problems.push(format!("message {id} listed {n} times in history"));
        }
    }
    for (client, ids) in &by_client {
        if ids.len() > 1 {
            problems.push(format!(
                "client_msg_id {client} stored as {} messages: {ids:?}",
                ids.len()
            ));
        }
    }
    for a in &report.acked {
        if !by_id.contains_key(a.message_id.as_str()) {
            problems.push(format!(
                "acknowledged message {} ({}) missing from history",
                a.message_id, a.client_msg_id
            ));
        }
    }
    problems.sort();
    problems
}

/// Frames that carry one `client_msg_id` under two different `message.id`s (a duplicate the
/// client could not dedupe). Empty when fine.
pub fn frame_problems(received: &Received) -> Vec<String> {
    let mut by_client: HashMap<&str, HashSet<&str>> = HashMap::new();
    for e in &received.events {
        let client = e.message["client_msg_id"].as_str().unwrap_or_default();
        by_client.entry(client).or_default().insert(e.message_id());
    }
    let mut problems: Vec<String> = by_client
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(client, ids)| format!("client_msg_id {client} delivered as {ids:?}"))
        .collect();
    problems.sort();
    problems
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::MessageEvent;
    use crate::traffic::sender::Acked;

    fn event(event_id: &str, id: &str, client: &str) -> MessageEvent {
        MessageEvent {
            event_id: event_id.into(),
            message: json!({"id": id, "conversation_id": "c", "client_msg_id": client}),
        }
    }

    fn acked(ids: &[(&str, &str)]) -> SendReport {
        SendReport {
            acked: ids
                .iter()
                .enumerate()
                .map(|(seq, (client, id))| Acked {
                    seq,
                    client_msg_id: (*client).into(),
                    message_id: (*id).into(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn counts_lost_and_repeated_frames() {
        let report = acked(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let received = Received {
            events: vec![
                event("1", "1", "a"),
                event("2", "2", "b"),
                event("2", "2", "b"),
            ],
            ..Default::default()
        };
        let tally = Tally::count(&report, &received, "c");
        assert_eq!(
            tally.line("x"),
            "FAULT x: sent=3 received=2 lost=1 duplicated=1"
        );
        assert_eq!(tally.lost_ids, ["3"]);
    }

    #[test]
    fn spots_a_client_msg_id_stored_twice() {
        let report = acked(&[("a", "1")]);
        let history = vec![
            json!({"id": "1", "client_msg_id": "a"}),
            json!({"id": "9", "client_msg_id": "a"}),
        ];
        let problems = history_problems(&report, &history);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let received = Received {
            events: vec![event("1", "1", "a"), event("2", "9", "a")],
            ..Default::default()
        };
        assert_eq!(frame_problems(&received).len(), 1);
        assert!(history_problems(&report, &history[..1]).is_empty());
    }
}
