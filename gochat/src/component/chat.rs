//! Starting the chat service.

use super::{Component, Wiring};
use crate::node_id;

/// Resolves the node id (leasing one when asked), opens the chat store and serves
/// `gochat.chat.v1`, publishing to the event log.
pub(super) async fn start(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let (node_id, lease) =
        node_id::resolve(w.plan.tuning.node_id, w.connections, &w.shutdown).await?;
    let backends = gochat_chat::Backends {
        store: w.chat_store().await?,
        events: w.event_log(Component::Chat)?,
    };
    w.readiness.extend(gochat_chat::readiness(&backends));
    let config = gochat_chat::Config {
        node_id,
        ..Default::default()
    };
    let listener = w.grpc_listener(Component::Chat)?;
    let stop = w.shutdown.clone();
    w.tasks.spawn(async move {
        let serve = gochat_chat::serve(config, backends, listener, stop);
        (
            Component::Chat.name(),
            node_id::serve_holding(lease, serve).await,
        )
    });
    Ok(())
}
