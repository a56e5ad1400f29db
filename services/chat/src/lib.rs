//! gochat's chat service: conversations and their members, messages with idempotent sends,
//! history pages, catch-up since a time, and the delivery events every member's gateways
//! consume.
//!
//! A send is stored first (insert-if-absent on its `client_msg_id`), then published to the
//! event log of every member (the sender's other devices included), then marked published,
//! then answered; a retry of a send whose publish failed publishes it again. Where the store
//! commits the event log's writes too (the embedded store in `gochat local`), storing and
//! publishing are one write, one commit ([`ChatStore::store_and_publish`]).
//!
//! Storage ([`ChatStore`]) sits behind a trait with an embedded redb implementation
//! ([`RedbChatStore`]) and a production one on ScyllaDB / any CQL database
//! ([`ScyllaChatStore`], schema and migration in [`scylla`]); the event log is
//! [`gochat_delivery::EventLog`].
#![forbid(unsafe_code)]

mod config;
mod conversation_cache;
pub mod embedded;
mod error;
mod message_id;
mod metrics;
mod model;
mod publication;
mod readiness;
mod recent;
mod service;
mod store;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

use std::sync::{Arc, LazyLock};

use gochat_proto::chat::v1::chat_service_server::{ChatServiceServer, SERVICE_NAME};

pub use config::Config;
pub use conversation_cache::GROUP_STALENESS;
pub use error::Error;
pub use message_id::{
    EPOCH_MS, InvalidNodeId, MAX_NODE_ID, MessageId, MessageIdGenerator, ParseMessageIdError,
};
pub use model::{
    ChangeOutcome, ChangeRequest, Conversation, ConversationKind, ConversationSummary,
    CreatedConversation, Message, MessageChange, ReadState, StoredMessage, UNREAD_COUNT_CAP,
};
pub use publication::Publication;
pub use readiness::readiness;
pub use service::{BLOCKS_STALENESS, ChatError, ChatServiceImpl, limits};
pub use store::{
    ChatStore, MarkedRead, MembersUpdated, RedbChatStore, ScyllaChatStore, StoreError, scylla,
};

/// What the service stores through and publishes to.
#[derive(Clone)]
pub struct Backends {
    /// Conversations, messages, idempotency records.
    pub store: Arc<dyn ChatStore>,
    /// The per-user delivery event logs (shared with the gateway).
    pub events: Arc<dyn gochat_delivery::EventLog>,
}

/// Serves the gRPC API on `listener` until `shutdown` fires, and republishes stored messages
/// whose publish failed (see `ChatServiceImpl::republish_pending`).
pub async fn serve(
    config: Config,
    backends: Backends,
    listener: impl Into<gochat_runtime::grpc::GrpcListener>,
    shutdown: gochat_runtime::Shutdown,
) -> Result<(), Error> {
    LazyLock::force(&metrics::MESSAGES_SENT);
    for outcome in ["claimed", "taken", "decided_by_row"] {
        metrics::SEND_CLAIMS.with_label_values(&[outcome]);
    }
    LazyLock::force(&metrics::MESSAGES_REPUBLISHED);
    let service = Arc::new(ChatServiceImpl::new(&config, backends)?);
    let republisher = Arc::clone(&service);
    let stop = shutdown.clone();
    let interval = config.republish_interval;
    let republishing =
        tokio::spawn(async move { republisher.republish_until(interval, stop).await });
    let served = gochat_runtime::grpc::serve(
        listener,
        tonic::service::Routes::new(ChatServiceServer::from_arc(service)),
        &[SERVICE_NAME],
        shutdown,
    )
    .await;
    republishing.abort();
    served?;
    Ok(())
}

#[cfg(test)]
mod tests;
