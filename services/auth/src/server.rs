//! Serving the auth service and reporting its readiness.

use std::sync::Arc;

use async_trait::async_trait;
use gochat_proto::{
    auth::v1::auth_service_server::AuthServiceServer,
    email::v1::email_service_client::EmailServiceClient,
};
use gochat_runtime::grpc::TracedChannel;
use gochat_runtime::{Readiness, ReadinessCheck, Shutdown};
use tonic::service::Routes;

use gochat_delivery::RevocationFeed;
use gochat_tokens::SigningKey;

use crate::{AccountStore, AuthServiceImpl, Config, Error, SessionStore};

/// The gRPC service name, as health checks report it.
pub const SERVICE_NAME: &str = "gochat.auth.v1.AuthService";

/// What the auth service stores through and signs with.
#[derive(Clone)]
pub struct Backends {
    /// Accounts, unique by email.
    pub accounts: Arc<dyn AccountStore>,
    /// Sessions and their refresh secrets.
    pub sessions: Arc<dyn SessionStore>,
    /// The access-token signing key.
    pub signing_key: Arc<SigningKey>,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends")
            .field("signing_key", &self.signing_key)
            .finish_non_exhaustive()
    }
}

/// Serves the gRPC API on `listener` until `shutdown` fires, recording ended sessions in
/// `revocations`.
pub async fn serve(
    config: Config,
    backends: Backends,
    email: EmailServiceClient<TracedChannel>,
    revocations: Arc<dyn RevocationFeed>,
    listener: impl Into<gochat_runtime::grpc::GrpcListener>,
    shutdown: Shutdown,
) -> Result<(), Error> {
    let service = AuthServiceImpl::new(config, backends, email, revocations);
    let routes = Routes::new(AuthServiceServer::new(service));
    gochat_runtime::grpc::serve(listener, routes, &[SERVICE_NAME], shutdown).await?;
    Ok(())
}

/// Checks for /readyz: the account and session stores answer.
pub fn readiness(backends: &Backends) -> Readiness {
    let mut readiness = Readiness::new();
    readiness.add(Arc::new(AccountsCheck(Arc::clone(&backends.accounts))));
    readiness.add(Arc::new(SessionsCheck(Arc::clone(&backends.sessions))));
    readiness
}

struct AccountsCheck(Arc<dyn AccountStore>);

#[async_trait]
impl ReadinessCheck for AccountsCheck {
    fn name(&self) -> &str {
        "auth-accounts"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}

struct SessionsCheck(Arc<dyn SessionStore>);

#[async_trait]
impl ReadinessCheck for SessionsCheck {
    fn name(&self) -> &str {
        "auth-sessions"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }
}
