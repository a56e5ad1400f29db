//! This gateway's live subscriptions: user -> each subscription's sender and cursor (the
//! last log id it was given).
//!
//! Delivery reads a user's log from the smallest cursor and hands every subscription the
//! entries after its own cursor, so events arrive in log order, once, whoever triggers the
//! read (a notification, the sweep, a subscribe that raced one). Nothing here waits: a
//! subscription whose buffer is full is ended, and the lock is never held across an await.

use std::{
    collections::BTreeMap,
    ops::Bound,
    sync::{Mutex, MutexGuard},
};

use bytes::Bytes;
use flume::TrySendError;

use crate::{Event, EventId, SIGNAL_CAPACITY};

/// The local subscriptions; every method holds the lock briefly.
#[derive(Debug)]
pub(crate) struct Registry {
    capacity: usize,
    users: Mutex<BTreeMap<String, UserSubs>>,
}

#[derive(Debug, Default)]
struct UserSubs {
    subs: Vec<LiveSub>,
    /// Subscribes of this user under way (presence written, not yet registered).
    pending: usize,
    /// A delivery for this user ran while a subscribe was under way: the new subscription
    /// must catch up once registered.
    missed: bool,
}

#[derive(Debug)]
struct LiveSub {
    tx: flume::Sender<Event>,
    signals: flume::Sender<Bytes>,
    cursor: EventId,
}

/// The receiving ends of a registered subscription.
#[derive(Debug)]
pub(crate) struct Receivers {
    /// Its events.
    pub(crate) events: flume::Receiver<Event>,
    /// Its signals.
    pub(crate) signals: flume::Receiver<Bytes>,
}

/// A subscribe under way (see [`Registry::begin`]).
#[derive(Debug)]
pub(crate) struct Pending<'a> {
    registry: &'a Registry,
    user: &'a str,
    open: bool,
}

impl Pending<'_> {
    /// Registers the subscription, whose log position is `cursor`. Also returns whether a
    /// delivery for the user ran meanwhile (the caller then delivers again).
    pub(crate) fn finish(mut self, cursor: EventId) -> (Receivers, bool) {
        self.open = false;
        let (tx, events) = flume::bounded(self.registry.capacity);
        let (signals_tx, signals) = flume::bounded(SIGNAL_CAPACITY);
        let mut users = self.registry.lock();
        end_pending(&mut users, self.user);
        let entry = users.entry(self.user.to_owned()).or_default();
        entry.subs.retain(|sub| !sub.tx.is_disconnected());
        entry.subs.push(LiveSub {
            tx,
            signals: signals_tx,
            cursor,
        });
        let missed = std::mem::take(&mut entry.missed);
        (Receivers { events, signals }, missed)
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.open {
            let mut users = self.registry.lock();
            end_pending(&mut users, self.user);
        }
    }
}

fn end_pending(users: &mut BTreeMap<String, UserSubs>, user: &str) {
    if let Some(entry) = users.get_mut(user) {
        entry.pending = entry.pending.saturating_sub(1);
    }
}

/// What [`Registry::push`] leaves to do for a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Every subscription is up to date with what was read.
    Done,
    /// Read again from this cursor: the page was full or a subscription was behind it.
    More(EventId),
}

