//! Logging in, rotating refresh tokens, logging out, and minting the token pair.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gochat_delivery::{DeliveryError, Revocation};
use gochat_proto::auth::v1::{
    LoginRequest, LogoutRequest, LogoutResponse, RefreshRequest, TokenPair,
};
use gochat_runtime::clock::now_ms;
use gochat_tokens::Claims;
use uuid::Uuid;

use super::{AuthError, AuthServiceImpl, error};
use crate::{
    refresh,
    store::{AccountStatus, RotateOutcome, SessionRecord},
    validate::{check_password_size, normalize_email},
};

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AuthServiceImpl {
    /// Checks the password (a dummy check when the email is unknown, so both cost the same),
    /// then opens a session for an active account.
    pub(super) async fn log_in(&self, req: LoginRequest) -> Result<TokenPair, AuthError> {
        check_password_size(&req.password).map_err(AuthError::Invalid)?;
        let found = match normalize_email(&req.email) {
            Ok(email) => self
                .backends
                .accounts
                .get_by_email(&email)
                .await
                .map_err(error::store)?,
            Err(_) => None,
        };
        let Some(account) = found else {
            self.passwords
                .verify_dummy(&req.password)
                .await
                .map_err(error::password)?;
            return Err(AuthError::InvalidCredentials);
        };
        let matches = self
            .passwords
            .verify(&req.password, &account.password_hash)
            .await
            .map_err(error::password)?;
        if !matches {
            return Err(AuthError::InvalidCredentials);
        }
        if account.status != AccountStatus::Active {
            return Err(AuthError::AccountNotVerified);
        }
        let session_id = Uuid::now_v7().to_string();
        let minted = refresh::mint(&session_id);
        let now = now_ms();
        let session = SessionRecord {
            id: session_id.clone(),
            account_id: account.id.clone(),
            secret_hash: minted.hash,
            rotated_hashes: Vec::new(),
            revoked: false,
            created_at_ms: now,
            expires_at_ms: now.saturating_add(millis(self.config.refresh_token_ttl)),
        };
        self.backends
            .sessions
            .create(&session)
            .await
            .map_err(error::store)?;
        tracing::info!(account_id = %account.id, session_id = %session_id, "logged in");
        self.token_pair(&account.id, &session_id, minted.token)
    }

    /// Swaps a refresh token for a new pair; a rotated-away token revokes its session.
    pub(super) async fn rotate(&self, req: RefreshRequest) -> Result<TokenPair, AuthError> {
        let Some((session_id, presented)) = refresh::parse(req.refresh_token.trim()) else {
            return Err(AuthError::InvalidRefreshToken);
        };
        let next = refresh::mint(&session_id);
        let now = now_ms();
        let expires = now.saturating_add(millis(self.config.refresh_token_ttl));
        let outcome = self
            .backends
            .sessions
            .rotate(&session_id, &presented, &next.hash, now, expires)
            .await
            .map_err(error::store)?;
        match outcome {
            RotateOutcome::Rotated(session) => {
                self.token_pair(&session.account_id, &session_id, next.token)
            }
            RotateOutcome::Reused => {
                tracing::warn!(session_id = %session_id, "refresh token reused; session revoked");
                // The caller is refused either way; a revocation that cannot be recorded
                // leaves the session's access tokens working until they expire.
                if let Err(e) = self.announce_revocation(&session_id).await {
                    tracing::error!(session_id = %session_id, error = %e, "recording a revocation failed");
                }
                Err(AuthError::InvalidRefreshToken)
            }
            RotateOutcome::Invalid => Err(AuthError::InvalidRefreshToken),
        }
    }

    /// Revokes the session; unknown sessions are fine (logging out twice is not an error).
    pub(super) async fn log_out(&self, req: LogoutRequest) -> Result<LogoutResponse, AuthError> {
        if req.session_id.is_empty() {
            return Err(AuthError::BadRequest("session_id is required"));
        }
        let existed = self
            .backends
            .sessions
            .revoke(&req.session_id)
            .await
            .map_err(error::store)?;
        // Recorded even when the session was already revoked: a retried logout whose first
        // try could not record it must record it now.
        self.announce_revocation(&req.session_id)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "recording a revocation failed");
                AuthError::Unavailable("the revocation feed is unavailable")
            })?;
        if existed {
            tracing::info!(session_id = %req.session_id, "logged out");
        }
        Ok(LogoutResponse {})
    }

    /// Tells every gateway to refuse the access tokens of `session_id` from now until the
    /// last one issued expires.
    async fn announce_revocation(&self, session_id: &str) -> Result<(), DeliveryError> {
        let until_ms = u64::try_from(now_ms().saturating_add(millis(self.config.access_token_ttl)))
            .unwrap_or(0);
        self.revocations
            .revoke(&Revocation {
                session_id: session_id.to_owned(),
                until_ms,
            })
            .await
    }

    /// Signs an access token for the session and pairs it with `refresh_token`.
    fn token_pair(
        &self,
        account_id: &str,
        session_id: &str,
        refresh_token: String,
    ) -> Result<TokenPair, AuthError> {
        let ttl = self.config.access_token_ttl.as_secs();
        let iat = now_secs();
        let claims = Claims {
            sub: account_id.to_owned(),
            sid: session_id.to_owned(),
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            iat,
            exp: iat.saturating_add(ttl),
        };
        let access_token = self
            .backends
            .signing_key
            .sign(&claims)
            .map_err(error::signing)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            expires_in: i64::try_from(ttl).unwrap_or(i64::MAX),
        })
    }
}
