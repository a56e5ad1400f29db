//! Blocking: a user refuses direct messages from someone. Each replica keeps every blocker's
//! list it needed for [`BLOCKS_STALENESS`], so a send checks it without a store read; a
//! block made on another replica is enforced here within that time.

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use gochat_proto::chat::v1 as proto;
use gochat_runtime::clock::now_ms;

use super::{ChatError, ChatServiceImpl, store_failed, validate};
use crate::{Conversation, ConversationKind, recent::RecentMap};

/// How long a blocker's cached list is used before it is read again.
pub const BLOCKS_STALENESS: Duration = Duration::from_secs(5);

/// Blockers' lists this replica read lately.
pub(crate) struct BlockCache {
    lists: RecentMap<String, (Arc<HashSet<String>>, Instant)>,
}

impl BlockCache {
    /// An empty cache holding up to `capacity` lists per generation.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            lists: RecentMap::new(capacity),
        }
    }
}

impl ChatServiceImpl {
    /// Block: `user_id` refuses direct messages from `blocked_id` from now on.
    pub(crate) async fn block(
        &self,
        req: proto::BlockRequest,
    ) -> Result<proto::BlockResponse, ChatError> {
        Self::check_pair(&req.user_id, &req.blocked_id)?;
        self.store
            .block(&req.user_id, &req.blocked_id, now_ms())
            .await
            .map_err(store_failed)?;
        self.blocks.lists.remove(&req.user_id);
        Ok(proto::BlockResponse {})
    }

    /// Unblock: lifts the block, if any.
    pub(crate) async fn unblock(
        &self,
        req: proto::UnblockRequest,
    ) -> Result<proto::UnblockResponse, ChatError> {
        Self::check_pair(&req.user_id, &req.blocked_id)?;
        self.store
            .unblock(&req.user_id, &req.blocked_id)
            .await
            .map_err(store_failed)?;
        self.blocks.lists.remove(&req.user_id);
        Ok(proto::UnblockResponse {})
    }

    /// ListBlocks: whom the user blocks, most recent first.
    pub(crate) async fn list_blocks(
        &self,
        req: proto::ListBlocksRequest,
    ) -> Result<proto::ListBlocksResponse, ChatError> {
        validate::user_id(&req.user_id)?;
        let mut blocks = self
            .store
            .blocks_of(&req.user_id)
            .await
            .map_err(store_failed)?;
        blocks.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(proto::ListBlocksResponse {
            blocks: blocks
                .into_iter()
                .map(|(user_id, blocked_at_ms)| proto::BlockedUser {
                    user_id,
                    blocked_at_ms,
                })
                .collect(),
        })
    }

    /// `Blocked` when `sender` may not write in `conversation` because it is direct and the
    /// other member blocks them.
    pub(crate) async fn check_not_blocked(
        &self,
        conversation: &Conversation,
        sender: &str,
    ) -> Result<(), ChatError> {
        if conversation.kind != ConversationKind::Direct {
            return Ok(());
        }
        match conversation.member_ids.iter().find(|m| *m != sender) {
            Some(other) => self.check_not_blocked_by(other, sender).await,
            None => Ok(()),
        }
    }

    /// `Blocked` when `recipient` blocks `sender`.
    pub(crate) async fn check_not_blocked_by(
        &self,
        recipient: &str,
        sender: &str,
    ) -> Result<(), ChatError> {
        if self.blocked_by(recipient).await?.contains(sender) {
            return Err(ChatError::Blocked);
        }
        Ok(())
    }

    /// Everyone `blocker` blocks, from the cache while fresh.
    pub(crate) async fn blocked_by(
        &self,
        blocker: &str,
    ) -> Result<Arc<HashSet<String>>, ChatError> {
        if let Some((list, at)) = self.blocks.lists.get(blocker)
            && at.elapsed() < BLOCKS_STALENESS
        {
            return Ok(list);
        }
        let list: HashSet<String> = self
            .store
            .blocks_of(blocker)
            .await
            .map_err(store_failed)?
            .into_iter()
            .map(|(blocked, _)| blocked)
            .collect();
        let list = Arc::new(list);
        self.blocks
            .lists
            .insert(blocker.to_owned(), (Arc::clone(&list), Instant::now()));
        Ok(list)
    }

    fn check_pair(user_id: &str, blocked_id: &str) -> Result<(), ChatError> {
        validate::user_id(user_id)?;
        if blocked_id.is_empty() {
            return Err(ChatError::InvalidRequest("the user to block is required"));
        }
        if user_id == blocked_id {
            return Err(ChatError::InvalidRequest("you cannot block yourself"));
        }
        Ok(())
    }
}