impl Registry {
    /// A registry whose subscriptions buffer `capacity` events (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            users: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, UserSubs>> {
        // Every operation leaves the map consistent, so a poisoned lock is still usable.
        self.users
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The most events a subscription buffers.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Notes that a subscribe of `user` started: until the returned guard is finished (or
    /// dropped, for a subscribe that failed) the user's presence is kept and deliveries
    /// for the user are remembered for the new subscription to catch up.
    pub(crate) fn begin<'a>(&'a self, user: &'a str) -> Pending<'a> {
        self.lock().entry(user.to_owned()).or_default().pending += 1;
        Pending {
            registry: self,
            user,
            open: true,
        }
    }

    /// Where to read `user`'s log from (the smallest cursor), or `None` without live
    /// subscriptions.
    pub(crate) fn read_from(&self, user: &str) -> Option<EventId> {
        let mut users = self.lock();
        let entry = users.get_mut(user)?;
        if entry.pending > 0 {
            entry.missed = true;
        }
        entry
            .subs
            .iter()
            .filter(|sub| !sub.tx.is_disconnected())
            .map(|sub| sub.cursor)
            .min()
    }

    /// Hands `events` (the log of `user` right after `from`, oldest first; `full` when the
    /// read was cut at its page size) to each subscription whose cursor is at or past
    /// `from`, ending those that are full or gone.
    pub(crate) fn push(&self, user: &str, from: EventId, events: &[Event], full: bool) -> Pushed {
        let mut users = self.lock();
        let Some(entry) = users.get_mut(user) else {
            return Pushed::Done;
        };
        let mut behind = false;
        entry.subs.retain_mut(|sub| {
            if sub.cursor < from {
                // Registered after the read started: the read may not cover its gap.
                behind = true;
                return !sub.tx.is_disconnected();
            }
            let start = sub.cursor;
            for event in events.iter().filter(|e| e.id > start) {
                match sub.tx.try_send(event.clone()) {
                    Ok(()) => sub.cursor = event.id,
                    Err(TrySendError::Full(_)) => {
                        tracing::debug!(user, "live subscriber fell behind; ending it");
                        return false;
                    }
                    Err(TrySendError::Disconnected(_)) => return false,
                }
            }
            true
        });
        let next = entry.subs.iter().map(|sub| sub.cursor).min();
        match next {
            Some(cursor) if behind || full => Pushed::More(cursor),
            _ => Pushed::Done,
        }
    }

    /// Hands `signal` to every live subscription of `user` that has room for it.
    pub(crate) fn signal(&self, user: &str, signal: &Bytes) {
        let users = self.lock();
        for sub in users.get(user).into_iter().flat_map(|entry| &entry.subs) {
            if let Err(TrySendError::Full(_)) = sub.signals.try_send(signal.clone()) {
                tracing::debug!(user, "a subscriber's signal buffer is full; signal dropped");
            }
        }
    }

    /// Whether `user` has a live or starting subscription here.
    pub(crate) fn is_present(&self, user: &str) -> bool {
        self.lock().get(user).is_some_and(|entry| {
            entry.pending > 0 || entry.subs.iter().any(|s| !s.tx.is_disconnected())
        })
    }

    /// Live subscriptions of `user`.
    pub(crate) fn count(&self, user: &str) -> usize {
        self.lock().get(user).map_or(0, |entry| {
            entry
                .subs
                .iter()
                .filter(|sub| !sub.tx.is_disconnected())
                .count()
        })
    }

    /// Every user with a live or starting subscription, in order.
    pub(crate) fn present_users(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|(_, entry)| {
                entry.pending > 0 || entry.subs.iter().any(|s| !s.tx.is_disconnected())
            })
            .map(|(user, _)| user.clone())
            .collect()
    }

    /// Up to `max` users after `after` (from the start when `None` or past the end), for
    /// a round-robin sweep.
    pub(crate) fn users_after(&self, after: Option<&str>, max: usize) -> Vec<String> {
        let users = self.lock();
        let from = after.map_or(Bound::Unbounded, |user| Bound::Excluded(user.to_owned()));
        let page: Vec<String> = users
            .range((from, Bound::Unbounded))
            .take(max)
            .map(|(user, _)| user.clone())
            .collect();
        if page.is_empty() && after.is_some() {
            return users.keys().take(max).cloned().collect();
        }
        page
    }

    /// Forgets users left without subscriptions and returns them (their presence is to be
    /// removed).
    pub(crate) fn prune(&self) -> Vec<String> {
        let mut gone = Vec::new();
        self.lock().retain(|user, entry| {
            entry.subs.retain(|sub| !sub.tx.is_disconnected());
            let keep = entry.pending > 0 || !entry.subs.is_empty();
            if !keep {
                gone.push(user.clone());
            }
            keep
        });
        gone
    }
}

#[cfg(test)]
mod tests;
