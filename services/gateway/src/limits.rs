//! The API's rate limits, applied through the [`RateLimitStore`](crate::rate_limit::RateLimitStore).
//!
//! When the store cannot answer, each limit does what its door needs: sign-up, login,
//! verification, code resends and user lookups are refused (503 `unavailable`), since an
//! outage of the counters must not open them to password guessing, mail flooding or
//! address harvesting; the writes of signed-in users (sends, edits, markers, membership,
//! blocks) are let through (logged), since their senders are known and an outage of the
//! counters should not stop the chat.

use std::{net::IpAddr, time::Duration};

use crate::{error::ApiError, state::AppState};

/// What a limit does when the store cannot answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WhenStoreFails {
    /// Let the call through.
    Open,
    /// Refuse it with 503 `unavailable`.
    Closed,
}

const MINUTE: Duration = Duration::from_secs(60);
const SECOND: Duration = Duration::from_secs(1);
/// Longest email kept in a limit key (RFC 5321 allows 254 characters).
const MAX_KEY_EMAIL_CHARS: usize = 320;

/// The unauthenticated endpoints limited per IP and per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthEndpoint {
    /// `POST /api/v1/accounts`.
    Signup,
    /// `POST /api/v1/sessions`.
    Login,
    /// `POST /api/v1/accounts/verify`.
    Verify,
    /// `POST /api/v1/accounts/verification-code`.
    Resend,
}

impl AuthEndpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::Verify => "verify",
            Self::Resend => "resend",
        }
    }
}

/// Counts a call to `endpoint` from `ip` for the account `email` (already normalized);
/// 429 `rate_limited` when either the per-IP or the per-account limit is exceeded.
pub async fn check_auth_endpoint(
    state: &AppState,
    endpoint: AuthEndpoint,
    ip: IpAddr,
    email: &str,
) -> Result<(), ApiError> {
    let config = state.config();
    let name = endpoint.name();
    hit(
        state,
        &format!("auth:{name}:ip:{ip}"),
        config.auth_per_ip_per_minute,
        MINUTE,
        WhenStoreFails::Closed,
    )
    .await?;
    let email: String = email.chars().take(MAX_KEY_EMAIL_CHARS).collect();
    hit(
        state,
        &format!("auth:{name}:acct:{email}"),
        config.auth_per_account_per_minute,
        MINUTE,
        WhenStoreFails::Closed,
    )
    .await
}

/// A fixed budget of calls per subject (a client IP or an account) and window, and what an
/// outage of the counter store does to it.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// The counter's key prefix.
    name: &'static str,
    /// Calls allowed per window.
    pub calls: u32,
    /// The window.
    window: Duration,
    when_store_fails: WhenStoreFails,
}

/// User lookups per account: 30 a minute, enough to start conversations, too few to
/// harvest an address book. Refused while the store is down.
pub const LOOKUPS: Budget = Budget {
    name: "lookup",
    calls: 30,
    window: MINUTE,
    when_store_fails: WhenStoreFails::Closed,
};

/// Token refreshes per client IP: 120 a minute; every client refreshes once per
/// access-token lifetime, so this leaves room for many clients behind one address.
pub const REFRESHES: Budget = Budget {
    name: "refresh:ip",
    calls: 120,
    window: MINUTE,
    when_store_fails: WhenStoreFails::Open,
};

/// Reads (every authenticated `GET`, all routes together) per account: 100 a second.
pub const READS: Budget = Budget {
    name: "reads",
    calls: 100,
    window: SECOND,
    when_store_fails: WhenStoreFails::Open,
};

/// Conversations created (or looked up by creating) per account: 60 a minute.
pub const CONVERSATION_CREATES: Budget = Budget {
    name: "create",
    calls: 60,
    window: MINUTE,
    when_store_fails: WhenStoreFails::Open,
};

/// WebSocket connections opened per account: 120 a minute; a reconnecting client opens one
/// per try, so this stops a reconnect loop without troubling a person's devices.
pub const SOCKET_OPENS: Budget = Budget {
    name: "ws",
    calls: 120,
    window: MINUTE,
    when_store_fails: WhenStoreFails::Open,
};

/// Counts one call of `subject` against `budget`; 429 `rate_limited` past it.
pub async fn check(
    state: &AppState,
    budget: &Budget,
    subject: impl std::fmt::Display,
) -> Result<(), ApiError> {
    let key = format!("{}:{subject}", budget.name);
    hit(
        state,
        &key,
        budget.calls,
        budget.window,
        budget.when_store_fails,
    )
    .await
}

/// Counts one message sent by `account` (REST or WebSocket).
pub async fn check_send(state: &AppState, account: &str) -> Result<(), ApiError> {
    check_write(state, Write::Send, account).await
}

/// The writes an account makes that fan out to every member, each limited on its own
/// counter at the per-account send rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// A message sent.
    Send,
    /// A message edited or deleted.
    Change,
    /// A read marker moved.
    Read,
    /// A group's members changed.
    Members,
    /// A block set or lifted.
    Blocks,
    /// A session ended (logout).
    Logout,
}

impl Write {
    fn name(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Change => "change",
            Self::Read => "read",
            Self::Members => "members",
            Self::Blocks => "blocks",
            Self::Logout => "logout",
        }
    }
}

/// Counts one `write` by `account`; 429 `rate_limited` over the per-account send rate.
pub async fn check_write(state: &AppState, write: Write, account: &str) -> Result<(), ApiError> {
    let limit = state.config().send_rate_per_second;
    let key = format!("{}:{account}", write.name());
    hit(state, &key, limit, SECOND, WhenStoreFails::Open).await
}

async fn hit(
    state: &AppState,
    key: &str,
    limit: u32,
    window: Duration,
    when_store_fails: WhenStoreFails,
) -> Result<(), ApiError> {
    match state.rate_limits().hit(key, limit, window).await {
        Ok(d) if d.allowed => Ok(()),
        Ok(d) => Err(ApiError::rate_limited(d.retry_after)),
        Err(e) if when_store_fails == WhenStoreFails::Open => {
            tracing::warn!(error = %e, "rate-limit store failed; letting the call through");
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "rate-limit store failed; refusing the call");
            Err(ApiError::unavailable(
                "the rate limits cannot be checked; retry later",
            ))
        }
    }
}
