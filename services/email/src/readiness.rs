//! `/readyz` checks: the code store and the mailer answer.

use std::sync::Arc;

use async_trait::async_trait;
use gochat_runtime::{Readiness, ReadinessCheck};

use crate::{Backends, CodeStore, Mailer};

struct StoreCheck(Arc<dyn CodeStore>);

#[async_trait]
impl ReadinessCheck for StoreCheck {
    fn name(&self) -> &str {
        "email-code-store"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

struct MailerCheck(Arc<dyn Mailer>);

#[async_trait]
impl ReadinessCheck for MailerCheck {
    fn name(&self) -> &str {
        "email-mailer"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

/// Checks for /readyz: the code store and the mailer.
pub fn readiness(backends: &Backends) -> Readiness {
    let mut readiness = Readiness::new();
    readiness
        .add(Arc::new(StoreCheck(Arc::clone(&backends.codes))))
        .add(Arc::new(MailerCheck(Arc::clone(&backends.mailer))));
    readiness
}
