//! Live subscribers on this process: user -> the senders of that user's subscriptions.
//!
//! Delivery never waits: a subscriber whose buffer is full is dropped (its stream ends and
//! the client resumes from the persistent log with `since`), and senders whose subscription
//! was dropped are pruned.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard},
};

use flume::TrySendError;

use crate::Event;

/// The smallest registry size at which a full sweep of dropped subscriptions runs.
const MIN_SWEEP_AT: usize = 64;

/// The registry; every method holds its lock only briefly and never across an await.
#[derive(Debug)]
pub(crate) struct Registry {
    capacity: usize,
    inner: Mutex<Senders>,
}

#[derive(Debug, Default)]
struct Senders {
    by_user: HashMap<String, Vec<flume::Sender<Event>>>,
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

    /// Registers a new subscription of `user` and returns its receiving end.
    pub(crate) fn subscribe(&self, user: &str) -> flume::Receiver<Event> {
        let (tx, rx) = flume::bounded(self.capacity);
        let mut senders = self.lock();
        let list = senders.by_user.entry(user.to_owned()).or_default();
        let before = list.len();
        list.retain(|tx| !tx.is_disconnected());
        list.push(tx);
        let after = list.len();
        senders.count = senders.count + after - before;
        if senders.count >= senders.sweep_at {
            senders.sweep();
        }
        rx
    }

    /// Hands `event` to every live subscription of `user`, dropping the ones that are full
    /// or gone.
    pub(crate) fn notify(&self, user: &str, event: &Event) {
        let mut senders = self.lock();
        let Some(list) = senders.by_user.get_mut(user) else {
            return;
        };
        let before = list.len();
        list.retain(|tx| match tx.try_send(event.clone()) {
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
            list.iter().filter(|tx| !tx.is_disconnected()).count()
        })
    }
}

impl Senders {
    /// Drops every closed sender and schedules the next sweep at twice what remains.
    fn sweep(&mut self) {
        self.by_user.retain(|_, list| {
            list.retain(|tx| !tx.is_disconnected());
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
        let slow = registry.subscribe("u");
        let fast = registry.subscribe("u");
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
        let rx = registry.subscribe("u");
        registry.notify("u", &event(0));
        assert_eq!(rx.try_recv().unwrap().id.seq, 0);
    }
}
