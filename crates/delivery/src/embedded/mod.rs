//! The embedded event log for `gochat local`: the local stand-in for the Redis Streams
//! design, with the same ordering and resume semantics, kept in one redb file.
//!
//! Each user's log is keyed (user, ms, seq). A publish gives every recipient the next id
//! after that user's last one ([`EventId::next_after`] the current time, so ids keep
//! increasing when the clock steps back or many events land in one millisecond), writes all
//! recipients' entries in one write transaction, then hands the events to the live
//! subscriptions of those users on this process.
//!
//! # Combining replay and live delivery without gaps
//! An event published after [`EventLog::subscribe`] returned reaches that subscription, and
//! events reach a subscription in log order. So a caller resuming from `since`:
//! 1. subscribes,
//! 2. replays after `since` (paging with the last id it got),
//! 3. streams live events, skipping those whose id is `<=` the last replayed id.
//!
//! # Sharing a database
//! [`EmbeddedEventLog::open_in`] keeps the log's tables in a database another embedded store
//! also writes (the chat store in `gochat local`), committed by one writer; that store appends
//! events with [`Appender::append`] inside its own write, so a message and its
//! events become durable in one commit, and calls [`Appended::notify`] after it.
//!
//! # Retention
//! Events older than the retention (default 24 hours) are trimmed in bounded passes: one
//! runs after a publish at most every trim interval (more often while a backlog remains),
//! and [`EmbeddedEventLog::trim_now`] runs one on demand. Each user keeps a persisted
//! low-water mark (the largest trimmed id); a replay after an id below it is `truncated`.

mod clock;
mod registry;
mod store;
#[cfg(test)]
mod tests;

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use bytes::Bytes;
use gochat_group_commit::GroupCommit;
use redb::{Database, WriteTransaction};

pub use clock::{Clock, ManualClock, SystemClock};
pub use store::{Imported, Trimmed};

use crate::{DeliveryError, Event, EventId, EventLog, Presence, Replay, Subscription};
use clock::duration_ms;
use registry::Registry;

/// How long events are kept by default.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// How many events a live subscription buffers by default before it is ended.
pub const DEFAULT_SUBSCRIBER_CAPACITY: usize = 1024;
/// How often, by default, a publish is followed by a trim pass.
pub const DEFAULT_TRIM_INTERVAL: Duration = Duration::from_secs(10);
/// How many events one trim pass removes at most, by default.
pub const DEFAULT_TRIM_BATCH: usize = 1000;

/// `last_trim_ms` value meaning "a trim pass is due at the next publish".
const TRIM_DUE: u64 = u64::MAX;

/// Per-user event logs in a redb file, with live delivery to subscriptions on this process.
/// Clones share the same file, subscriptions and trim schedule.
#[derive(Clone)]
pub struct EmbeddedEventLog {
    db: Arc<Database>,
    live: Arc<Registry>,
    /// Commits publishes, several per transaction, and hands their events out in order.
    writer: Arc<GroupCommit>,
    clock: Arc<dyn Clock>,
    retention_ms: u64,
    trim_interval_ms: u64,
    trim_batch: usize,
    last_trim_ms: Arc<AtomicU64>,
}

impl EmbeddedEventLog {
    /// Opens the log file at `path`, creating it (and its folder) if missing.
    pub fn open(path: &Path) -> Result<Self, DeliveryError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                DeliveryError::Unavailable(format!("creating {}: {e}", dir.display()))
            })?;
        }
        let db = Arc::new(gochat_group_commit::open_database(path).map_err(store::unavailable)?);
        let writer =
            Arc::new(GroupCommit::new(Arc::clone(&db), "event-log").map_err(store::unavailable)?);
        Self::open_in(db, writer)
    }

    /// Keeps the log in `db`, a database shared with another embedded store, whose writes
    /// `writer` commits; creates the log's tables if missing.
    pub fn open_in(db: Arc<Database>, writer: Arc<GroupCommit>) -> Result<Self, DeliveryError> {
        store::create_tables(&db)?;
        Ok(Self {
            writer,
            db,
            live: Arc::new(Registry::new(DEFAULT_SUBSCRIBER_CAPACITY)),
            clock: Arc::new(SystemClock),
            retention_ms: duration_ms(DEFAULT_RETENTION),
            trim_interval_ms: duration_ms(DEFAULT_TRIM_INTERVAL),
            trim_batch: DEFAULT_TRIM_BATCH,
            last_trim_ms: Arc::new(AtomicU64::new(TRIM_DUE)),
        })
    }

    /// Copies every event and low-water mark of the log file at `path` (a log kept in a file
    /// of its own by an earlier version) into this log, keeping the larger mark where both
    /// have one, so ids keep increasing and truncation stays detectable. Copying the same
    /// file again changes nothing.
    pub async fn import(&self, path: &Path) -> Result<Imported, DeliveryError> {
        let (db, path) = (Arc::clone(&self.db), path.to_owned());
        blocking(move || store::import(&db, &path)).await
    }

    /// Keeps events for `retention` (default 24 hours).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention_ms = duration_ms(retention);
        self
    }

    /// Lets each live subscription buffer `capacity` events (at least 1, default 1024)
    /// before it is ended. Call before subscribing.
    pub fn with_subscriber_capacity(mut self, capacity: usize) -> Self {
        self.live = Arc::new(Registry::new(capacity));
        self
    }

    /// Runs a trim pass after a publish at most every `interval` (default 10 s).
    pub fn with_trim_interval(mut self, interval: Duration) -> Self {
        self.trim_interval_ms = duration_ms(interval);
        self
    }

    /// Removes at most `batch` events per trim pass (at least 1, default 1000), bounding
    /// the work one pass adds to a publish.
    pub fn with_trim_batch(mut self, batch: usize) -> Self {
        self.trim_batch = batch.max(1);
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Runs one bounded trim pass now: removes up to the trim batch of events older than
    /// the retention, oldest first. Call again while [`Trimmed::more`] is true.
    pub async fn trim_now(&self) -> Result<Trimmed, DeliveryError> {
        let cutoff_ms = self.clock.now_ms().saturating_sub(self.retention_ms);
        let (db, batch) = (Arc::clone(&self.db), self.trim_batch);
        blocking(move || store::trim(&db, cutoff_ms, batch)).await
    }

    /// Live subscriptions of `user` on this process (for metrics and tests).
    pub fn live_subscribers(&self, user: &str) -> usize {
        self.live.count(user)
    }

    /// What appends to this log inside a write transaction of the database it shares
    /// ([`Self::open_in`]).
    pub fn appender(&self) -> Appender {
        Appender {
            live: Arc::clone(&self.live),
            clock: Arc::clone(&self.clock),
        }
    }

    /// Runs a trim pass if one is due; a failure is logged, not returned, because the
    /// publish it follows has succeeded.
    pub async fn trim_if_due(&self) {
        let now = self.clock.now_ms();
        let last = self.last_trim_ms.load(Ordering::Acquire);
        let due = now < last || now - last >= self.trim_interval_ms;
        let claimed = due
            && self
                .last_trim_ms
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        if !claimed {
            return;
        }
        match self.trim_now().await {
            Ok(Trimmed { more: true, .. }) => self.last_trim_ms.store(TRIM_DUE, Ordering::Release),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "trimming the event log failed"),
        }
    }
}

