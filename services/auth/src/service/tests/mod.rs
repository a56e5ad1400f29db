//! gRPC-level tests: auth served on loopback with an email double served beside it.

mod email_double;
mod flow;
mod reads;
mod verification;

use gochat_proto::error::{self, ErrorCode};
use gochat_proto::{
    auth::v1::{
        Account, AccountStatus, CreateAccountRequest, LoginRequest, TokenPair,
        VerifyAccountRequest, auth_service_client::AuthServiceClient,
    },
    email::v1::{
        email_service_client::EmailServiceClient, email_service_server::EmailServiceServer,
    },
};
use gochat_runtime::grpc::TracedChannel;
use gochat_runtime::{Shutdown, grpc};
use tokio::net::TcpListener;
use tonic::{Code, Status, service::Routes};

use email_double::FakeEmail;

const PASSWORD: &str = "correct horse battery";

/// Auth and the email double running until dropped.
struct Harness {
    auth: AuthServiceClient<TracedChannel>,
    email: FakeEmail,
    /// Where auth records the sessions it ends.
    revocations: std::sync::Arc<gochat_delivery::MemoryRevocations>,
    shutdown: Shutdown,
    _dir: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

async fn start() -> Harness {
    let shutdown = Shutdown::new();
    let email = FakeEmail::default();
    let (email_listener, email_url) = bind().await;
    let routes = Routes::new(EmailServiceServer::new(email.clone()));
    let names = ["gochat.email.v1.EmailService"];
    let stop = shutdown.clone();
    tokio::spawn(async move { grpc::serve(email_listener, routes, &names, stop).await });

    let dir = tempfile::tempdir().unwrap();
    let backends = crate::embedded::open(dir.path(), None).unwrap();
    let config = crate::Config {
        max_concurrent_hashes: 2,
        ..Default::default()
    };
    let email_client = EmailServiceClient::new(grpc::channel(&email_url).unwrap());
    let (auth_listener, auth_url) = bind().await;
    let stop = shutdown.clone();
    let revocations = std::sync::Arc::new(gochat_delivery::MemoryRevocations::default());
    tokio::spawn(crate::serve(
        config,
        backends,
        email_client,
        revocations.clone(),
        auth_listener,
        stop,
    ));
    let auth = AuthServiceClient::new(grpc::channel(&auth_url).unwrap());
    Harness {
        auth,
        email,
        revocations,
        shutdown,
        _dir: dir,
    }
}

/// Asserts a failed call carries the gRPC code and API error code.
fn assert_error<T: std::fmt::Debug>(result: Result<T, Status>, code: Code, api_code: &str) {
    let status = result.expect_err(api_code);
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(
        error::error_code(&status).map(ErrorCode::as_str),
        Some(api_code),
        "{status:?}"
    );
}

impl Harness {
    async fn create(&self, email: &str) -> Result<Account, Status> {
        let req = CreateAccountRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: "Tester".to_owned(),
        };
        self.auth
            .clone()
            .create_account(req)
            .await
            .map(tonic::Response::into_inner)
    }

    async fn verify(&self, email: &str, code: &str) -> Result<Account, Status> {
        let req = VerifyAccountRequest {
            email: email.to_owned(),
            code: code.to_owned(),
        };
        self.auth
            .clone()
            .verify_account(req)
            .await
            .map(tonic::Response::into_inner)
    }

    async fn login(&self, email: &str, password: &str) -> Result<TokenPair, Status> {
        let req = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        self.auth
            .clone()
            .login(req)
            .await
            .map(tonic::Response::into_inner)
    }

    /// Creates and verifies an account through the API.
    async fn active_account(&self, email: &str) -> Account {
        self.create(email).await.unwrap();
        let code = self.email.code_for(email).expect("a code was mailed");
        let account = self.verify(email, &code).await.unwrap();
        assert_eq!(account.status(), AccountStatus::Active);
        account
    }
}
