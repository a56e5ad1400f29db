//! [`AccountStore`](super::AccountStore) and [`SessionStore`](super::SessionStore) on
//! ScyllaDB (tests run Apache Cassandra; only CQL both accept is used).
//!
//! Every statement is prepared once in [`ScyllaStore::new`]. Plain reads and writes use the
//! session's default consistency (the caller configures it: `LOCAL_QUORUM` in production);
//! the atomic steps the traits demand are lightweight transactions with `SERIAL` consistency
//! for their Paxos phase, and reads that must see the latest transaction use `SERIAL` too.
//!
//! Accounts: `accounts_by_email` reserves an email for an account id (`IF NOT EXISTS`), the
//! `accounts` row is written, then the reservation is marked `committed`. Only a committed
//! reservation makes an email taken, so a create that stopped half-way never blocks the
//! address for good (see `accounts.rs`). Sessions: one row each, written whole with a TTL
//! that ends at the session's expiry, changed only by compare-and-set on its secret.

mod accounts;
mod lwt;
mod rows;
mod schema;
mod sessions;
mod statements;

use std::sync::Arc;

use async_trait::async_trait;
use gochat_cql::scylla::{
    client::session::Session, response::query_result::QueryResult, serialize::row::SerializeRow,
    statement::prepared::PreparedStatement,
};

pub use schema::{SCHEMA, migrate};
use statements::Statements;

use super::StoreError;

/// Accounts and sessions in a CQL keyspace; implements both
/// [`AccountStore`](super::AccountStore) and [`SessionStore`](super::SessionStore). Cheap to
/// clone: clones share the session and the prepared statements.
#[derive(Clone)]
pub struct ScyllaStore {
    session: Arc<Session>,
    statements: Arc<Statements>,
}

impl std::fmt::Debug for ScyllaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScyllaStore")
            .field("keyspace", &self.statements.keyspace)
            .finish_non_exhaustive()
    }
}

impl ScyllaStore {
    /// Prepares every statement against the tables of `keyspace` (which [`migrate`] must
    /// have created). Fails with [`StoreError::Unavailable`] when the cluster cannot be
    /// reached, the tables are missing, or `keyspace` is not a plain CQL identifier.
    pub async fn new(session: Arc<Session>, keyspace: &str) -> Result<Self, StoreError> {
        let statements = Statements::prepare(&session, keyspace).await?;
        Ok(Self {
            session,
            statements: Arc::new(statements),
        })
    }

    /// Runs one prepared statement; a driver failure is [`StoreError::Unavailable`].
    async fn run(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeRow,
    ) -> Result<QueryResult, StoreError> {
        gochat_cql::execute_unpaged(&self.session, statement, values)
            .await
            .map_err(unavailable)
    }

    /// Runs one lightweight transaction and answers whether it applied.
    async fn cas(
        &self,
        statement: &PreparedStatement,
        values: impl SerializeRow,
    ) -> Result<bool, StoreError> {
        lwt::applied(self.run(statement, values).await?)
    }

    /// A cheap round trip to the cluster, for readiness.
    async fn ping_cluster(&self) -> Result<(), StoreError> {
        self.run(&self.statements.ping, ()).await.map(drop)
    }
}

/// A driver failure: the cluster is unreachable, overloaded or timed out.
fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A result that does not have the shape the schema promises.
fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[async_trait]
impl super::AccountStore for ScyllaStore {
    async fn create(&self, account: &super::AccountRecord) -> Result<(), StoreError> {
        self.create_account(account).await
    }

    async fn get(&self, id: &str) -> Result<Option<super::AccountRecord>, StoreError> {
        self.account(id).await
    }

    async fn get_by_email(&self, email: &str) -> Result<Option<super::AccountRecord>, StoreError> {
        self.account_by_email(email).await
    }

    async fn get_many(&self, ids: &[String]) -> Result<Vec<super::AccountRecord>, StoreError> {
        self.accounts(ids).await
    }

    async fn activate(&self, id: &str) -> Result<Option<super::AccountRecord>, StoreError> {
        self.activate_account(id).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping_cluster().await
    }
}

#[async_trait]
impl super::SessionStore for ScyllaStore {
    async fn create(&self, session: &super::SessionRecord) -> Result<(), StoreError> {
        self.create_session(session).await
    }

    async fn get(&self, id: &str) -> Result<Option<super::SessionRecord>, StoreError> {
        self.session(id, lwt::Read::Default).await
    }

    async fn rotate(
        &self,
        id: &str,
        presented: &super::SecretHash,
        next: &super::SecretHash,
        now_ms: i64,
        next_expires_at_ms: i64,
    ) -> Result<super::RotateOutcome, StoreError> {
        self.rotate_session(id, presented, next, now_ms, next_expires_at_ms)
            .await
    }

    async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        self.revoke_session(id).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping_cluster().await
    }
}
