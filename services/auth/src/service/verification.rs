//! Email verification: mailing codes through the email service and activating accounts.

use gochat_proto::{
    auth::v1::{
        Account, ResendVerificationCodeRequest, ResendVerificationCodeResponse,
        VerifyAccountRequest,
    },
    email::v1::{CheckVerificationCodeRequest, SendVerificationCodeRequest, VerificationOutcome},
};

use super::{AuthError, AuthServiceImpl, error, to_wire};
use crate::{
    store::{AccountRecord, AccountStatus},
    validate::normalize_email,
};

/// Longest code forwarded to the email service; anything longer cannot be a code.
const MAX_CODE_LEN: usize = 32;

impl AuthServiceImpl {
    /// Asks the email service to mail a fresh code.
    pub(super) async fn send_code(&self, account: &AccountRecord) -> Result<(), AuthError> {
        let request = SendVerificationCodeRequest {
            email: account.email.clone(),
            display_name: account.display_name.clone(),
        };
        self.email
            .clone()
            .send_verification_code(request)
            .await
            .map(drop)
            .map_err(|e| error::email_failed(&e))
    }

    /// Activates a pending account whose code the email service confirms; an active account
    /// is returned as is, so a repeated verify succeeds.
    pub(super) async fn verify(&self, req: VerifyAccountRequest) -> Result<Account, AuthError> {
        let email = normalize_email(&req.email).map_err(|_| AuthError::InvalidCode)?;
        let code = req.code.trim();
        if code.is_empty() || code.len() > MAX_CODE_LEN {
            return Err(AuthError::InvalidCode);
        }
        let accounts = &self.backends.accounts;
        let Some(account) = accounts.get_by_email(&email).await.map_err(error::store)? else {
            return Err(AuthError::InvalidCode);
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
            .map_err(|e| error::email_failed(&e))?;
        match answer.into_inner().outcome() {
            VerificationOutcome::Verified => {
                match accounts.activate(&account.id).await.map_err(error::store)? {
                    Some(active) => {
                        tracing::info!(account_id = %active.id, "account verified");
                        Ok(to_wire(&active))
                    }
                    None => Err(AuthError::InvalidCode),
                }
            }
            VerificationOutcome::Invalid => Err(AuthError::InvalidCode),
            VerificationOutcome::Expired => Err(AuthError::CodeExpired),
            VerificationOutcome::TooManyAttempts => Err(AuthError::TooManyAttempts),
            VerificationOutcome::Unspecified => {
                tracing::warn!("email service answered no verification outcome");
                Err(AuthError::Unavailable("the email service gave no answer"))
            }
        }
    }

    /// Mails a fresh code when a pending account has this email; answers the same whether
    /// or not one exists, except for rate limits and outages on a pending account.
    pub(super) async fn resend(
        &self,
        req: ResendVerificationCodeRequest,
    ) -> Result<ResendVerificationCodeResponse, AuthError> {
        let Ok(email) = normalize_email(&req.email) else {
            return Ok(ResendVerificationCodeResponse {});
        };
        let found = self
            .backends
            .accounts
            .get_by_email(&email)
            .await
            .map_err(error::store)?;
        let Some(account) = found.filter(|a| a.status == AccountStatus::Pending) else {
            return Ok(ResendVerificationCodeResponse {});
        };
        self.send_code(&account).await?;
        Ok(ResendVerificationCodeResponse {})
    }
}
