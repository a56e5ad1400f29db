//! The email crate's production backends against real servers: [`RedisCodeStore`] on the
//! test Redis (`GOCHAT_TEST_REDIS_URL`) and [`SmtpMailer`] on the test SMTP sink
//! (`GOCHAT_TEST_SMTP_ADDR`, writing into the Maildir `GOCHAT_TEST_MAILDIR`).
//!
//! `cargo test -p gochat-email --test backend_email`
//!
//! [`RedisCodeStore`]: gochat_email::RedisCodeStore
//! [`SmtpMailer`]: gochat_email::SmtpMailer

#[path = "backend_email/maildir.rs"]
mod maildir;
#[path = "backend_email/redis_store.rs"]
mod redis_store;
#[path = "backend_email/smtp.rs"]
mod smtp;
