//! Idempotent message stores and their publication state.

use gochat_cql::scylla::{serialize::row::SerializeRow, statement::prepared::PreparedStatement};

use super::{
    ScyllaChatStore,
    claims::{Claim, SendClaims},
    keys,
    lwt::Outcome,
    rows, run_all, unavailable,
};
use crate::{Conversation, Message, MessageId, StoreError, StoredMessage};

impl ScyllaChatStore {
    /// Runs a lightweight transaction and reads its outcome.
    pub(super) async fn conditional(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeRow,
    ) -> Result<Outcome, StoreError> {
        let result = gochat_cql::execute_unpaged(&self.session, statement, values)
            .await
            .map_err(unavailable)?;
        Outcome::read(result)
    }

    /// Stores a message; see `ChatStore::store_message`. The idempotency key is claimed
    /// first (in Redis when the store has [`SendClaims`], else by a lightweight transaction
    /// on the idempotency row); the claimer then commits the message. A caller that finds
    /// the key claimed gets the first message, and commits it itself when its row is missing
    /// (its writer stopped after the claim, or is still writing: the writes are the same
    /// either way).
    pub(super) async fn store(&self, message: &Message) -> Result<StoredMessage, StoreError> {
        let conversation_id = message.conversation_id.as_str();
        let conversation = self
            .load_conversation(conversation_id)
            .await?
            .ok_or_else(|| StoreError::ConversationNotFound(conversation_id.to_owned()))?;
        let first = match &self.claims {
            Some(claims) => self.claim_in_redis(claims, message).await?,
            None => self.claim_in_transaction(message).await?,
        };
        let Some((first_id, first_body)) = first else {
            self.commit(&conversation, message).await?;
            return Ok(StoredMessage {
                message: message.clone(),
                created: true,
                published: false,
            });
        };
        let first = Message::new(
            first_id,
            conversation_id.to_owned(),
            message.sender_id.clone(),
            first_body,
            message.client_msg_id.clone(),
        );
        let (stored, published) = futures::try_join!(
            self.message(conversation_id, first_id),
            self.published(conversation_id, first_id),
        )?;
        let message = match stored {
            Some(stored) => stored,
            None => {
                self.commit(&conversation, &first).await?;
                first
            }
        };
        Ok(StoredMessage {
            message,
            created: false,
            published,
        })
    }

    /// Claims the message's key with a lightweight transaction on its idempotency row:
    /// `None` when this send claimed it, else the first message's id and body.
    async fn claim_in_transaction(
        &self,
        message: &Message,
    ) -> Result<Option<(MessageId, String)>, StoreError> {
        let claim = self
            .conditional(
                &self.statements.insert_idempotency,
                idempotency_row(message)?,
            )
            .await?;
        if claim.applied() {
            return Ok(None);
        }
        let first_id = keys::read_id(claim.bigint("message_id")?)?;
        Ok(Some((first_id, claim.text("body")?)))
    }

