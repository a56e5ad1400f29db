//! The revocation feed: sessions ended before their access tokens expire (logout, a reused
//! refresh token), recorded by auth and followed by every gateway, which refuses those
//! tokens and closes their sockets. Access tokens are checked locally, so without this feed
//! a logged-out token would keep working until its `exp`.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::{DeliveryError, now_ms};

/// A session whose access tokens stop counting before they expire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The ended session (the `sid` of its access tokens).
    pub session_id: String,
    /// When the last access token the session may hold expires (ms since the Unix epoch):
    /// after it there is nothing left to refuse, and the revocation is forgotten.
    pub until_ms: u64,
}

impl Revocation {
    /// Whether tokens of the session may still be presented at `now_ms`.
    pub fn in_force(&self, now_ms: u64) -> bool {
        self.until_ms > now_ms
    }
}

/// Revocations read from a feed, and where the next read starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevocationBatch {
    /// The revocations recorded after the cursor read from that are still in force, oldest
    /// first.
    pub revocations: Vec<Revocation>,
    /// Pass it to the next read.
    pub cursor: String,
}

/// Where auth records revocations and gateways follow them, in the order recorded.
#[async_trait]
pub trait RevocationFeed: Send + Sync + 'static {
    /// Records `revocation` for every follower.
    async fn revoke(&self, revocation: &Revocation) -> Result<(), DeliveryError>;

    /// The revocations recorded after `cursor` (every one still in force for `None`), at
    /// most a few thousand per call; answers at once, with an empty batch when there is
    /// nothing new.
    async fn read(&self, cursor: Option<&str>) -> Result<RevocationBatch, DeliveryError>;
}

/// The feed of one process, for `gochat local` and any setup where auth and the gateways
/// share a process: revocations numbered in order, dropped once no longer in force.
#[derive(Debug, Default)]
pub struct MemoryRevocations {
    recorded: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    /// Numbered revocations, oldest first.
    entries: Vec<(u64, Revocation)>,
    /// The number of the last revocation recorded.
    last: u64,
}

/// The most revocations one read answers.
const READ_BATCH: usize = 4096;

#[async_trait]
impl RevocationFeed for MemoryRevocations {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), DeliveryError> {
        let now = now_ms();
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        recorded.entries.retain(|(_, r)| r.in_force(now));
        recorded.last += 1;
        let number = recorded.last;
        recorded.entries.push((number, revocation.clone()));
        Ok(())
    }

    async fn read(&self, cursor: Option<&str>) -> Result<RevocationBatch, DeliveryError> {
        let after = match cursor {
            None => 0,
            Some(c) => c
                .parse::<u64>()
                .map_err(|_| DeliveryError::Unavailable(format!("bad revocation cursor {c:?}")))?,
        };
        let now = now_ms();
        let recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        let news: Vec<&(u64, Revocation)> = recorded
            .entries
            .iter()
            .filter(|(number, _)| *number > after)
            .take(READ_BATCH)
            .collect();
        let cursor = news.last().map_or(after, |(number, _)| *number);
        Ok(RevocationBatch {
            revocations: news
                .into_iter()
                .filter(|(_, r)| r.in_force(now))
                .map(|(_, r)| r.clone())
                .collect(),
            cursor: cursor.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_feed_passes_the_conformance_check() {
        let feed = MemoryRevocations::default();
        crate::conformance::revocations_reach_every_reader_in_order(&feed).await;
    }

    #[tokio::test]
    async fn revocations_no_longer_in_force_are_dropped_when_the_next_comes() {
        let feed = MemoryRevocations::default();
        let over = Revocation {
            session_id: "s-over".into(),
            until_ms: 1,
        };
        feed.revoke(&over).await.unwrap();
        let later = Revocation {
            session_id: "s-later".into(),
            until_ms: now_ms() + 60_000,
        };
        feed.revoke(&later).await.unwrap();
        let kept = feed.recorded.lock().unwrap().entries.len();
        assert_eq!(kept, 1, "only what is in force is kept");
        assert!(feed.read(Some("x")).await.is_err(), "a foreign cursor");
    }
}
