//! Helpers the suites share: a clock tests move by hand, a mailer that keeps what it sends.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicI64, Ordering},
};

use async_trait::async_trait;

use crate::{Clock, MailError, Mailer, OutgoingMail};

/// A fresh, unique address in the `conformance.test` domain.
pub fn fresh_email() -> String {
    format!("{}@conformance.test", uuid::Uuid::new_v4().simple())
}

/// The code in a verification mail's body (`Your verification code is NNNNNN`).
pub fn code_in(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.trim_end().strip_prefix("Your verification code is "))
        .map(str::to_owned)
}

/// A clock that only moves when told to.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock reading `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        Self(Arc::new(AtomicI64::new(start_ms)))
    }

    /// The current reading.
    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// The [`Clock`] to hand to the service.
    pub fn clock(&self) -> Clock {
        let inner = Arc::clone(&self.0);
        Arc::new(move || inner.load(Ordering::SeqCst))
    }
}

/// A mailer that keeps every mail in memory instead of sending it.
#[derive(Debug, Default)]
pub struct CapturingMailer {
    sent: Mutex<Vec<OutgoingMail>>,
}

impl CapturingMailer {
    /// Every mail sent so far, oldest first.
    pub fn sent(&self) -> Vec<OutgoingMail> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many mails went to `to`.
    pub fn count_to(&self, to: &str) -> usize {
        self.sent().iter().filter(|m| m.to == to).count()
    }

    /// The code in the latest mail to `to`.
    pub fn last_code_for(&self, to: &str) -> Option<String> {
        self.sent()
            .iter()
            .rev()
            .find(|m| m.to == to)
            .and_then(|m| code_in(&m.text))
    }
}

#[async_trait]
impl Mailer for CapturingMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mail.clone());
        Ok(())
    }

    async fn ping(&self) -> Result<(), MailError> {
        Ok(())
    }
}
