//! A test environment: a fresh data dir, `gochat local` on it, an API client, and helpers that
//! bring accounts to the state a test needs (active, logged in).

use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;

use crate::{ApiClient, GochatLocal, HarnessError, mail};

/// How long a verification mail may take to appear in the outbox.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(15);

/// A password every helper-made account uses; valid under the contract (8+ chars).
pub const PASSWORD: &str = "correct horse battery";

/// One server on its own temporary data dir. Fields drop in order: the process is stopped
/// (and its log printed if the test is panicking) before the directory is removed.
#[derive(Debug)]
pub struct TestEnv {
    server: GochatLocal,
    api: ApiClient,
    runs: u32,
    dir: TempDir,
}

/// An active, logged-in account.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The account id.
    pub id: String,
    /// The email it signed up with (lower-case).
    pub email: String,
    /// Its password.
    pub password: String,
    /// Its display name.
    pub display_name: String,
    /// A current access token.
    pub access_token: String,
    /// The refresh token of the same session.
    pub refresh_token: String,
}

impl TestEnv {
    /// Creates a temporary data dir and starts `gochat local` on it.
    pub async fn start() -> Result<Self, HarnessError> {
        let dir = tempfile::Builder::new()
            .prefix("gochat-test-")
            .tempdir()
            .map_err(|e| HarnessError::io("create temp data dir", e))?;
        let server = GochatLocal::start(dir.path()).await?;
        let api = ApiClient::new(&server.base_url())?;
        Ok(Self {
            server,
            api,
            runs: 1,
            dir,
        })
    }

    /// The running server.
    pub fn server(&self) -> &GochatLocal {
        &self.server
    }

    /// A client for the running server.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The outbox of the running server.
    pub fn outbox(&self) -> PathBuf {
        self.server.outbox_dir()
    }

    /// Stops the server (SIGTERM, bounded) and starts a new one on the same data dir, on a new
    /// port; returns whether the old one exited on SIGTERM (rather than being killed).
    pub async fn restart(&mut self) -> Result<bool, HarnessError> {
        let graceful = self.server.stop().await?;
        self.runs += 1;
        self.server = GochatLocal::start_run(self.dir.path(), self.runs).await?;
        self.api = ApiClient::new(&self.server.base_url())?;
        Ok(graceful)
    }

    /// Waits for the newest code mailed to `email`.
    pub async fn code_for(&self, email: &str) -> Result<String, HarnessError> {
        mail::wait_for_code(&self.outbox(), email, MAIL_TIMEOUT).await
    }

    /// Signs `name@example.com` up and verifies it with the mailed code; returns its id.
    pub async fn activate(&self, name: &str) -> Result<(String, String), HarnessError> {
        let email = format!("{name}@example.com");
        let created = self.api.signup(&email, PASSWORD, name).await?;
        expect_ok(&created, 201, "signup")?;
        let code = self.code_for(&email).await?;
        let verified = self.api.verify(&email, &code).await?;
        expect_ok(&verified, 200, "verify")?;
        Ok((created.str_at("/id")?, email))
    }

    /// An active account `name@example.com`, logged in.
    pub async fn register(&self, name: &str) -> Result<TestUser, HarnessError> {
        let (id, email) = self.activate(name).await?;
        let session = self.api.login(&email, PASSWORD).await?;
        expect_ok(&session, 200, "login")?;
        Ok(TestUser {
            id,
            email,
            password: PASSWORD.to_owned(),
            display_name: name.to_owned(),
            access_token: session.str_at("/access_token")?,
            refresh_token: session.str_at("/refresh_token")?,
        })
    }

    /// Logs `user` in again (a new session) and stores the new tokens in it.
    pub async fn relogin(&self, user: &mut TestUser) -> Result<(), HarnessError> {
        let session = self.api.login(&user.email, &user.password).await?;
        expect_ok(&session, 200, "login")?;
        user.access_token = session.str_at("/access_token")?;
        user.refresh_token = session.str_at("/refresh_token")?;
        Ok(())
    }
}

/// An error unless `response` has status `want`.
fn expect_ok(response: &crate::ApiResponse, want: u16, what: &str) -> Result<(), HarnessError> {
    if response.status == want {
        Ok(())
    } else {
        Err(HarnessError::Unexpected(format!(
            "{what}: expected HTTP {want}, got {} {}",
            response.status, response.text
        )))
    }
}
