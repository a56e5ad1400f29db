//! Email verification: mailing codes through the email service and activating accounts.

use gochat_proto::{
    auth::v1::{
        Account, ResendVerificationCodeRequest, ResendVerificationCodeResponse,
        VerifyAccountRequest,
    },
    email::v1::{CheckVerificationCodeRequest, SendVerificationCodeRequest, VerificationOutcome},
};
use gochat_runtime::status::{api_error_code, domain_error};
use tonic::{Code, Status};

use super::{AuthServiceImpl, errors, to_wire};
use crate::{
    store::{AccountRecord, AccountStatus},
    validate::normalize_email,
};

/// Longest code forwarded to the email service; anything longer cannot be a code.
const MAX_CODE_LEN: usize = 32;

impl AuthServiceImpl {
    /// Asks the email service to mail a fresh code; returns its status untouched on failure.
    pub(super) async fn send_code(&self, account: &AccountRecord) -> Result<(), Status> {
        let request = SendVerificationCodeRequest {
            email: account.email.clone(),
            display_name: account.display_name.clone(),
        };
        self.email
            .clone()
            .send_verification_code(request)
            .await
            .map(drop)
    }

    /// Activates a pending account whose code the email service confirms; an active account
    /// is returned as is, so a repeated verify succeeds.
    pub(super) async fn verify(&self, req: VerifyAccountRequest) -> Result<Account, Status> {
        let email = normalize_email(&req.email).map_err(|_| errors::invalid_code())?;
        let code = req.code.trim();
        if code.is_empty() || code.len() > MAX_CODE_LEN {
            return Err(errors::invalid_code());
        }
        let accounts = &self.backends.accounts;
        let Some(account) = accounts.get_by_email(&email).await.map_err(errors::store)? else {
            return Err(errors::invalid_code());
        };
        if account.status == AccountStatus::Active {
            return Ok(to_wire(&account));
        }
        let check = CheckVerificationCodeRequest {
            email,
            code: code.to_owned(),
        };
        let answer = self
            .email
            .clone()
            .check_verification_code(check)
            .await
            .map_err(|e| errors::email_unreachable(&e))?;
        match answer.into_inner().outcome() {
            VerificationOutcome::Verified => {
                match accounts
                    .activate(&account.id)
                    .await
                    .map_err(errors::store)?
                {
                    Some(active) => {
                        tracing::info!(account_id = %active.id, "account verified");
                        Ok(to_wire(&active))
                    }
                    None => Err(errors::invalid_code()),
                }
            }
            VerificationOutcome::Invalid => Err(errors::invalid_code()),
            VerificationOutcome::Expired => Err(domain_error(
                Code::FailedPrecondition,
                "code_expired",
                "the code has expired; request a new one",
            )),
            VerificationOutcome::TooManyAttempts => Err(domain_error(
                Code::ResourceExhausted,
                "too_many_attempts",
                "too many wrong codes; request a new one",
            )),
            VerificationOutcome::Unspecified => {
                tracing::warn!("email service answered no verification outcome");
                Err(gochat_runtime::status::unavailable(
                    "the email service gave no answer",
                ))
            }
        }
    }

    /// Mails a fresh code when a pending account has this email; answers the same whether
    /// or not one exists, except for rate limits and outages on a pending account.
    pub(super) async fn resend(
        &self,
        req: ResendVerificationCodeRequest,
    ) -> Result<ResendVerificationCodeResponse, Status> {
        let Ok(email) = normalize_email(&req.email) else {
            return Ok(ResendVerificationCodeResponse {});
        };
        let found = self
            .backends
            .accounts
            .get_by_email(&email)
            .await
            .map_err(errors::store)?;
        let Some(account) = found.filter(|a| a.status == AccountStatus::Pending) else {
            return Ok(ResendVerificationCodeResponse {});
        };
        match self.send_code(&account).await {
            Ok(()) => Ok(ResendVerificationCodeResponse {}),
            Err(e) if api_error_code(&e) == Some("rate_limited") => Err(domain_error(
                Code::ResourceExhausted,
                "rate_limited",
                "too many codes were requested; try again later",
            )),
            Err(e) => Err(errors::email_unreachable(&e)),
        }
    }
}
