//! Conversation records, the direct-pair claim and per-user conversation lists.

use futures::{StreamExt, TryStreamExt, stream};

use super::{CONCURRENCY, ScyllaChatStore, keys, lwt::Outcome, rows, run_all, unavailable};
use crate::{Conversation, ConversationKind, ConversationSummary, CreatedConversation, StoreError};

/// One row of a user's list: conversation id, last activity ms, newest message id.
type Membership = (String, i64, Option<i64>);

impl ScyllaChatStore {
    /// The conversation with `id`, if its row exists.
    pub(super) async fn load_conversation(
        &self,
        id: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        if let Some(cached) = self.conversations.get(id) {
            return Ok(Some(Conversation::clone(&cached)));
        }
        let found: Vec<rows::ConversationRow> =
            rows::select(&self.session, &self.statements.select_conversation, (id,)).await?;
        let conversation = found
            .into_iter()
            .next()
            .map(|row| rows::conversation(id, row))
            .transpose()?;
        if let Some(conversation) = &conversation {
            self.conversations.insert(conversation.clone());
        }
        Ok(conversation)
    }

    /// Stores a conversation; see `ChatStore::create_conversation`.
    pub(super) async fn create(
        &self,
        conversation: &Conversation,
    ) -> Result<CreatedConversation, StoreError> {
        if conversation.kind == ConversationKind::Direct {
            return self.create_direct(conversation).await;
        }
        let claim = self.insert_conversation(conversation).await?;
        if !claim.applied() {
            return Err(already_used(&conversation.id));
        }
        self.add_members(conversation).await?;
        Ok(CreatedConversation {
            conversation: conversation.clone(),
            created: true,
        })
    }

    /// Claims the pair, then writes the conversation; a caller that loses the claim gets
    /// the winner's conversation, finished from the claim if its writer stopped half-way.
    async fn create_direct(
        &self,
        conversation: &Conversation,
    ) -> Result<CreatedConversation, StoreError> {
        let pair = keys::pair_key(&conversation.member_ids)?;
        let values = (
            pair.as_str(),
            conversation.id.as_str(),
            &conversation.member_ids,
            conversation.created_at_ms,
        );
        let claim = self
            .conditional(&self.statements.insert_pair, values)
            .await?;
        if !claim.applied() {
            let winner = Conversation::new(
                claim.text("conversation_id")?,
                ConversationKind::Direct,
                claim.texts("member_ids")?,
                None,
                claim.bigint("created_at_ms")?,
            );
            let conversation = self.finish_direct(winner).await?;
            return Ok(CreatedConversation {
                conversation,
                created: false,
            });
        }
        let row = self.insert_conversation(conversation).await?;
        if !row.applied() && existing(&conversation.id, &row)? != *conversation {
            // The id belongs to another conversation: give the pair back.
            self.conditional(
                &self.statements.delete_pair,
                (pair.as_str(), &conversation.id),
            )
            .await?;
            return Err(already_used(&conversation.id));
        }
        // Not applied with equal content: a losing racer finished it from the claim.
        self.add_members(conversation).await?;
        Ok(CreatedConversation {
            conversation: conversation.clone(),
            created: true,
        })
    }

    /// Makes sure a claimed pair's conversation row and memberships exist (all writes are
    /// idempotent), and returns the stored conversation.
    async fn finish_direct(&self, claimed: Conversation) -> Result<Conversation, StoreError> {
        match self.load_conversation(&claimed.id).await? {
            Some(stored) if stored != claimed => {
                return Err(StoreError::Corrupt(format!(
                    "direct pair points at a different conversation {}",
                    claimed.id
                )));
            }
            Some(_) => {}
            None => {
                let row = self.insert_conversation(&claimed).await?;
                if !row.applied() && existing(&claimed.id, &row)? != claimed {
                    return Err(StoreError::Corrupt(format!(
                        "direct pair points at a different conversation {}",
                        claimed.id
                    )));
                }
            }
        }
        self.add_members(&claimed).await?;
        Ok(claimed)
    }

    /// Inserts the conversation row if its id is free.
    async fn insert_conversation(&self, c: &Conversation) -> Result<Outcome, StoreError> {
        let values = (
            c.id.as_str(),
            rows::kind_name(c.kind),
            &c.member_ids,
            c.title.as_deref(),
            c.created_at_ms,
            c.created_by.as_str(),
        );
        self.conditional(&self.statements.insert_conversation, values)
            .await
    }

    /// Adds the conversation to every member's list (below any message's activity).
    async fn add_members(&self, c: &Conversation) -> Result<(), StoreError> {
        let writes = c
            .member_ids
            .iter()
            .map(|member| {
                gochat_cql::execute_unpaged(
                    &self.session,
                    &self.statements.insert_membership,
                    (
                        member.as_str(),
                        c.id.as_str(),
                        c.created_at_ms,
                        keys::MEMBERSHIP_TIMESTAMP,
                    ),
                )
            })
            .collect();
        run_all(writes).await
    }

