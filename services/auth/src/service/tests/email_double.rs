//! A test double of the email service peer: records the codes it "mails" and checks them,
//! with switches to simulate an outage, a rate limit or a forced outcome.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use gochat_proto::email::v1::{
    CheckVerificationCodeRequest, CheckVerificationCodeResponse, SendVerificationCodeRequest,
    SendVerificationCodeResponse, VerificationOutcome, email_service_server::EmailService,
};
use gochat_proto::error::{self, ErrorCode};
use tonic::{Request, Response, Status};

/// How the double answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Mode {
    /// Issues and checks codes.
    #[default]
    Working,
    /// Every call fails as unavailable.
    Down,
    /// Sends fail as rate limited; checks work.
    RateLimited,
}

#[derive(Default)]
struct State {
    mode: Mode,
    forced_outcome: Option<VerificationOutcome>,
    issued: u32,
    codes: HashMap<String, String>,
    greeted: Vec<(String, String)>,
}

/// The double; clones share state so the test can steer the served instance.
#[derive(Clone, Default)]
pub(super) struct FakeEmail(Arc<Mutex<State>>);

impl FakeEmail {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("email double state")
    }

    pub(super) fn set_mode(&self, mode: Mode) {
        self.state().mode = mode;
    }

    pub(super) fn force_outcome(&self, outcome: Option<VerificationOutcome>) {
        self.state().forced_outcome = outcome;
    }

    /// The live code for `email`, if one was issued and not consumed.
    pub(super) fn code_for(&self, email: &str) -> Option<String> {
        self.state().codes.get(email).cloned()
    }

    /// Every (email, display name) a code was mailed to, in order.
    pub(super) fn greeted(&self) -> Vec<(String, String)> {
        self.state().greeted.clone()
    }
}

#[tonic::async_trait]
impl EmailService for FakeEmail {
    async fn send_verification_code(
        &self,
        request: Request<SendVerificationCodeRequest>,
    ) -> Result<Response<SendVerificationCodeResponse>, Status> {
        let req = request.into_inner();
        let mut state = self.state();
        match state.mode {
            Mode::Down => return Err(Status::unavailable("mail relay down")),
            Mode::RateLimited => {
                return Err(error::status(ErrorCode::RateLimited, "slow down"));
            }
            Mode::Working => {}
        }
        state.issued += 1;
        let code = format!("{:06}", 100_000 + state.issued);
        state.codes.insert(req.email.clone(), code);
        state.greeted.push((req.email, req.display_name));
        Ok(Response::new(SendVerificationCodeResponse {}))
    }

    async fn check_verification_code(
        &self,
        request: Request<CheckVerificationCodeRequest>,
    ) -> Result<Response<CheckVerificationCodeResponse>, Status> {
        let req = request.into_inner();
        let mut state = self.state();
        if state.mode == Mode::Down {
            return Err(Status::unavailable("code store down"));
        }
        let outcome = match state.forced_outcome {
            Some(forced) => forced,
            None if state.codes.get(&req.email) == Some(&req.code) => {
                state.codes.remove(&req.email);
                VerificationOutcome::Verified
            }
            None => VerificationOutcome::Invalid,
        };
        Ok(Response::new(CheckVerificationCodeResponse {
            outcome: outcome.into(),
        }))
    }
}
