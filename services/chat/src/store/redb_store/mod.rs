//! The embedded [`ChatStore`]: one redb file, every operation one transaction. Opened with
//! the embedded event log in the same file, a send's message and its events are one write.

mod changes;
mod conversations;
mod messages;
mod tables;

use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use gochat_delivery::embedded::{Appended, Appender, EmbeddedEventLog};
use gochat_group_commit::GroupCommit;
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    WriteTransaction,
};

use self::tables::{
    BLOCKS, CONVERSATIONS, DIRECT_PAIRS, IDEMPOTENCY, MEMBERSHIPS, MESSAGES, READ_MARKERS,
    UNPUBLISHED, decode, unavailable,
};
use super::{ChatStore, MarkedRead, MembersUpdated, StoreError};
use crate::{
    ChangeOutcome, ChangeRequest, Conversation, ConversationSummary, CreatedConversation, Message,
    MessageId, Publication, ReadState, StoredMessage,
};

/// Conversations and messages in a redb file (`<data_dir>/chat.redb` in local mode).
/// redb serializes write transactions, which makes each insert-if-absent atomic; concurrent
/// writes share one commit (group commit), so sends do not queue behind one fsync each.
#[derive(Clone)]
pub struct RedbChatStore {
    db: Arc<Database>,
    writer: Arc<GroupCommit>,
    /// The event log kept in the same file, when opened with it: sends publish in their
    /// own write.
    events: Option<EmbeddedEventLog>,
    /// Messages being republished (raw id -> claimed until, ms): one process owns the file,
    /// so its claims can live in memory.
    republications: Arc<Mutex<HashMap<u64, i64>>>,
}

impl RedbChatStore {
    /// Opens (or creates) the store file at `path` and its tables.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Arc::new(gochat_group_commit::open_database(path).map_err(unavailable)?);
        create_tables(&db)?;
        let writer = GroupCommit::new(Arc::clone(&db), "chat-store").map_err(unavailable)?;
        Ok(Self {
            db,
            writer: Arc::new(writer),
            events: None,
            republications: Arc::default(),
        })
    }

    /// Opens (or creates) the store file at `path` with the embedded event log's tables in
    /// it, both committed by one writer: a send stores its message and appends its events
    /// in one write ([`ChatStore::store_and_publish`]). The log keeps events for
    /// `retention`. Returns the store and the log, which the gateway reads from.
    pub fn open_with_event_log(
        path: &Path,
        retention: Duration,
    ) -> Result<(Self, EmbeddedEventLog), StoreError> {
        let mut store = Self::open(path)?;
        let events = EmbeddedEventLog::open_in(Arc::clone(&store.db), Arc::clone(&store.writer))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .with_retention(retention);
        store.events = Some(events.clone());
        Ok((store, events))
    }

    /// Runs `work` in one read transaction, off the async runtime.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_read().map_err(unavailable)?;
            work(&txn)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }

    /// Runs `work` in a write transaction shared with concurrent writers, committed once
    /// for all of them; `work` may run again alone if a neighbour fails, so it must not
    /// consume what it captured.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer
            .write(work, |_| {}, StoreError::Unavailable)
            .await
    }

    /// Runs `work` like [`Self::write`], handing it the event log's appender when this store
    /// has the log: the events `work` appends commit with its writes and reach this
    /// process's subscribers right after the commit.
    async fn write_published<T, F>(&self, mut work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&WriteTransaction, Option<&Appender>) -> Result<(T, Option<Appended>), StoreError>
            + Send
            + 'static,
    {
        let appender = self.events.as_ref().map(EmbeddedEventLog::appender);
        let (value, _) = self
            .writer
            .write(
                move |txn| work(txn, appender.as_ref()),
                |(_, appended): &(T, Option<Appended>)| {
                    if let Some(appended) = appended {
                        appended.notify();
                    }
                },
                StoreError::Unavailable,
            )
            .await?;
        if let Some(events) = &self.events {
            events.trim_if_due().await;
        }
        Ok(value)
    }
}

