//! An in-memory [`EventLog`] whose retention the tests control.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use bytes::Bytes;
use gochat_delivery::{DeliveryError, Event, EventId, EventLog, Presence, Replay, Subscription};
use gochat_proto::chat::v1::{DeliveryEvent, Message};
use prost::Message as _;

#[derive(Default)]
struct Inner {
    logs: HashMap<String, Vec<Event>>,
    subscribers: HashMap<String, Vec<flume::Sender<Event>>>,
    signals: HashMap<String, Vec<flume::Sender<Bytes>>>,
    /// Users released, in order, with whether they were left online.
    released: Vec<(String, bool)>,
    next: u64,
    /// Events at or before this id count as trimmed: replays from before it are truncated.
    trimmed_through: Option<EventId>,
    /// Subscribing fails (as when the log's backend cannot be reached).
    refuse_subscriptions: bool,
}

/// Per-user logs in memory; ids are `N-0` with N increasing from 1.
#[derive(Clone, Default)]
pub struct FakeLog(Arc<Mutex<Inner>>);

impl FakeLog {
    /// Appends a message event for `user` and returns its id.
    pub fn push_message(&self, user: &str, id: &str, sent_at_ms: i64) -> EventId {
        let payload = DeliveryEvent {
            message: Some(message(id, sent_at_ms)),
            ..Default::default()
        }
        .encode_to_vec();
        self.push_raw(user, Bytes::from(payload))
    }

    /// Appends an arbitrary payload.
    pub fn push_raw(&self, user: &str, payload: Bytes) -> EventId {
        let mut inner = self.0.lock().unwrap();
        inner.next += 1;
        let event = Event {
            id: EventId::new(inner.next, 0),
            payload,
        };
        inner
            .logs
            .entry(user.to_owned())
            .or_default()
            .push(event.clone());
        if let Some(subs) = inner.subscribers.get_mut(user) {
            subs.retain(|s| s.try_send(event.clone()).is_ok());
        }
        event.id
    }

    /// Pretends everything up to `id` was trimmed.
    pub fn trim_through(&self, id: EventId) {
        let mut inner = self.0.lock().unwrap();
        inner.trimmed_through = Some(id);
        for log in inner.logs.values_mut() {
            log.retain(|e| e.id > id);
        }
    }

    /// Ends every live subscription of `user` (as a log dropping a slow subscriber does).
    pub fn drop_subscribers(&self, user: &str) {
        self.0.lock().unwrap().subscribers.remove(user);
    }

    /// Makes every later subscribe fail as an unreachable backend does.
    pub fn refuse_subscriptions(&self) {
        self.0.lock().unwrap().refuse_subscriptions = true;
    }

    /// The users released so far, with whether each was left online.
    pub fn released(&self) -> Vec<(String, bool)> {
        self.0.lock().unwrap().released.clone()
    }

    /// Number of live subscriptions of `user`.
    pub fn subscribers(&self, user: &str) -> usize {
        let inner = self.0.lock().unwrap();
        inner
            .subscribers
            .get(user)
            .map_or(0, |s| s.iter().filter(|s| !s.is_disconnected()).count())
    }
}

/// Whether `user` has a live subscription.
fn live(inner: &Inner, user: &str) -> bool {
    inner
        .subscribers
        .get(user)
        .is_some_and(|subs| subs.iter().any(|s| !s.is_disconnected()))
}

/// A chat message with fixed fields apart from `id` and time.
pub fn message(id: &str, sent_at_ms: i64) -> Message {
    Message {
        id: id.to_owned(),
        conversation_id: "c1".into(),
        sender_id: "u2".into(),
        body: format!("body of {id}"),
        client_msg_id: format!("k-{id}"),
        sent_at_ms,
        ..Default::default()
    }
}

#[async_trait]
impl EventLog for FakeLog {
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        for r in recipients {
            self.push_raw(r, payload.clone());
        }
        Ok(())
    }

    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError> {
        let inner = self.0.lock().unwrap();
        let truncated = inner.trimmed_through.is_some_and(|t| after < t);
        let events = inner
            .logs
            .get(user)
            .map(|log| {
                log.iter()
                    .filter(|e| e.id > after)
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Replay { events, truncated })
    }

    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError> {
        let mut inner = self.0.lock().unwrap();
        if inner.refuse_subscriptions {
            return Err(DeliveryError::Unavailable("the fake log refuses".into()));
        }
        let (tx, rx) = flume::bounded(64);
        let (signal_tx, signal_rx) = flume::bounded(64);
        let subscribers = inner.subscribers.entry(user.to_owned()).or_default();
        subscribers.retain(|s| !s.is_disconnected());
        let came_online = subscribers.is_empty();
        subscribers.push(tx);
        inner
            .signals
            .entry(user.to_owned())
            .or_default()
            .push(signal_tx);
        Ok(Subscription::with_signals(rx, signal_rx, came_online))
    }

    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        let inner = self.0.lock().unwrap();
        for user in recipients {
            for tx in inner.signals.get(user).into_iter().flatten() {
                let _dropped_when_full = tx.try_send(payload.clone());
            }
        }
        Ok(())
    }

    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError> {
        let inner = self.0.lock().unwrap();
        Ok(users
            .iter()
            .map(|user| Presence {
                online: live(&inner, user),
                last_seen_ms: (!live(&inner, user)).then_some(1_795_509_744_123),
            })
            .collect())
    }

    async fn release(&self, user: &str) -> Result<Presence, DeliveryError> {
        let mut inner = self.0.lock().unwrap();
        let online = live(&inner, user);
        inner.released.push((user.to_owned(), online));
        Ok(Presence {
            online,
            last_seen_ms: (!online).then_some(1_795_509_744_123),
        })
    }

    async fn ping(&self) -> Result<(), DeliveryError> {
        Ok(())
    }
}
