//! Creating accounts and reading them back.

use gochat_proto::auth::v1::{
    Account, CreateAccountRequest, GetAccountRequest, GetAccountsRequest, GetAccountsResponse,
    LookupAccountRequest,
};
use gochat_runtime::clock::now_ms;
use uuid::Uuid;

use super::{AuthError, AuthServiceImpl, error, to_wire};
use crate::{
    store::{AccountRecord, AccountStatus, StoreError},
    validate::{check_password, normalize_display_name, normalize_email},
};

/// Most ids one `GetAccounts` call may ask for.
const MAX_IDS_PER_CALL: usize = 1000;

impl AuthServiceImpl {
    /// Validates, hashes, stores a pending account, then asks for a code to be mailed. A
    /// failed mail keeps the account: the user can ask for a resend.
    pub(super) async fn create(&self, req: CreateAccountRequest) -> Result<Account, AuthError> {
        let email = normalize_email(&req.email).map_err(AuthError::Invalid)?;
        check_password(&req.password).map_err(AuthError::Invalid)?;
        let display_name = normalize_display_name(&req.display_name).map_err(AuthError::Invalid)?;
        let accounts = &self.backends.accounts;
        // Cheap early answer that also spares an argon2 run; `create` below is the real check.
        if accounts
            .get_by_email(&email)
            .await
            .map_err(error::store)?
            .is_some()
        {
            return Err(AuthError::EmailTaken);
        }
        let password_hash = self
            .passwords
            .hash(&req.password)
            .await
            .map_err(error::password)?;
        let account = AccountRecord {
            id: Uuid::now_v7().to_string(),
            email,
            display_name,
            status: AccountStatus::Pending,
            password_hash,
            created_at_ms: now_ms(),
        };
        match accounts.create(&account).await {
            Ok(()) => {}
            Err(StoreError::EmailTaken) => return Err(AuthError::EmailTaken),
            Err(e) => return Err(error::store(e)),
        }
        tracing::info!(account_id = %account.id, "account created");
        if let Err(e) = self.send_code(&account).await {
            tracing::warn!(
                account_id = %account.id,
                error = %e,
                "verification code not sent at signup; a resend can follow"
            );
        }
        Ok(to_wire(&account))
    }

    /// One account by id, whatever its status.
    pub(super) async fn account_by_id(&self, req: GetAccountRequest) -> Result<Account, AuthError> {
        match self
            .backends
            .accounts
            .get(&req.id)
            .await
            .map_err(error::store)?
        {
            Some(account) => Ok(to_wire(&account)),
            None => Err(AuthError::UserNotFound),
        }
    }

    /// The known accounts among the ids, in the order asked.
    pub(super) async fn accounts_by_ids(
        &self,
        req: GetAccountsRequest,
    ) -> Result<GetAccountsResponse, AuthError> {
        if req.ids.len() > MAX_IDS_PER_CALL {
            return Err(AuthError::BadRequest("too many ids in one call"));
        }
        let found = self
            .backends
            .accounts
            .get_many(&req.ids)
            .await
            .map_err(error::store)?;
        Ok(GetAccountsResponse {
            accounts: found.iter().map(to_wire).collect(),
        })
    }

    /// An active account by email; pending, unknown and malformed all answer `user_not_found`.
    pub(super) async fn lookup(&self, req: LookupAccountRequest) -> Result<Account, AuthError> {
        let email = normalize_email(&req.email).map_err(|_| AuthError::UserNotFound)?;
        match self
            .backends
            .accounts
            .get_by_email(&email)
            .await
            .map_err(error::store)?
        {
            Some(account) if account.status == AccountStatus::Active => Ok(to_wire(&account)),
            _ => Err(AuthError::UserNotFound),
        }
    }
}
