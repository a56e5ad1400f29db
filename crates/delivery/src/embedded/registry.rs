//! Live subscribers on this process: user -> the senders of that user's subscriptions.
//!
//! Delivery never waits: a subscriber whose buffer is full is dropped (its stream ends and
//! the client resumes from the persistent log with `since`), and senders whose subscription
//! was dropped are pruned.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
};

use bytes::Bytes;
use flume::TrySendError;

use crate::{Event, Presence, SIGNAL_CAPACITY};

/// The smallest registry size at which a full sweep of dropped subscriptions runs.
const MIN_SWEEP_AT: usize = 64;

/// The senders of one subscription.
#[derive(Debug)]
struct Live {
    events: flume::Sender<Event>,
    signals: flume::Sender<Bytes>,
}

impl Live {
    fn is_disconnected(&self) -> bool {
        self.events.is_disconnected()
    }
}

/// The receiving ends of a new subscription.
#[derive(Debug)]
pub(crate) struct Receivers {
    /// Its events.
    pub(crate) events: flume::Receiver<Event>,
    /// Its signals.
    pub(crate) signals: flume::Receiver<Bytes>,
    /// The user had no live subscription before this one.
    pub(crate) came_online: bool,
}

/// The registry; every method holds its lock only briefly and never across an await.
#[derive(Debug)]
pub(crate) struct Registry {
    capacity: usize,
    inner: Mutex<Senders>,
}

#[derive(Debug, Default)]
struct Senders {
    by_user: HashMap<String, Vec<Live>>,
    /// When each user's last subscription here was released (ms since the Unix epoch).
    last_seen: HashMap<String, u64>,
    /// Senders held, over all users.
    count: usize,
    /// `count` at which the next subscribe sweeps out every closed sender, so subscriptions
    /// dropped by users who never get another event cannot pile up (amortised O(1)).
    sweep_at: usize,
}

