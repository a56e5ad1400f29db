//! Access-token verification without a round trip per request: the verification keys are
//! fetched from auth at start (retrying until they come) and again when a token names a
//! key id this gateway has not seen, at most once per refresh interval.

use std::{
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use gochat_proto::auth::v1::{
    GetVerificationKeysRequest, GetVerificationKeysResponse, auth_service_client::AuthServiceClient,
};
use gochat_runtime::grpc::TracedChannel;
use gochat_runtime::{ReadinessCheck, Shutdown};
use gochat_tokens::{Claims, TokenError, TokenVerifier};
use tokio::sync::watch;

use crate::error::ApiError;

/// Longest wait between two attempts of the initial key fetch.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How long a request waits for a key refresh another request started.
const REFRESH_WAIT: Duration = Duration::from_secs(5);

/// The caller an access token speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account id (`sub`).
    pub account_id: String,
    /// The session id (`sid`), what logout ends.
    pub session_id: String,
    /// When the token expires, seconds since the Unix epoch (`exp`).
    pub expires_at: u64,
}

impl From<Claims> for Identity {
    fn from(c: Claims) -> Self {
        Self {
            account_id: c.sub,
            session_id: c.sid,
            expires_at: c.exp,
        }
    }
}

/// Why the verification keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// Auth did not answer `GetVerificationKeys`.
    #[error("fetching verification keys: {0}")]
    Fetch(#[from] tonic::Status),
    /// The answer could not be turned into a verifier.
    #[error("verification keys unusable: {0}")]
    Unusable(#[from] TokenError),
}

/// The current verifier and how to refresh it.
pub(crate) struct Keys {
    verifier: RwLock<Option<Arc<TokenVerifier>>>,
    last_refresh: Mutex<Option<Instant>>,
    refreshing: AtomicBool,
    generation: watch::Sender<u64>,
    auth: AuthServiceClient<TracedChannel>,
    refresh_interval: Duration,
}

impl Keys {
    /// No keys yet; `auth` is where they are fetched from.
    pub(crate) fn new(auth: AuthServiceClient<TracedChannel>, refresh_interval: Duration) -> Self {
        Self {
            verifier: RwLock::new(None),
            last_refresh: Mutex::new(None),
            refreshing: AtomicBool::new(false),
            generation: watch::Sender::new(0),
            auth,
            refresh_interval,
        }
    }

    /// Whether a verifier is installed.
    pub(crate) fn loaded(&self) -> bool {
        self.current().is_some()
    }

    fn current(&self) -> Option<Arc<TokenVerifier>> {
        self.verifier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the verifier with one built from `response`.
    pub(crate) fn install(&self, response: GetVerificationKeysResponse) -> Result<(), KeysError> {
        let verifier = Arc::new(TokenVerifier::from_keys(response)?);
        *self.verifier.write().unwrap_or_else(|p| p.into_inner()) = Some(verifier);
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }

    /// Fetches the keys from auth once and installs them.
    pub(crate) async fn fetch(&self) -> Result<(), KeysError> {
        let response = self
            .auth
            .clone()
            .get_verification_keys(GetVerificationKeysRequest {})
            .await?
            .into_inner();
        self.install(response)
    }

    /// Fetches until it succeeds or `shutdown` fires, backing off between attempts.
    pub(crate) async fn load_until_ready(&self, shutdown: &Shutdown) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.fetch().await {
                Ok(()) => {
                    tracing::info!("verification keys loaded");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "verification keys not loaded yet")
                }
            }
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Checks `token`: 503 while no keys are loaded, 401 when it does not verify.
    pub(crate) async fn verify(&self, token: &str) -> Result<Identity, ApiError> {
        let verifier = self.current().ok_or_else(|| {
            ApiError::unavailable("access tokens cannot be checked yet; retry later")
        })?;
        match verifier.verify(token) {
            Ok(claims) => Ok(claims.into()),
            Err(TokenError::UnknownKey) if self.refresh().await => self
                .current()
                .ok_or_else(|| ApiError::unavailable("access tokens cannot be checked yet"))?
                .verify(token)
                .map(Identity::from)
                .map_err(|e| rejected(&e)),
            Err(e) => Err(rejected(&e)),
        }
    }

    /// Re-fetches the keys for an unknown key id, or waits for a fetch already running.
    /// Returns whether new keys may have arrived.
    async fn refresh(&self) -> bool {
        let mut changed = self.generation.subscribe();
        if self.claim_refresh() {
            let outcome = self.fetch().await;
            self.refreshing.store(false, Ordering::Release);
            return match outcome {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "refreshing verification keys failed");
                    false
                }
            };
        }
        if self.refreshing.load(Ordering::Acquire) {
            return matches!(
                tokio::time::timeout(REFRESH_WAIT, changed.changed()).await,
                Ok(Ok(()))
            );
        }
        false
    }

    /// Takes the right to fetch if the last fetch is old enough and none is running.
    pub(crate) fn claim_refresh(&self) -> bool {
        let mut last = self.last_refresh.lock().unwrap_or_else(|p| p.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= self.refresh_interval);
        if due && !self.refreshing.swap(true, Ordering::AcqRel) {
            *last = Some(Instant::now());
            return true;
        }
        false
    }
}

fn rejected(e: &TokenError) -> ApiError {
    let message = match e {
        TokenError::Expired => "access token expired",
        _ => "invalid access token",
    };
    ApiError::unauthorized(message)
}

/// Readiness: ready once the verification keys are loaded.
pub(crate) struct KeysLoaded(pub(crate) Arc<Keys>);

#[async_trait]
impl ReadinessCheck for KeysLoaded {
    fn name(&self) -> &str {
        "verification keys loaded"
    }

    async fn check(&self) -> Result<(), String> {
        if self.0.loaded() {
            Ok(())
        } else {
            Err("not fetched from auth yet".to_owned())
        }
    }
}

#[cfg(test)]
mod tests;