    /// Claims the message's key in Redis, then lets the idempotency row decide (a key whose
    /// claim expired or was lost has one) and writes it when it is missing: `None` when this
    /// send is the first, else the first message's id and body. A send that finds the key
    /// claimed but its row not yet written writes the row under the claimer's id.
    async fn claim_in_redis(
        &self,
        claims: &SendClaims,
        message: &Message,
    ) -> Result<Option<(MessageId, String)>, StoreError> {
        let key = (
            message.conversation_id.as_str(),
            message.sender_id.as_str(),
            message.client_msg_id.as_str(),
        );
        let claim = claims.claim(key.0, key.1, key.2, message.id).await?;
        let found: Vec<(i64, String)> =
            rows::select(&self.session, &self.statements.select_idempotency, key).await?;
        if let Some((raw, body)) = found.into_iter().next() {
            if claim == Claim::Claimed {
                crate::metrics::SEND_CLAIMS
                    .with_label_values(&["decided_by_row"])
                    .inc();
            }
            return Ok(Some((keys::read_id(raw)?, body)));
        }
        let first = match claim {
            Claim::Claimed => None,
            Claim::Taken(first_id) => Some((first_id, message.body.clone())),
        };
        let row = Message {
            id: first.as_ref().map_or(message.id, |(id, _)| *id),
            ..message.clone()
        };
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.write_idempotency,
            idempotency_row(&row)?,
        )
        .await
        .map_err(unavailable)?;
        Ok(first)
    }

    /// Writes a claimed message: its bucket and every member's activity first, then the
    /// message row, which is what makes it visible.
    async fn commit(
        &self,
        conversation: &Conversation,
        message: &Message,
    ) -> Result<(), StoreError> {
        let id = keys::stored_id(message.id)?;
        let conversation_id = conversation.id.as_str();
        let timestamp = keys::activity_timestamp(message.id);
        let activity_ms = message.id.unix_ms();
        let bucket = keys::bucket_of(message.id);
        let member_writes = conversation
            .member_ids
            .iter()
            .map(|member| {
                gochat_cql::execute_unpaged(
                    &self.session,
                    &self.statements.touch_membership,
                    (timestamp, activity_ms, id, member.as_str(), conversation_id),
                )
            })
            .collect();
        futures::try_join!(
            self.index_bucket(conversation_id, bucket),
            run_all(member_writes)
        )?;
        let values = (
            conversation_id,
            bucket,
            id,
            message.sender_id.as_str(),
            message.body.as_str(),
            message.client_msg_id.as_str(),
        );
        gochat_cql::execute_unpaged(&self.session, &self.statements.insert_message, values)
            .await
            .map_err(unavailable)?;
        // After the message, so every outbox row has its message: a store that fails in
        // between answers an error, and the sender's retry publishes.
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.insert_pending,
            (keys::pending_shard(message.id), id, conversation_id),
        )
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    /// Writes the (conversation, bucket) index row unless this process already has: the
    /// row never changes or goes away, so writing it once is enough.
    async fn index_bucket(&self, conversation_id: &str, bucket: i32) -> Result<(), StoreError> {
        let key = (conversation_id.to_owned(), bucket);
        if self.indexed_buckets.get(&key).is_some() {
            return Ok(());
        }
        gochat_cql::execute_unpaged(
            &self.session,
            &self.statements.insert_bucket,
            (conversation_id, bucket),
        )
        .await
        .map_err(unavailable)?;
        self.indexed_buckets.insert(key, ());
        Ok(())
    }

    /// The committed message with `id`, if any.
    pub(super) async fn message(
        &self,
        conversation_id: &str,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let values = (conversation_id, keys::bucket_of(id), keys::stored_id(id)?);
        let found: Vec<rows::MessageRow> =
            rows::select(&self.session, &self.statements.select_message, values).await?;
        found
            .into_iter()
            .next()
            .map(|row| rows::message(conversation_id, row))
            .transpose()
    }

    /// Up to `limit` outbox rows with ids below `before`, oldest first, from every shard.
    pub(super) async fn pending(
        &self,
        before: MessageId,
        limit: usize,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        let before = keys::stored_id(before)?;
        let limit_value = i32::try_from(limit).unwrap_or(i32::MAX);
        let reads = (0..keys::PENDING_SHARDS).map(|shard| {
            rows::select::<(String, i64)>(
                &self.session,
                &self.statements.select_pending,
                (shard, before, limit_value),
            )
        });
        let mut found = Vec::new();
        for rows in futures::future::try_join_all(reads).await? {
            for (conversation_id, raw) in rows {
                found.push((conversation_id, keys::read_id(raw)?));
            }
        }
        found.sort_by_key(|(_, id)| *id);
        found.truncate(limit);
        Ok(found)
    }

    /// Whether the message's delivery events were recorded as published.
    async fn published(&self, conversation_id: &str, id: MessageId) -> Result<bool, StoreError> {
        let values = (conversation_id, keys::stored_id(id)?);
        let found: Vec<(i64,)> =
            rows::select(&self.session, &self.statements.select_published, values).await?;
        Ok(!found.is_empty())
    }
}

/// The idempotency row's values for `message`, in statement order.
fn idempotency_row(message: &Message) -> Result<(&str, &str, &str, i64, &str), StoreError> {
    Ok((
        message.conversation_id.as_str(),
        message.sender_id.as_str(),
        message.client_msg_id.as_str(),
        keys::stored_id(message.id)?,
        message.body.as_str(),
    ))
}
