//! Edits and deletes of sent messages, read markers and unread counts.
//!
//! An edit or delete is a lightweight transaction on the message row conditioned on its
//! sender (and, for an edit, on it not being deleted), so an edit cannot bring a deleted
//! message's text back and a row that does not exist is never created. A read marker moves
//! by inserting the new position and then deleting the user's positions below it: readers
//! take the largest, so concurrent moves keep the furthest without a read-before-write.

use futures::TryStreamExt;

use super::{ScyllaChatStore, corrupt, keys, rows, unavailable};
use crate::{
    ChangeOutcome, ChangeRequest, MessageChange, MessageId, ReadState, StoreError, UNREAD_COUNT_CAP,
};

/// Messages an unread count looks at after a marker before it stops, so a long run of the
/// user's own messages cannot make a list slow.
const UNREAD_SCAN_LIMIT: usize = 4 * UNREAD_COUNT_CAP as usize;

impl ScyllaChatStore {
    /// Applies a change; see `ChatStore::change_message` (`published` is always false: the
    /// caller publishes).
    pub(super) async fn change(
        &self,
        request: &ChangeRequest,
    ) -> Result<ChangeOutcome, StoreError> {
        let id = request.message_id;
        let Some(current) = self.message(&request.conversation_id, id).await? else {
            return Ok(ChangeOutcome::NotFound);
        };
        let outcome = request.outcome_for(&current);
        let ChangeOutcome::Applied {
            message,
            changed: true,
            ..
        } = &outcome
        else {
            return Ok(outcome);
        };
        let (conversation_id, bucket) = (request.conversation_id.as_str(), keys::bucket_of(id));
        let stored_id = keys::stored_id(id)?;
        let user = request.user_id.as_str();
        let written = match &request.change {
            MessageChange::Edit(body) => {
                let values = (
                    body.as_str(),
                    message.edited_at_ms,
                    conversation_id,
                    bucket,
                    stored_id,
                    user,
                );
                self.conditional(&self.statements.edit_message, values)
                    .await?
            }
            MessageChange::Delete => {
                let values = (conversation_id, bucket, stored_id, user);
                self.conditional(&self.statements.delete_message, values)
                    .await?
            }
        };
        if written.applied() {
            return Ok(outcome);
        }
        // A concurrent delete won (the sender and the row do not change): decide again on
        // what is stored now.
        match self.message(conversation_id, id).await? {
            None => Ok(ChangeOutcome::NotFound),
            Some(now) => match request.outcome_for(&now) {
                ChangeOutcome::Applied { changed: true, .. } => Err(StoreError::Unavailable(
                    "the message changed while it was being changed; retry".into(),
                )),
                settled => Ok(settled),
            },
        }
    }

    /// Moves the user's marker to `message_id` unless it is already there or past it.
    pub(super) async fn move_marker(
        &self,
        conversation_id: &str,
        user_id: &str,
        message_id: MessageId,
    ) -> Result<bool, StoreError> {
        if self
            .marker(conversation_id, user_id)
            .await?
            .is_some_and(|current| current >= message_id)
        {
            return Ok(false);
        }
        let id = keys::stored_id(message_id)?;
        for statement in [
            &self.statements.insert_read_marker,
            &self.statements.trim_read_markers,
        ] {
            gochat_cql::execute_unpaged(&self.session, statement, (conversation_id, user_id, id))
                .await
                .map_err(unavailable)?;
        }
        Ok(true)
    }

    /// The user's marker in the conversation, if set.
    async fn marker(
        &self,
        conversation_id: &str,
        user_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        let found: Vec<(i64,)> = rows::select(
            &self.session,
            &self.statements.select_read_marker,
            (conversation_id, user_id),
        )
        .await?;
        found
            .into_iter()
            .next()
            .map(|(raw,)| keys::read_id(raw))
            .transpose()
    }

    /// Every marker set in the conversation (the largest position of each user).
    pub(super) async fn markers(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        let found: Vec<(String, i64)> = rows::select(
            &self.session,
            &self.statements.select_read_markers,
            (conversation_id,),
        )
        .await?;
        let mut markers: Vec<(String, MessageId)> = Vec::new();
        for (user, raw) in found {
            let id = keys::read_id(raw)?;
            match markers.last_mut() {
                // Rows come by user, largest position first.
                Some((last, _)) if *last == user => {}
                _ => markers.push((user, id)),
            }
        }
        Ok(markers)
    }

    /// The user's marker and the messages from others after it, walking the conversation's
    /// buckets from the marker's upwards.
    pub(super) async fn unread(
        &self,
        conversation_id: &str,
        user_id: &str,
    ) -> Result<ReadState, StoreError> {
        let read_up_to = self.marker(conversation_id, user_id).await?;
        let after = match read_up_to {
            Some(id) => keys::stored_id(id)?,
            None => -1,
        };
        let from = read_up_to.map_or(0, keys::bucket_of);
        let statement = &self.statements.select_buckets_up;
        let mut buckets = gochat_cql::observed(
            statement,
            self.session
                .execute_iter(statement.clone(), (conversation_id, from)),
        )
        .await
        .map_err(unavailable)?
        .rows_stream::<(i32,)>()
        .map_err(corrupt)?;
        let (mut unread_count, mut scanned) = (0u32, 0usize);
        while let Some((bucket,)) = buckets.try_next().await.map_err(unavailable)? {
            let want = i32::try_from(UNREAD_SCAN_LIMIT - scanned).unwrap_or(i32::MAX);
            let found: Vec<(String, Option<bool>)> = rows::select(
                &self.session,
                &self.statements.select_unread,
                (conversation_id, bucket, after, want),
            )
            .await?;
            scanned += found.len();
            unread_count += found
                .iter()
                .filter(|(sender, deleted)| sender != user_id && *deleted != Some(true))
                .count() as u32;
            if unread_count >= UNREAD_COUNT_CAP || scanned >= UNREAD_SCAN_LIMIT {
                break;
            }
        }
        Ok(ReadState {
            read_up_to,
            unread_count: unread_count.min(UNREAD_COUNT_CAP),
        })
    }
}
