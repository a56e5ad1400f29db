//! `/readyz` checks: the chat store and the event log answer.

use std::sync::Arc;

use async_trait::async_trait;
use gochat_delivery::EventLog;
use gochat_runtime::{Readiness, ReadinessCheck};

use crate::{Backends, ChatStore};

struct StoreCheck(Arc<dyn ChatStore>);

#[async_trait]
impl ReadinessCheck for StoreCheck {
    fn name(&self) -> &str {
        "chat-store"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

struct EventLogCheck(Arc<dyn EventLog>);

#[async_trait]
impl ReadinessCheck for EventLogCheck {
    fn name(&self) -> &str {
        "chat-event-log"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

/// Checks for /readyz: the chat store and the event log chat publishes to.
pub fn readiness(backends: &Backends) -> Readiness {
    let mut readiness = Readiness::new();
    readiness
        .add(Arc::new(StoreCheck(Arc::clone(&backends.store))))
        .add(Arc::new(EventLogCheck(Arc::clone(&backends.events))));
    readiness
}
