//! Conformance suites: every [`crate::CodeStore`] and [`crate::Mailer`] implementation runs
//! them, so the embedded and production backends cannot drift apart.
//!
//! - [`store`]: the `CodeStore` contract itself;
//! - [`service`]: the service's behaviour (expiry, attempts, consume-once, rate limit) over a
//!   given store, with mail captured in memory so no mailer is involved;
//! - [`mailer`]: what any `Mailer` must accept and reject.
//!
//! Each suite uses fresh random addresses, so it can run against a shared backend.

pub mod mailer;
pub mod service;
pub mod store;
mod support;

pub use support::{CapturingMailer, ManualClock, code_in, fresh_email};
