//! What every handler shares: settings, backends, peer clients, the token verifier and the
//! process's shutdown signal.

use std::sync::Arc;

use gochat_delivery::{EventLog, RevocationFeed};
use gochat_proto::{
    auth::v1::{GetVerificationKeysResponse, auth_service_client::AuthServiceClient},
    chat::v1::chat_service_client::ChatServiceClient,
};
use gochat_runtime::grpc::TracedChannel;
use gochat_runtime::{Readiness, ReadinessCheck, Shutdown};

use crate::{
    config::Config,
    keys::{Keys, KeysError, KeysLoaded},
    rate_limit::RateLimitStore,
    revoked::{self, RevocationsLoaded, RevokedSessions},
    send_budget::SendBudget,
    ws::socket_caps::SocketCaps,
};

/// What the gateway stores and reads through.
#[derive(Clone)]
pub struct Backends {
    /// The per-user delivery event logs the sockets stream from.
    pub events: Arc<dyn EventLog>,
    /// Counters behind the rate limits.
    pub rate_limits: Arc<dyn RateLimitStore>,
    /// The sessions auth ended before their access tokens expire.
    pub revocations: Arc<dyn RevocationFeed>,
}

/// The gRPC services the gateway calls (channels built by the caller with
/// `gochat_runtime::grpc::channel`).
#[derive(Clone)]
pub struct Peers {
    /// Accounts, sessions and verification keys.
    pub auth: AuthServiceClient<TracedChannel>,
    /// Conversations and messages.
    pub chat: ChatServiceClient<TracedChannel>,
}

/// Shared state of the API router. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    backends: Backends,
    peers: Peers,
    keys: Arc<Keys>,
    sends: SendBudget,
    sockets: Arc<SocketCaps>,
    revoked: Arc<RevokedSessions>,
    shutdown: Shutdown,
}

impl AppState {
    /// State for the router. No verification keys are loaded yet: [`crate::serve`] fetches
    /// them; a caller driving [`crate::router`] alone uses
    /// [`AppState::load_verification_keys`] or [`AppState::install_verification_keys`].
    /// Sockets close (1001) when `shutdown` fires.
    pub fn new(config: Config, backends: Backends, peers: Peers, shutdown: Shutdown) -> Self {
        let config = config.normalized();
        let keys = Arc::new(Keys::new(peers.auth.clone(), config.key_refresh_interval));
        let sends = SendBudget::new(config.max_sends_in_flight, config.send_latency_target);
        let sockets = SocketCaps::new(
            config.max_sockets_per_account,
            config.max_sockets_per_address,
        );
        Self {
            inner: Arc::new(Inner {
                sends,
                sockets,
                revoked: Arc::default(),
                config,
                backends,
                peers,
                keys,
                shutdown,
            }),
        }
    }

    /// Installs verification keys directly (as `GetVerificationKeys` would answer them).
    pub fn install_verification_keys(
        &self,
        keys: GetVerificationKeysResponse,
    ) -> Result<(), KeysError> {
        self.inner.keys.install(keys)
    }

    /// Fetches the verification keys from auth, retrying with backoff until they are
    /// loaded or shutdown fires.
    pub async fn load_verification_keys(&self) {
        self.inner.keys.load_until_ready(&self.inner.shutdown).await;
    }

    /// Follows the revocation feed until shutdown (see [`crate::revoked`]).
    pub async fn follow_revocations(&self) {
        revoked::follow(
            self.inner.backends.revocations.clone(),
            self.inner.revoked.clone(),
            self.inner.shutdown.clone(),
        )
        .await;
    }

    /// The gateway's readiness checks: verification keys loaded, the revocation feed read,
    /// the rate-limit store and the event log answering.
    pub fn readiness_checks(&self) -> Readiness {
        let mut r = Readiness::new();
        r.add(Arc::new(KeysLoaded(self.inner.keys.clone())));
        r.add(Arc::new(RevocationsLoaded(self.inner.revoked.clone())));
        r.add(Arc::new(RateLimitsAnswer(
            self.inner.backends.rate_limits.clone(),
        )));
        r.add(Arc::new(EventLogAnswers(
            self.inner.backends.events.clone(),
        )));
        r
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn events(&self) -> &Arc<dyn EventLog> {
        &self.inner.backends.events
    }

    pub(crate) fn rate_limits(&self) -> &dyn RateLimitStore {
        self.inner.backends.rate_limits.as_ref()
    }

    pub(crate) fn auth(&self) -> AuthServiceClient<TracedChannel> {
        self.inner.peers.auth.clone()
    }

    /// The gateway's budget of sends in flight to chat.
    pub(crate) fn sends(&self) -> &SendBudget {
        &self.inner.sends
    }

    /// The sessions whose tokens are refused.
    pub(crate) fn revoked(&self) -> &RevokedSessions {
        &self.inner.revoked
    }

    /// The caps on sockets open at once.
    pub(crate) fn sockets(&self) -> &Arc<SocketCaps> {
        &self.inner.sockets
    }

    pub(crate) fn chat(&self) -> ChatServiceClient<TracedChannel> {
        self.inner.peers.chat.clone()
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub(crate) fn shutdown(&self) -> &Shutdown {
        &self.inner.shutdown
    }
}

struct RateLimitsAnswer(Arc<dyn RateLimitStore>);

#[async_trait::async_trait]
impl ReadinessCheck for RateLimitsAnswer {
    fn name(&self) -> &str {
        "gateway rate-limit store"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

struct EventLogAnswers(Arc<dyn EventLog>);

#[async_trait::async_trait]
impl ReadinessCheck for EventLogAnswers {
    fn name(&self) -> &str {
        "gateway event log"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}