/// Events written by [`Appender::append`], waiting for their transaction's commit
/// to be handed to live subscribers.
#[derive(Debug)]
pub struct Appended {
    live: Arc<Registry>,
    users: Vec<String>,
    ids: Vec<EventId>,
    payload: Bytes,
}

impl Appended {
    /// Hands each event to its user's live subscriptions on this process. Call once the
    /// transaction has committed, on the writer thread, in commit order.
    pub fn notify(&self) {
        for (user, id) in self.users.iter().zip(&self.ids) {
            self.live.notify(
                user,
                &Event {
                    id: *id,
                    payload: self.payload.clone(),
                },
            );
        }
    }
}

/// Appends events to the log inside a caller's write transaction. It holds no handle on the
/// database's writer, so a queued write may own it (the last handle on a writer must never
/// be dropped on its own thread).
#[derive(Clone)]
pub struct Appender {
    live: Arc<Registry>,
    clock: Arc<dyn Clock>,
}

impl Appender {
    /// Appends `payload` to the log of every user in `recipients` (each once) inside `txn`.
    /// Once `txn` has committed, call [`Appended::notify`] on the writer thread (the write's
    /// after-commit step), so live subscribers get events in commit order, then
    /// [`EmbeddedEventLog::trim_if_due`].
    pub fn append(
        &self,
        txn: &WriteTransaction,
        recipients: &[String],
        payload: &Bytes,
    ) -> Result<Appended, DeliveryError> {
        let users = crate::log::distinct_recipients(recipients);
        let ids = store::append(txn, &users, payload, self.clock.now_ms())?;
        Ok(Appended {
            live: Arc::clone(&self.live),
            users,
            ids,
            payload: payload.clone(),
        })
    }
}

/// Runs blocking redb work off the async runtime.
async fn blocking<T, F>(work: F) -> Result<T, DeliveryError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, DeliveryError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DeliveryError::Unavailable(format!("event log task failed: {e}")))?
}

#[async_trait]
impl EventLog for EmbeddedEventLog {
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        if recipients.is_empty() {
            return Ok(());
        }
        let appender = self.appender();
        let recipients = recipients.to_vec();
        // Publishes share commits (group commit); live subscribers are notified on the
        // writer thread right after each commit, in commit (= id) order. A cancelled publish
        // either did nothing or was both persisted and delivered.
        self.writer
            .write(
                move |txn| appender.append(txn, &recipients, &payload),
                Appended::notify,
                DeliveryError::Unavailable,
            )
            .await?;
        self.trim_if_due().await;
        Ok(())
    }

    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError> {
        let (db, user) = (Arc::clone(&self.db), user.to_owned());
        blocking(move || store::replay(&db, &user, after, limit)).await
    }

    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError> {
        let live = self.live.subscribe(user);
        Ok(Subscription::with_signals(
            live.events,
            live.signals,
            live.came_online,
        ))
    }

    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        for user in crate::log::distinct_recipients(recipients) {
            self.live.signal(&user, &payload);
        }
        Ok(())
    }

    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError> {
        Ok(users.iter().map(|user| self.live.presence(user)).collect())
    }

    async fn release(&self, user: &str) -> Result<Presence, DeliveryError> {
        Ok(self.live.release(user, self.clock.now_ms()))
    }

    async fn ping(&self) -> Result<(), DeliveryError> {
        let db = Arc::clone(&self.db);
        blocking(move || store::ping(&db)).await
    }
}