impl Registry {
    /// A registry whose subscriptions buffer up to `capacity` events (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let senders = Senders {
            sweep_at: MIN_SWEEP_AT,
            ..Senders::default()
        };
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(senders),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Senders> {
        // A panic elsewhere while holding the lock leaves the map consistent (each
        // operation is a single insert/retain), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a new subscription of `user` and returns its receiving ends.
    pub(crate) fn subscribe(&self, user: &str) -> Receivers {
        let (events, events_rx) = flume::bounded(self.capacity);
        let (signals, signals_rx) = flume::bounded(SIGNAL_CAPACITY);
        let mut senders = self.lock();
        let list = senders.by_user.entry(user.to_owned()).or_default();
        let before = list.len();
        list.retain(|live| !live.is_disconnected());
        let came_online = list.is_empty();
        list.push(Live { events, signals });
        let after = list.len();
        senders.count = senders.count + after - before;
        if senders.count >= senders.sweep_at {
            senders.sweep();
        }
        Receivers {
            events: events_rx,
            signals: signals_rx,
            came_online,
        }
    }

    /// Hands `signal` to every live subscription of `user` that has room for it.
    pub(crate) fn signal(&self, user: &str, signal: &Bytes) {
        let senders = self.lock();
        for live in senders.by_user.get(user).into_iter().flatten() {
            if let Err(TrySendError::Full(_)) = live.signals.try_send(signal.clone()) {
                tracing::debug!(user, "a subscriber's signal buffer is full; signal dropped");
            }
        }
    }

    /// The user's presence on this process after one of their subscriptions was dropped:
    /// with none left, they are last seen at `now_ms`.
    pub(crate) fn release(&self, user: &str, now_ms: u64) -> Presence {
        let mut senders = self.lock();
        let live = senders.by_user.get(user).map_or(0, |list| {
            list.iter().filter(|live| !live.is_disconnected()).count()
        });
        if live > 0 {
            return Presence {
                online: true,
                last_seen_ms: None,
            };
        }
        senders.last_seen.insert(user.to_owned(), now_ms);
        Presence {
            online: false,
            last_seen_ms: Some(now_ms),
        }
    }

    /// The user's presence on this process.
    pub(crate) fn presence(&self, user: &str) -> Presence {
        let senders = self.lock();
        let online = senders
            .by_user
            .get(user)
            .is_some_and(|list| list.iter().any(|live| !live.is_disconnected()));
        Presence {
            online,
            last_seen_ms: if online {
                None
            } else {
                senders.last_seen.get(user).copied()
            },
        }
    }

    /// Hands `event` to every live subscription of `user`, dropping the ones that are full
    /// or gone.
    pub(crate) fn notify(&self, user: &str, event: &Event) {
        let mut senders = self.lock();
        let Some(list) = senders.by_user.get_mut(user) else {
            return;
        };
        let before = list.len();
        list.retain(|live| match live.events.try_send(event.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::debug!(user, "live subscriber fell behind; ending its subscription");
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
        let after = list.len();
        if after == 0 {
            senders.by_user.remove(user);
        }
        senders.count -= before - after;
    }

    /// Live subscriptions of `user` still registered (dropped ones may linger until the
    /// next event for that user or the next sweep).
    pub(crate) fn count(&self, user: &str) -> usize {
        self.lock().by_user.get(user).map_or(0, |list| {
            list.iter().filter(|live| !live.is_disconnected()).count()
        })
    }
}

impl Senders {
    /// Drops every closed sender and schedules the next sweep at twice what remains.
    fn sweep(&mut self) {
        self.by_user.retain(|_, list| {
            list.retain(|live| !live.is_disconnected());
            !list.is_empty()
        });
        self.count = self.by_user.values().map(Vec::len).sum();
        self.sweep_at = (self.count * 2).max(MIN_SWEEP_AT);
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::EventId;

    fn event(seq: u64) -> Event {
        Event {
            id: EventId::new(1, seq),
            payload: Bytes::from_static(b"x"),
        }
    }

    #[test]
    fn full_subscribers_are_dropped_and_others_kept() {
        let registry = Registry::new(2);
        let slow = registry.subscribe("u").events;
        let fast = registry.subscribe("u").events;
        for seq in 0..3 {
            registry.notify("u", &event(seq));
            assert_eq!(fast.try_recv().unwrap().id.seq, seq);
        }
        assert_eq!(
            registry.count("u"),
            1,
            "the slow subscriber is dropped on overflow"
        );
        assert_eq!(slow.try_recv().unwrap().id.seq, 0);
        assert_eq!(slow.try_recv().unwrap().id.seq, 1);
        assert!(matches!(
            slow.try_recv(),
            Err(flume::TryRecvError::Disconnected)
        ));
    }

    #[test]
    fn dropped_subscriptions_are_pruned_on_notify_and_by_sweeps() {
        let registry = Registry::new(4);
        drop(registry.subscribe("gone"));
        registry.notify("gone", &event(0));
        assert!(registry.lock().by_user.is_empty());

        for n in 0..MIN_SWEEP_AT * 3 {
            drop(registry.subscribe(&format!("user-{n}")));
        }
        let kept = registry.subscribe("kept");
        let senders = registry.lock();
        assert!(
            senders.count < MIN_SWEEP_AT,
            "sweeps bound the registry: {}",
            senders.count
        );
        assert_eq!(
            senders.count,
            senders.by_user.values().map(Vec::len).sum::<usize>()
        );
        drop(senders);
        assert_eq!(registry.count("kept"), 1);
        drop(kept);
        assert_eq!(registry.count("kept"), 0);
    }

    #[test]
    fn zero_capacity_is_raised_to_one() {
        let registry = Registry::new(0);
        let rx = registry.subscribe("u").events;
        registry.notify("u", &event(0));
        assert_eq!(rx.try_recv().unwrap().id.seq, 0);
    }

    #[test]
    fn signals_reach_live_subscriptions_and_a_full_buffer_drops_them() {
        let registry = Registry::new(4);
        let first = registry.subscribe("u");
        assert!(first.came_online);
        let second = registry.subscribe("u");
        assert!(!second.came_online, "the user was already present");
        for n in 0..SIGNAL_CAPACITY + 3 {
            registry.signal("u", &Bytes::from(n.to_string()));
        }
        registry.signal("nobody", &Bytes::from_static(b"lost"));
        assert_eq!(
            first.signals.len(),
            SIGNAL_CAPACITY,
            "the overflow is dropped"
        );
        assert_eq!(second.signals.try_recv().unwrap(), Bytes::from("0"));
        assert_eq!(registry.count("u"), 2, "a full signal buffer ends nothing");
    }

    #[test]
    fn the_last_release_makes_the_user_offline_and_last_seen() {
        let registry = Registry::new(4);
        assert_eq!(registry.presence("u"), Presence::default());
        let phone = registry.subscribe("u");
        let laptop = registry.subscribe("u");
        drop(phone);
        assert!(registry.release("u", 10).online);
        assert!(registry.presence("u").online);
        drop(laptop);
        let gone = Presence {
            online: false,
            last_seen_ms: Some(20),
        };
        assert_eq!(registry.release("u", 20), gone);
        assert_eq!(registry.presence("u"), gone);
        let back = registry.subscribe("u");
        assert!(back.came_online);
        assert_eq!(
            registry.presence("u"),
            Presence {
                online: true,
                last_seen_ms: None
            }
        );
    }
}
