//! Opening a session.

use std::sync::Arc;

use scylla::client::{
    execution_profile::ExecutionProfile, session::Session, session_builder::SessionBuilder,
};

use crate::CqlConfig;

/// Failures talking to the CQL cluster.
#[derive(Debug, thiserror::Error)]
pub enum CqlError {
    /// No session could be opened.
    #[error("connecting to CQL: {0}")]
    Connect(Box<scylla::errors::NewSessionError>),
    /// A statement failed.
    #[error("CQL statement failed: {0}")]
    Execution(Box<scylla::errors::ExecutionError>),
    /// The nodes did not agree on the schema in time.
    #[error("CQL schema agreement: {0}")]
    SchemaAgreement(String),
    /// A schema query answered in an unexpected shape.
    #[error("CQL schema query: {0}")]
    Schema(String),
    /// A keyspace or table name that is not a plain CQL identifier.
    #[error("invalid CQL identifier {0:?}")]
    InvalidIdentifier(String),
}

impl From<scylla::errors::NewSessionError> for CqlError {
    fn from(e: scylla::errors::NewSessionError) -> Self {
        Self::Connect(Box::new(e))
    }
}

impl From<scylla::errors::ExecutionError> for CqlError {
    fn from(e: scylla::errors::ExecutionError) -> Self {
        Self::Execution(Box::new(e))
    }
}

/// Opens a session to the cluster with the configured consistency and timeout. The session
/// reconnects by itself when nodes go away and come back.
pub async fn connect(config: &CqlConfig) -> Result<Arc<Session>, CqlError> {
    let profile = ExecutionProfile::builder()
        .consistency(config.consistency)
        .request_timeout(Some(config.request_timeout))
        .build();
    let mut builder = SessionBuilder::new()
        .known_nodes(&config.contact_points)
        .connection_timeout(config.request_timeout)
        .default_execution_profile_handle(profile.into_handle());
    if let Some((user, password)) = &config.credentials {
        builder = builder.user(user, password);
    }
    Ok(Arc::new(builder.build().await?))
}
