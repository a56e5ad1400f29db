//! The [`crate::ChatStore`] conformance suite: every implementation (the embedded redb store
//! and the ScyllaDB store) runs it, so they cannot drift apart.
//!
//! - [`conversations`]: records, the direct-pair index, per-user lists by last activity;
//! - [`messages`]: idempotent stores, publication state, history pages, catch-up since a time;
//! - [`changes`]: edits and deletes by the sender, read markers and unread counts;
//! - [`concurrency`]: insert-if-absent under concurrent callers;
//! - [`persistence`]: everything survives closing and reopening the store.
//!
//! Each check uses fresh random user ids, so the suite can run against a shared backend.

pub mod changes;
pub mod concurrency;
pub mod conversations;
pub mod messages;
pub mod persistence;
mod support;

use std::sync::Arc;

use crate::ChatStore;

pub use support::{direct, fresh_user, group, message_at};

/// Runs every check except [`persistence`] (which needs to reopen the store) against `store`.
pub async fn run_all(store: Arc<dyn ChatStore>) {
    conversations::unknown_ids_find_nothing(&store).await;
    conversations::group_round_trips(&store).await;
    conversations::direct_is_unique_per_pair(&store).await;
    conversations::direct_needs_two_distinct_members(&store).await;
    conversations::lists_most_recently_active_first(&store).await;
    conversations::member_conversations_are_the_users_own(&store).await;
    conversations::members_change_by_compare_and_set(&store).await;
    conversations::blocks_are_kept_per_blocker(&store).await;
    messages::store_then_retry_returns_the_first_message(&store).await;
    messages::unknown_conversation_is_refused(&store).await;
    messages::idempotency_is_per_sender_and_conversation(&store).await;
    messages::pages_newest_first(&store).await;
    messages::since_is_oldest_first_across_conversations(&store).await;
    messages::unpublished_messages_wait_for_their_publication(&store).await;
    changes::sender_edits_and_deletes(&store).await;
    changes::read_markers_move_forward_and_count_unread(&store).await;
    changes::concurrent_marks_keep_the_furthest(&store).await;
    concurrency::concurrent_duplicate_sends_store_one_message(&store).await;
    concurrency::concurrent_direct_creation_makes_one_conversation(&store).await;
    store.ping().await.expect("ping answers");
}
