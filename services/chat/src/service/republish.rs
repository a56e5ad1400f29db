//! The outbox's republisher: a send answers `unavailable` when its message was stored but
//! its events could not be published, and a sender that never retries would leave the
//! message out of every live socket. The store keeps such messages as unpublished; every
//! replica looks through them now and then, takes each one old enough that its own send has
//! given up (a lease in the store, so one replica at a time), publishes it and records it
//! published.

use std::time::Duration;

use gochat_runtime::{Shutdown, clock::now_ms};

use super::{ChatError, ChatServiceImpl, store_failed};
use crate::{MessageId, Publication, metrics};

/// Unpublished messages one pass takes at most.
const BATCH: usize = 100;

impl ChatServiceImpl {
    /// Publishes the messages stored more than `grace` ago that are still unpublished, up to
    /// [`BATCH`] of them; answers how many it published. Each is held for `grace` too: long
    /// enough for one publish (at most the publish timeout) and its record, after which
    /// another pass, here or on another replica, may try again.
    pub async fn republish_pending(&self, grace: Duration) -> Result<usize, ChatError> {
        let cutoff = MessageId::first_at(now_ms().saturating_sub(millis(grace)));
        let pending = self
            .store
            .unpublished(cutoff, BATCH)
            .await
            .map_err(store_failed)?;
        let mut published = 0;
        for (conversation_id, id) in pending {
            let until = now_ms().saturating_add(millis(grace));
            let claimed = self
                .store
                .claim_republication(&conversation_id, id, until)
                .await
                .map_err(store_failed)?;
            if !claimed {
                continue;
            }
            let (message, conversation) = futures::try_join!(
                self.store.message(&conversation_id, id),
                self.store.conversation(&conversation_id),
            )
            .map_err(store_failed)?;
            let (Some(message), Some(conversation)) = (message, conversation) else {
                continue;
            };
            let publication = Publication::in_current_span(conversation.member_ids.clone());
            self.publish(&publication, &message).await?;
            metrics::MESSAGES_REPUBLISHED.inc();
            published += 1;
        }
        Ok(published)
    }

    /// Runs [`Self::republish_pending`] every `interval` until `shutdown` fires, for messages
    /// older than twice the publish timeout (their sends have answered by then).
    pub async fn republish_until(&self, interval: Duration, shutdown: Shutdown) {
        let grace = self.publish_timeout * 2;
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = shutdown.wait() => return,
            }
            match self.republish_pending(grace).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    messages = n,
                    "republished messages whose publish had failed"
                ),
                Err(e) => tracing::warn!(error = %e, "republishing unpublished messages failed"),
            }
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
