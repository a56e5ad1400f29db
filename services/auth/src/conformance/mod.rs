//! Shared behaviour tests for [`AccountStore`] and [`SessionStore`]: every implementation
//! (embedded redb now, ScyllaDB later) runs the same suite so they cannot drift apart.
//! Each test uses fresh ids and emails, so the suites can run against a shared database.

mod accounts;
mod sessions;

use std::sync::Arc;

pub use accounts::*;
pub use sessions::*;

use crate::store::{AccountStore, SessionStore};

/// Runs every [`AccountStore`] behaviour test.
pub async fn run_account_suite(store: Arc<dyn AccountStore>) {
    create_then_get_by_id_and_email(&store).await;
    email_is_unique(&store).await;
    concurrent_creates_have_one_winner(&store).await;
    missing_accounts_are_none(&store).await;
    get_many_keeps_order_and_skips_unknown(&store).await;
    activate_is_idempotent(&store).await;
    store.ping().await.expect("ping");
}

/// Runs every [`SessionStore`] behaviour test.
pub async fn run_session_suite(store: Arc<dyn SessionStore>) {
    create_then_get(&store).await;
    rotate_replaces_the_current_secret(&store).await;
    reuse_of_a_rotated_secret_revokes(&store).await;
    unknown_expired_or_revoked_is_invalid(&store).await;
    revoke_reports_existence(&store).await;
    concurrent_rotations_have_one_winner(&store).await;
    store.ping().await.expect("ping");
}
