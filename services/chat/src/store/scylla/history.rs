//! History reads: pages before an id and catch-up since a time, walking the buckets a
//! conversation has messages in.

use futures::{StreamExt, TryStreamExt, stream};

use super::{CONCURRENCY, ScyllaChatStore, corrupt, keys, rows, unavailable};
use crate::{Message, MessageId, StoreError};

impl ScyllaChatStore {
    /// The message a user's list names as newest. While that message's store is in flight
    /// (or interrupted until its retry) its row is missing; the newest committed one stands in.
    pub(super) async fn newest_message(
        &self,
        conversation_id: &str,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        if let Some(message) = self.message(conversation_id, id).await? {
            return Ok(Some(message));
        }
        Ok(self
            .before(conversation_id, None, 1)
            .await?
            .into_iter()
            .next())
    }

    /// Up to `limit` messages below `before`, newest first: walks the conversation's
    /// buckets from `before`'s downwards, one slice each, until the page is full.
    pub(super) async fn before(
        &self,
        conversation_id: &str,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let mut found = Vec::new();
        if limit == 0 {
            return Ok(found);
        }
        let top = before.map_or(i32::MAX, keys::bucket_of);
        let bound = before.and_then(keys::upper_bound);
        let statement = &self.statements.select_buckets_down;
        let mut buckets = gochat_cql::observed(
            statement,
            self.session
                .execute_iter(statement.clone(), (conversation_id, top)),
        )
        .await
        .map_err(unavailable)?
        .rows_stream::<(i32,)>()
        .map_err(corrupt)?;
        while let Some((bucket,)) = buckets.try_next().await.map_err(unavailable)? {
            let want = remaining(limit, found.len());
            let page: Vec<rows::MessageRow> = match bound {
                Some(bound) => {
                    let values = (conversation_id, bucket, bound, want);
                    rows::select(&self.session, &self.statements.select_page_before, values).await?
                }
                None => {
                    let values = (conversation_id, bucket, want);
                    rows::select(&self.session, &self.statements.select_page, values).await?
                }
            };
            for row in page {
                found.push(rows::message(conversation_id, row)?);
            }
            if found.len() >= limit {
                break;
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    /// Up to `limit` messages of the user's conversations at or after `since_ms`, oldest
    /// first: only conversations active since then are read, each from `since_ms`'s bucket
    /// upwards, then merged.
    pub(super) async fn since(
        &self,
        user_id: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let first = MessageId::first_at(since_ms);
        let Some(first_raw) = keys::upper_bound(first).filter(|_| limit > 0) else {
            return Ok(Vec::new());
        };
        let active: Vec<String> = self
            .memberships(user_id)
            .await?
            .into_iter()
            .filter(|(_, activity_ms, newest)| newest.is_some() && *activity_ms >= since_ms)
            .map(|(id, _, _)| id)
            .collect();
        let per_conversation: Vec<Vec<Message>> = stream::iter(active)
            .map(|id| async move { self.conversation_since(&id, first, first_raw, limit).await })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        let mut found = per_conversation.concat();
        found.sort_by_key(|m| (m.sent_at_ms, m.id));
        found.truncate(limit);
        Ok(found)
    }

    /// Up to `limit` messages of one conversation with ids from `first`, oldest first.
    async fn conversation_since(
        &self,
        conversation_id: &str,
        first: MessageId,
        first_raw: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let mut found = Vec::new();
        let from = (conversation_id, keys::bucket_of(first));
        let statement = &self.statements.select_buckets_up;
        let mut buckets = gochat_cql::observed(
            statement,
            self.session.execute_iter(statement.clone(), from),
        )
        .await
        .map_err(unavailable)?
        .rows_stream::<(i32,)>()
        .map_err(corrupt)?;
        while let Some((bucket,)) = buckets.try_next().await.map_err(unavailable)? {
            let values = (
                conversation_id,
                bucket,
                first_raw,
                remaining(limit, found.len()),
            );
            let page: Vec<rows::MessageRow> =
                rows::select(&self.session, &self.statements.select_since, values).await?;
            for row in page {
                found.push(rows::message(conversation_id, row)?);
            }
            if found.len() >= limit {
                break;
            }
        }
        found.truncate(limit);
        Ok(found)
    }
}

/// The `LIMIT` of the next slice when `have` of `limit` rows are found.
fn remaining(limit: usize, have: usize) -> i32 {
    i32::try_from(limit.saturating_sub(have)).unwrap_or(i32::MAX)
}