/// Appends `event` for `recipients` through `appender`.
fn append(
    appender: &Appender,
    txn: &WriteTransaction,
    recipients: &[String],
    event: &bytes::Bytes,
) -> Result<Appended, StoreError> {
    appender
        .append(txn, recipients, event)
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

#[async_trait]
impl ChatStore for RedbChatStore {
    async fn create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<CreatedConversation, StoreError> {
        let conversation = conversation.clone();
        self.write(move |txn| conversations::create(txn, conversation.clone()))
            .await
    }

    async fn conversation(&self, id: &str) -> Result<Option<Conversation>, StoreError> {
        let id = id.to_owned();
        self.read(move |txn| {
            let table = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
            conversations::load(&table, &id)
        })
        .await
    }

    async fn direct_conversation(
        &self,
        a: &str,
        b: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        let (a, b) = (a.to_owned(), b.to_owned());
        self.read(move |txn| conversations::direct(txn, &a, &b))
            .await
    }

    async fn list_conversations(
        &self,
        user_id: &str,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |txn| conversations::list(txn, &user_id))
            .await
    }

    async fn store_message(&self, message: &Message) -> Result<StoredMessage, StoreError> {
        let message = message.clone();
        self.write(move |txn| messages::store(txn, message.clone(), true))
            .await
    }

    async fn store_and_publish(
        &self,
        message: &Message,
        publication: &Publication,
    ) -> Result<StoredMessage, StoreError> {
        if self.events.is_none() {
            return self.store_message(message).await;
        }
        // The event is encoded here rather than on the writer thread, which every send
        // shares; a retry whose first message differs encodes that one there.
        let event = publication.event(message);
        let (message, publication) = (message.clone(), publication.clone());
        self.write_published(move |txn, appender| {
            let Some(appender) = appender else {
                return Err(StoreError::Unavailable("the event log is not open".into()));
            };
            messages::store_published(txn, message.clone(), |stored| {
                let event = if stored.id == message.id {
                    event.clone()
                } else {
                    publication.event(stored)
                };
                append(appender, txn, &publication.recipients, &event)
            })
        })
        .await
    }

    async fn mark_published(
        &self,
        conversation_id: &str,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        let conversation_id = conversation_id.to_owned();
        self.write(move |txn| {
            let mut table = txn.open_table(UNPUBLISHED).map_err(unavailable)?;
            table
                .remove((conversation_id.as_str(), message_id.raw()))
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn unpublished(
        &self,
        before: MessageId,
        limit: usize,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        self.read(move |txn| {
            let table = txn.open_table(UNPUBLISHED).map_err(unavailable)?;
            let mut found = Vec::new();
            for entry in table.iter().map_err(unavailable)? {
                let (key, _) = entry.map_err(unavailable)?;
                let (conversation_id, raw) = key.value();
                if raw < before.raw() {
                    found.push((conversation_id.to_owned(), MessageId::from_raw(raw)));
                }
            }
            found.sort_by_key(|(_, id)| *id);
            found.truncate(limit);
            Ok(found)
        })
        .await
    }

    async fn claim_republication(
        &self,
        conversation_id: &str,
        message_id: MessageId,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let key = (conversation_id.to_owned(), message_id.raw());
        let pending = self
            .read(move |txn| {
                let table = txn.open_table(UNPUBLISHED).map_err(unavailable)?;
                let found = table
                    .get((key.0.as_str(), key.1))
                    .map_err(unavailable)?
                    .is_some();
                Ok(found)
            })
            .await?;
        if !pending {
            return Ok(false);
        }
        let now = gochat_runtime::clock::now_ms();
        let mut claims = self
            .republications
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        claims.retain(|_, until| *until > now);
        if claims.contains_key(&message_id.raw()) {
            return Ok(false);
        }
        claims.insert(message_id.raw(), until_ms);
        Ok(true)
    }

    async fn messages_before(
        &self,
        conversation_id: &str,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let conversation_id = conversation_id.to_owned();
        self.read(move |txn| messages::before(txn, &conversation_id, before, limit))
            .await
    }

    async fn messages_since(
        &self,
        user_id: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |txn| messages::since(txn, &user_id, since_ms, limit))
            .await
    }

    async fn update_members(
        &self,
        expected: &[String],
        updated: &Conversation,
        publication: &Publication,
        event: &bytes::Bytes,
    ) -> Result<MembersUpdated, StoreError> {
        let (expected, updated) = (expected.to_vec(), updated.clone());
        let (publication, event) = (publication.clone(), event.clone());
        self.write_published(move |txn, appender| {
            if !conversations::replace_members(txn, &expected, &updated)? {
                return Ok((
                    MembersUpdated {
                        applied: false,
                        published: false,
                    },
                    None,
                ));
            }
            let appended = match appender {
                Some(appender) => Some(append(appender, txn, &publication.recipients, &event)?),
                None => None,
            };
            let published = appended.is_some();
            Ok((
                MembersUpdated {
                    applied: true,
                    published,
                },
                appended,
            ))
        })
        .await
    }

    async fn block(&self, blocker: &str, blocked: &str, at_ms: i64) -> Result<(), StoreError> {
        let (blocker, blocked) = (blocker.to_owned(), blocked.to_owned());
        self.write(move |txn| {
            let mut blocks = txn.open_table(BLOCKS).map_err(unavailable)?;
            blocks
                .insert((blocker.as_str(), blocked.as_str()), at_ms)
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn unblock(&self, blocker: &str, blocked: &str) -> Result<(), StoreError> {
        let (blocker, blocked) = (blocker.to_owned(), blocked.to_owned());
        self.write(move |txn| {
            let mut blocks = txn.open_table(BLOCKS).map_err(unavailable)?;
            blocks
                .remove((blocker.as_str(), blocked.as_str()))
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn blocks_of(&self, blocker: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let blocker = blocker.to_owned();
        self.read(move |txn| {
            let blocks = txn.open_table(BLOCKS).map_err(unavailable)?;
            let mut found = Vec::new();
            for entry in blocks
                .range((blocker.as_str(), "")..)
                .map_err(unavailable)?
            {
                let (key, at) = entry.map_err(unavailable)?;
                let (who, blocked) = key.value();
                if who != blocker {
                    break;
                }
                found.push((blocked.to_owned(), at.value()));
            }
            Ok(found)
        })
        .await
    }

    async fn member_conversations(&self, user_id: &str) -> Result<Vec<Conversation>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |txn| conversations::of_member(txn, &user_id))
            .await
    }

    async fn message(
        &self,
        conversation_id: &str,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let conversation_id = conversation_id.to_owned();
        self.read(move |txn| {
            let table = txn.open_table(MESSAGES).map_err(unavailable)?;
            let found = table
                .get((conversation_id.as_str(), id.raw()))
                .map_err(unavailable)?;
            found.map(|bytes| decode(bytes.value())).transpose()
        })
        .await
    }

    async fn change_message(
        &self,
        request: &ChangeRequest,
        publication: &Publication,
    ) -> Result<ChangeOutcome, StoreError> {
        let (request, publication) = (request.clone(), publication.clone());
        self.write_published(move |txn, appender| {
            let mut outcome = changes::change(txn, &request)?;
            let mut appended = None;
            if let (
                Some(appender),
                ChangeOutcome::Applied {
                    message,
                    changed,
                    published,
                },
            ) = (appender, &mut outcome)
            {
                if *changed {
                    let event = publication.change_event(&request.change, message);
                    appended = Some(append(appender, txn, &publication.recipients, &event)?);
                }
                // An unchanged message's change was published with the write that made it.
                *published = true;
            }
            Ok((outcome, appended))
        })
        .await
    }

    async fn mark_read(
        &self,
        conversation_id: &str,
        user_id: &str,
        message_id: MessageId,
        publication: &Publication,
    ) -> Result<MarkedRead, StoreError> {
        let (conversation_id, user_id) = (conversation_id.to_owned(), user_id.to_owned());
        let publication = publication.clone();
        self.write_published(move |txn, appender| {
            let moved = changes::mark_read(txn, &conversation_id, &user_id, message_id)?;
            let appended = match appender {
                Some(appender) if moved => {
                    let event = publication.read_event(&conversation_id, &user_id, message_id);
                    Some(append(appender, txn, &publication.recipients, &event)?)
                }
                _ => None,
            };
            let published = appender.is_some();
            Ok((MarkedRead { moved, published }, appended))
        })
        .await
    }

    async fn read_markers(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<(String, MessageId)>, StoreError> {
        let conversation_id = conversation_id.to_owned();
        self.read(move |txn| changes::markers(txn, &conversation_id))
            .await
    }

    async fn read_state(
        &self,
        conversation_id: &str,
        user_id: &str,
    ) -> Result<ReadState, StoreError> {
        let (conversation_id, user_id) = (conversation_id.to_owned(), user_id.to_owned());
        self.read(move |txn| changes::read_state(txn, &conversation_id, &user_id))
            .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|txn| {
            let table = txn.open_table(CONVERSATIONS).map_err(unavailable)?;
            table.len().map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

/// Creates the store's tables that do not exist yet.
fn create_tables(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    txn.open_table(CONVERSATIONS).map_err(unavailable)?;
    txn.open_table(DIRECT_PAIRS).map_err(unavailable)?;
    txn.open_table(MEMBERSHIPS).map_err(unavailable)?;
    txn.open_table(MESSAGES).map_err(unavailable)?;
    txn.open_table(IDEMPOTENCY).map_err(unavailable)?;
    txn.open_table(UNPUBLISHED).map_err(unavailable)?;
    txn.open_table(READ_MARKERS).map_err(unavailable)?;
    txn.open_table(BLOCKS).map_err(unavailable)?;
    txn.commit().map_err(unavailable)
}

#[cfg(test)]
mod tests;
