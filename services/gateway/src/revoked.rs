//! The sessions this gateway refuses although their access tokens have not expired: read
//! from the revocation feed every [`POLL_INTERVAL`], kept until each one's tokens expire,
//! and announced to the open sockets, which close with 4001 when their session is one.
//!
//! A revocation recorded by auth is therefore in force on every gateway within
//! [`POLL_INTERVAL`] plus one feed read (well under a second), with no call per request.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use gochat_delivery::{Revocation, RevocationFeed};
use gochat_runtime::{ReadinessCheck, Shutdown, clock::now_ms};
use tokio::sync::broadcast;

/// How often the feed is read.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long a failed read waits before the next try.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// Announcements a socket may be behind before it checks the whole list instead.
const ANNOUNCEMENTS: usize = 1024;

/// The revoked sessions still in force, and the announcements of new ones.
#[derive(Debug)]
pub struct RevokedSessions {
    in_force: RwLock<HashMap<String, u64>>,
    loaded: AtomicBool,
    announcements: broadcast::Sender<Arc<str>>,
}

impl Default for RevokedSessions {
    fn default() -> Self {
        Self {
            in_force: RwLock::default(),
            loaded: AtomicBool::new(false),
            announcements: broadcast::channel(ANNOUNCEMENTS).0,
        }
    }
}

impl RevokedSessions {
    /// Whether the tokens of `session_id` are refused.
    pub fn contains(&self, session_id: &str) -> bool {
        let now = now_ms_u64();
        self.in_force
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(session_id)
            .is_some_and(|until| *until > now)
    }

    /// The sessions revoked from now on, as they are read.
    pub fn announcements(&self) -> broadcast::Receiver<Arc<str>> {
        self.announcements.subscribe()
    }

    /// Whether the feed has been read once (before that, revocations recorded while this
    /// gateway was away are not known yet).
    pub fn loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Takes in `revocations`, forgets the ones that are over, and announces the new ones.
    pub fn apply(&self, revocations: Vec<Revocation>) {
        let now = now_ms_u64();
        let mut fresh = Vec::new();
        {
            let mut in_force = self.in_force.write().unwrap_or_else(|e| e.into_inner());
            in_force.retain(|_, until| *until > now);
            for r in revocations {
                if r.in_force(now) && in_force.insert(r.session_id.clone(), r.until_ms).is_none() {
                    fresh.push(r.session_id);
                }
            }
        }
        for session in fresh {
            // Nobody listening (no socket open) is fine.
            let _ = self.announcements.send(Arc::from(session));
        }
        self.loaded.store(true, Ordering::Release);
    }
}

fn now_ms_u64() -> u64 {
    u64::try_from(now_ms()).unwrap_or(0)
}

/// Reads `feed` into `sessions` until `shutdown` fires: everything in force first, then what
/// comes after, every [`POLL_INTERVAL`]; a failed read is logged and retried.
pub async fn follow(
    feed: Arc<dyn RevocationFeed>,
    sessions: Arc<RevokedSessions>,
    shutdown: Shutdown,
) {
    let mut cursor: Option<String> = None;
    loop {
        let pause = match feed.read(cursor.as_deref()).await {
            Ok(batch) => {
                sessions.apply(batch.revocations);
                cursor = Some(batch.cursor);
                POLL_INTERVAL
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the revocation feed failed; retrying");
                RETRY_INTERVAL
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.wait() => return,
        }
    }
}

/// Ready once the feed has been read once.
pub struct RevocationsLoaded(pub Arc<RevokedSessions>);

#[async_trait::async_trait]
impl ReadinessCheck for RevocationsLoaded {
    fn name(&self) -> &str {
        "gateway revocation feed"
    }
    async fn check(&self) -> Result<(), String> {
        if self.0.loaded() {
            Ok(())
        } else {
            Err("the revocation feed has not been read yet".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use gochat_delivery::MemoryRevocations;

    use super::*;

    fn revoked(session: &str, until_ms: u64) -> Revocation {
        Revocation {
            session_id: session.to_owned(),
            until_ms,
        }
    }

    #[tokio::test]
    async fn revocations_are_refused_until_their_tokens_expire_and_announced_once() {
        let sessions = RevokedSessions::default();
        let mut news = sessions.announcements();
        let later = now_ms_u64() + 60_000;
        sessions.apply(vec![revoked("s1", later), revoked("s0", 1)]);
        assert!(sessions.contains("s1"));
        assert!(!sessions.contains("s0"), "already over");
        assert!(!sessions.contains("s2"));
        sessions.apply(vec![revoked("s1", later)]);
        assert_eq!(&*news.recv().await.unwrap(), "s1");
        assert!(news.try_recv().is_err(), "announced once");
        assert!(sessions.loaded());
    }

    #[tokio::test]
    async fn the_follower_reads_what_is_in_force_then_what_comes() {
        let feed = Arc::new(MemoryRevocations::default());
        let until = now_ms_u64() + 60_000;
        feed.revoke(&revoked("before-start", until)).await.unwrap();
        let sessions = Arc::new(RevokedSessions::default());
        let shutdown = Shutdown::new();
        let task = tokio::spawn(follow(feed.clone(), sessions.clone(), shutdown.clone()));
        let mut news = sessions.announcements();
        feed.revoke(&revoked("after-start", until)).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !(sessions.contains("before-start") && sessions.contains("after-start")) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not followed in 5 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut announced = Vec::new();
        while let Ok(s) = news.try_recv() {
            announced.push(s.to_string());
        }
        assert!(
            announced.contains(&"after-start".to_owned()),
            "{announced:?}"
        );
        shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("the follower stops at shutdown")
            .unwrap();
    }
}
