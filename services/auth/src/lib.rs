//! gochat's auth service: accounts with argon2id passwords, email verification through the
//! email service, sessions with rotating refresh tokens, and EdDSA-signed access tokens.
//!
//! The entry point is [`serve`]; [`embedded::open`] builds the [`Backends`] for local mode, and
//! `gochat-tokens` holds the access tokens' claims, signing key and verifier.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
pub mod embedded;
mod error;
mod hex;
mod password;
mod refresh;
mod server;
mod service;
pub mod store;
mod validate;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use config::Config;
pub use error::Error;
pub use server::{Backends, SERVICE_NAME, readiness, serve};
pub use service::AuthServiceImpl;
pub use store::{AccountStore, SessionStore};
