//! The revocation feed on Redis: one stream, `<prefix>:revocations`, whose entries
//! (`s` = session id, `u` = until, ms) every gateway reads from its own cursor. Each append
//! trims the entries recorded longer ago than an access token lives, which are no longer in
//! force (each revocation lasts one access-token lifetime, so this keeps every one in force
//! unless that lifetime was shortened since; a gateway keeps what it has read until each
//! one's own end either way).

use ::redis::{aio::ConnectionManager, streams::StreamRangeReply};
use async_trait::async_trait;
use gochat_redis::TracedRedis;

use super::{Conn, unavailable};
use crate::{
    DeliveryError, now_ms,
    revocation::{Revocation, RevocationBatch, RevocationFeed},
};

const SESSION_FIELD: &str = "s";
const UNTIL_FIELD: &str = "u";
/// Entries one XRANGE reads.
const PAGE: usize = 1000;
/// Pages one read goes through at most.
const MAX_PAGES: usize = 4;

/// The revocation feed in Redis.
#[derive(Clone, Debug)]
pub struct RedisRevocations {
    conn: Conn,
    key: String,
}

impl RedisRevocations {
    /// The feed under `prefix`, through `conn`.
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self {
            conn: TracedRedis::new(conn),
            key: format!("{prefix}:revocations"),
        }
    }
}

#[async_trait]
impl RevocationFeed for RedisRevocations {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), DeliveryError> {
        let now = now_ms();
        if !revocation.in_force(now) {
            return Ok(());
        }
        // Recorded at `now`, in force until `until`: an entry recorded that long before now
        // is over.
        let lifetime = revocation.until_ms.saturating_sub(now);
        let oldest_in_force = now.saturating_sub(lifetime);
        let mut conn = self.conn.clone();
        let _: String = ::redis::cmd("XADD")
            .arg(&self.key)
            .arg("MINID")
            .arg("~")
            .arg(oldest_in_force)
            .arg("*")
            .arg(SESSION_FIELD)
            .arg(&revocation.session_id)
            .arg(UNTIL_FIELD)
            .arg(revocation.until_ms)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn read(&self, cursor: Option<&str>) -> Result<RevocationBatch, DeliveryError> {
        let mut conn = self.conn.clone();
        let now = now_ms();
        let mut batch = RevocationBatch {
            revocations: Vec::new(),
            cursor: cursor.unwrap_or("0-0").to_owned(),
        };
        for _ in 0..MAX_PAGES {
            let page: StreamRangeReply = ::redis::cmd("XRANGE")
                .arg(&self.key)
                .arg(format!("({}", batch.cursor))
                .arg("+")
                .arg("COUNT")
                .arg(PAGE)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            let read = page.ids.len();
            for entry in page.ids {
                let session: Option<String> = entry.get(SESSION_FIELD);
                let until: Option<u64> = entry.get(UNTIL_FIELD);
                if let (Some(session_id), Some(until_ms)) = (session, until) {
                    let revocation = Revocation {
                        session_id,
                        until_ms,
                    };
                    if revocation.in_force(now) {
                        batch.revocations.push(revocation);
                    }
                }
                batch.cursor = entry.id;
            }
            if read < PAGE {
                break;
            }
        }
        Ok(batch)
    }
}
