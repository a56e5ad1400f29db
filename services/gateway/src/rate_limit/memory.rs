//! The in-process rate-limit store: one gateway's counters in a hash map whose expired
//! windows are swept, so memory stays proportional to the keys active in one window.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::{RateDecision, RateLimitError, RateLimitStore};

/// How often expired windows are swept at most.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

struct Window {
    count: u32,
    ends: Instant,
}

struct Inner {
    windows: HashMap<String, Window>,
    last_sweep: Instant,
}

/// Fixed-window counters kept in memory (one process; counts are not shared).
pub struct MemoryRateLimitStore {
    inner: Mutex<Inner>,
}

impl MemoryRateLimitStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                windows: HashMap::new(),
                last_sweep: Instant::now(),
            }),
        }
    }

    /// Number of keys currently held (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().windows.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for MemoryRateLimitStore {
    fn default() -> Self {
        Self::new()
    }
}

impl Inner {
    fn sweep(&mut self, now: Instant) {
        if now.duration_since(self.last_sweep) >= SWEEP_EVERY {
            self.windows.retain(|_, w| w.ends > now);
            self.last_sweep = now;
        }
    }
}

#[async_trait]
impl RateLimitStore for MemoryRateLimitStore {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, RateLimitError> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.sweep(now);
        let (count, ends) = match inner.windows.get_mut(key) {
            Some(w) if w.ends > now => {
                w.count = w.count.saturating_add(1);
                (w.count, w.ends)
            }
            Some(w) => {
                *w = Window {
                    count: 1,
                    ends: now + window,
                };
                (1, w.ends)
            }
            None => {
                let ends = now + window;
                inner
                    .windows
                    .insert(key.to_owned(), Window { count: 1, ends });
                (1, ends)
            }
        };
        Ok(RateDecision {
            allowed: count <= limit,
            retry_after: ends.saturating_duration_since(now),
        })
    }

    async fn ping(&self) -> Result<(), RateLimitError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        super::super::conformance::run_all(Arc::new(MemoryRateLimitStore::new())).await;
    }

    #[tokio::test]
    async fn expired_windows_are_swept() {
        let store = MemoryRateLimitStore::new();
        for i in 0..100 {
            store
                .hit(&format!("k{i}"), 1, Duration::from_millis(20))
                .await
                .unwrap();
        }
        assert_eq!(store.len(), 100);
        tokio::time::sleep(SWEEP_EVERY + Duration::from_millis(50)).await;
        store
            .hit("fresh", 1, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.len(), 1, "expired windows must be dropped");
    }
}
