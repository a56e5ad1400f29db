//! The `gochat.auth.v1.AuthService` implementation: thin handlers over the stores, the
//! password hasher, the signing key and the email service.

mod accounts;
mod error;
mod sessions;
mod verification;

#[cfg(test)]
mod tests;

use gochat_proto::{
    auth::v1::{
        Account, AccountStatus as WireStatus, CreateAccountRequest, GetAccountRequest,
        GetAccountsRequest, GetAccountsResponse, GetVerificationKeysRequest,
        GetVerificationKeysResponse, LoginRequest, LogoutRequest, LogoutResponse,
        LookupAccountRequest, RefreshRequest, ResendVerificationCodeRequest,
        ResendVerificationCodeResponse, TokenPair, VerifyAccountRequest,
        auth_service_server::AuthService,
    },
    email::v1::email_service_client::EmailServiceClient,
};
use std::sync::Arc;

use gochat_delivery::RevocationFeed;
use gochat_runtime::grpc::TracedChannel;
use tonic::{Request, Response, Status};

use self::error::AuthError;

use crate::{
    Config,
    password::Passwords,
    server::Backends,
    store::{AccountRecord, AccountStatus},
};

/// The auth gRPC service; cheap to clone (everything inside is shared).
#[derive(Clone)]
pub struct AuthServiceImpl {
    config: Config,
    backends: Backends,
    email: EmailServiceClient<TracedChannel>,
    revocations: Arc<dyn RevocationFeed>,
    passwords: Passwords,
}

impl std::fmt::Debug for AuthServiceImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServiceImpl")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AuthServiceImpl {
    /// A service answering from `backends`, mailing codes through `email`, and recording
    /// the sessions it ends before their access tokens expire in `revocations`.
    pub fn new(
        config: Config,
        backends: Backends,
        email: EmailServiceClient<TracedChannel>,
        revocations: Arc<dyn RevocationFeed>,
    ) -> Self {
        let passwords = Passwords::new(config.max_concurrent_hashes);
        Self {
            config,
            backends,
            email,
            revocations,
            passwords,
        }
    }
}

/// The wire shape of an account (never the password hash).
fn to_wire(account: &AccountRecord) -> Account {
    let status = match account.status {
        AccountStatus::Pending => WireStatus::PendingVerification,
        AccountStatus::Active => WireStatus::Active,
    };
    Account {
        id: account.id.clone(),
        email: account.email.clone(),
        display_name: account.display_name.clone(),
        status: status.into(),
    }
}

#[tonic::async_trait]
impl AuthService for AuthServiceImpl {
    async fn create_account(
        &self,
        request: Request<CreateAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        self.create(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn verify_account(
        &self,
        request: Request<VerifyAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        self.verify(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn resend_verification_code(
        &self,
        request: Request<ResendVerificationCodeRequest>,
    ) -> Result<Response<ResendVerificationCodeResponse>, Status> {
        self.resend(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn login(&self, request: Request<LoginRequest>) -> Result<Response<TokenPair>, Status> {
        self.log_in(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn refresh(
        &self,
        request: Request<RefreshRequest>,
    ) -> Result<Response<TokenPair>, Status> {
        self.rotate(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn logout(
        &self,
        request: Request<LogoutRequest>,
    ) -> Result<Response<LogoutResponse>, Status> {
        self.log_out(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn get_account(
        &self,
        request: Request<GetAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        self.account_by_id(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn get_accounts(
        &self,
        request: Request<GetAccountsRequest>,
    ) -> Result<Response<GetAccountsResponse>, Status> {
        self.accounts_by_ids(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn lookup_account(
        &self,
        request: Request<LookupAccountRequest>,
    ) -> Result<Response<Account>, Status> {
        self.lookup(request.into_inner())
            .await
            .map(Response::new)
            .map_err(Status::from)
    }

    async fn get_verification_keys(
        &self,
        _request: Request<GetVerificationKeysRequest>,
    ) -> Result<Response<GetVerificationKeysResponse>, Status> {
        Ok(Response::new(GetVerificationKeysResponse {
            keys: vec![self.backends.signing_key.verification_key()],
            issuer: self.config.issuer.clone(),
            audience: self.config.audience.clone(),
        }))
    }
}