    /// The direct conversation of `a` and `b`, once its row is written.
    pub(super) async fn direct(
        &self,
        a: &str,
        b: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        let pair = keys::direct_pair(a, b);
        let found: Vec<(String,)> =
            rows::select(&self.session, &self.statements.select_pair, (pair,)).await?;
        match found.into_iter().next() {
            Some((id,)) => self.load_conversation(&id).await,
            None => Ok(None),
        }
    }

    /// The rows of the user's list, most recently active first.
    pub(super) async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>, StoreError> {
        let statement = &self.statements.select_memberships;
        let mut rows: Vec<Membership> = gochat_cql::observed(statement, async {
            self.session
                .execute_iter(statement.clone(), (user_id,))
                .await
                .map_err(unavailable)?
                .rows_stream::<Membership>()
                .map_err(super::corrupt)?
                .map_err(unavailable)
                .try_collect()
                .await
        })
        .await?;
        rows.sort_by(|a, b| recency(b).cmp(&recency(a)));
        Ok(rows)
    }

    /// The user's conversations with their newest messages, most recently active first.
    pub(super) async fn list(&self, user_id: &str) -> Result<Vec<ConversationSummary>, StoreError> {
        let memberships = self.memberships(user_id).await?;
        stream::iter(memberships)
            .map(|(id, _, newest)| self.summary(id, newest, user_id))
            .buffered(CONCURRENCY)
            .try_collect()
            .await
    }

    /// Compare-and-set of a group's members (a lightweight transaction on `member_ids`),
    /// then the list rows of who joined and left; see `ChatStore::update_members`.
    pub(super) async fn replace_members(
        &self,
        expected: &[String],
        updated: &Conversation,
    ) -> Result<bool, StoreError> {
        let values = (
            &updated.member_ids,
            &updated.former_members,
            updated.id.as_str(),
            expected,
        );
        let outcome = self
            .conditional(&self.statements.update_members, values)
            .await?;
        if !outcome.applied() {
            self.conversations.forget(&updated.id);
            return Ok(false);
        }
        self.conversations.insert(updated.clone());
        let (joined, left) = crate::store::joined_and_left(expected, &updated.member_ids);
        // A user who left before and joins again outranks the deletion of their old row.
        let now_us = gochat_runtime::clock::now_ms().saturating_mul(1000);
        let mut writes = Vec::new();
        for member in joined {
            writes.push(gochat_cql::execute_unpaged(
                &self.session,
                &self.statements.insert_membership,
                (member, updated.id.as_str(), updated.created_at_ms, now_us),
            ));
        }
        run_all(writes).await?;
        let removals = left
            .into_iter()
            .map(|member| {
                gochat_cql::execute_unpaged(
                    &self.session,
                    &self.statements.delete_membership,
                    (member, updated.id.as_str()),
                )
            })
            .collect();
        run_all(removals).await?;
        Ok(true)
    }

    /// Every conversation the user is a member of.
    pub(super) async fn of_member(&self, user_id: &str) -> Result<Vec<Conversation>, StoreError> {
        let memberships = self.memberships(user_id).await?;
        stream::iter(memberships)
            .map(|(id, _, _)| async move {
                self.load_conversation(&id).await?.ok_or_else(|| {
                    StoreError::Corrupt(format!("membership points at missing conversation {id}"))
                })
            })
            .buffered(CONCURRENCY)
            .try_collect()
            .await
    }

    /// One list entry: the conversation, its newest message and the user's read state.
    async fn summary(
        &self,
        id: String,
        newest: Option<i64>,
        user_id: &str,
    ) -> Result<ConversationSummary, StoreError> {
        let conversation = self.load_conversation(&id).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("membership points at missing conversation {id}"))
        })?;
        let last_message = async {
            match newest {
                Some(raw) => self.newest_message(&id, keys::read_id(raw)?).await,
                None => Ok(None),
            }
        };
        let (last_message, read) = futures::try_join!(last_message, self.unread(&id, user_id))?;
        Ok(ConversationSummary {
            conversation,
            last_message,
            read,
        })
    }
}

/// How recent a membership row is: last activity, then newest message id, then id.
fn recency(row: &Membership) -> (i64, i64, &str) {
    (row.1, row.2.unwrap_or(0), row.0.as_str())
}

/// The conversation a failed `IF NOT EXISTS` found under `id`.
fn existing(id: &str, row: &Outcome) -> Result<Conversation, StoreError> {
    let conversation = Conversation {
        created_by: row.optional_text("created_by")?.unwrap_or_default(),
        ..Conversation::new(
            id.to_owned(),
            rows::parse_kind(&row.text("kind")?)?,
            row.texts("member_ids")?,
            row.optional_text("title")?,
            row.bigint("created_at_ms")?,
        )
    };
    Ok(conversation.with_creator())
}

fn already_used(id: &str) -> StoreError {
    StoreError::Invalid(format!("conversation id {id} is already used"))
}
