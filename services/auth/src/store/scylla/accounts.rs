//! Accounts unique by email, in three steps: reserve the email (`IF NOT EXISTS`), write the
//! account row, commit the reservation (`IF account_id = <ours>`).
//!
//! A create can stop between the steps (a crash, a timeout). Only a committed reservation
//! makes an email taken and [`get_by_email`](ScyllaStore::account_by_email) sees only
//! committed ones, so a half-done create never shows and never blocks the email for good:
//! the next create for that email inspects the stale reservation and
//! - takes it over (`IF account_id = <old> AND committed = false`) when the old account row
//!   does not exist: the old create never got that far, and its commit can no longer apply;
//! - commits it for the old account when that row exists (the old create stopped just
//!   before its commit) and answers `EmailTaken`: that account is then whole.
//!
//! The conditions make exactly one create per email win even when they race: a commit
//! applies only while the reservation is still its own, and nothing takes over a committed
//! reservation. A create whose commit fails removes its own account row.

use futures::{StreamExt, TryStreamExt, stream};

use super::{
    ScyllaStore, corrupt,
    lwt::Read,
    rows::{AccountRow, account_from_row, status_text},
};
use crate::store::{AccountRecord, AccountStatus, StoreError};

/// Reservation rounds before a create gives up on a reservation that keeps changing.
const CLAIM_ROUNDS: usize = 3;
/// Account reads `get_many` keeps in flight at once.
const PARALLEL_READS: usize = 16;

/// Where a create stands with the email's reservation.
enum Claim {
    /// The reservation is this create's, uncommitted.
    Ours,
    /// Another account has the email, or another create holds it right now.
    Taken,
    /// The reservation vanished between two reads; try again.
    Vanished,
}

impl ScyllaStore {
    /// [`AccountStore::create`](crate::store::AccountStore::create).
    pub(super) async fn create_account(&self, account: &AccountRecord) -> Result<(), StoreError> {
        for _ in 0..CLAIM_ROUNDS {
            match self.claim_email(account).await? {
                Claim::Ours => return self.write_and_commit(account).await,
                Claim::Taken => return Err(StoreError::EmailTaken),
                Claim::Vanished => {}
            }
        }
        Err(StoreError::Unavailable(
            "the email's reservation kept changing".to_owned(),
        ))
    }

    /// Reserves the email for `account`, or deals with the reservation already there.
    async fn claim_email(&self, account: &AccountRecord) -> Result<Claim, StoreError> {
        let st = &self.statements;
        let (email, id) = (&account.email, &account.id);
        if self.cas(&st.reserve_email, (email, id)).await? {
            return Ok(Claim::Ours);
        }
        let Some((owner, committed)) = self.email_owner(email, Read::Serial).await? else {
            return Ok(Claim::Vanished);
        };
        if committed {
            return Ok(Claim::Taken);
        }
        if owner == *id {
            // A retry of a create of this very account that stopped half-way.
            return Ok(Claim::Ours);
        }
        if self.account(&owner).await?.is_some() {
            self.cas(&st.commit_email, (email, &owner)).await?;
            return Ok(Claim::Taken);
        }
        if self.cas(&st.take_over_email, (id, email, &owner)).await? {
            Ok(Claim::Ours)
        } else {
            Ok(Claim::Taken)
        }
    }

    /// Writes the account row, then commits the reservation if it is still ours.
    async fn write_and_commit(&self, account: &AccountRecord) -> Result<(), StoreError> {
        let st = &self.statements;
        let row = (
            &account.id,
            &account.email,
            &account.display_name,
            status_text(account.status),
            &account.password_hash,
            account.created_at_ms,
        );
        self.run(&st.insert_account, row).await?;
        if self
            .cas(&st.commit_email, (&account.email, &account.id))
            .await?
        {
            return Ok(());
        }
        self.run(&st.delete_account, (&account.id,)).await?;
        Err(StoreError::EmailTaken)
    }

    /// Who holds the reservation of `email` and whether it is committed.
    async fn email_owner(
        &self,
        email: &str,
        read: Read,
    ) -> Result<Option<(String, bool)>, StoreError> {
        let st = &self.statements;
        let statement = match read {
            Read::Default => &st.email_owner,
            Read::Serial => &st.email_owner_serial,
        };
        let result = self.run(statement, (email,)).await?;
        result
            .into_rows_result()
            .map_err(corrupt)?
            .maybe_first_row::<(String, bool)>()
            .map_err(corrupt)
    }

    /// [`AccountStore::get`](crate::store::AccountStore::get).
    pub(super) async fn account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let result = self.run(&self.statements.account_by_id, (id,)).await?;
        let row = result
            .into_rows_result()
            .map_err(corrupt)?
            .maybe_first_row::<AccountRow>()
            .map_err(corrupt)?;
        row.map(account_from_row).transpose()
    }

    /// [`AccountStore::get_by_email`](crate::store::AccountStore::get_by_email): only a
    /// committed reservation leads to an account.
    pub(super) async fn account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<AccountRecord>, StoreError> {
        match self.email_owner(email, Read::Default).await? {
            Some((id, true)) => self.account(&id).await,
            Some((_, false)) | None => Ok(None),
        }
    }

    /// [`AccountStore::get_many`](crate::store::AccountStore::get_many): parallel reads by
    /// key (each goes straight to its replicas), answered in request order.
    pub(super) async fn accounts(&self, ids: &[String]) -> Result<Vec<AccountRecord>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<String> = ids
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .cloned()
            .collect();
        let found: Vec<Option<AccountRecord>> = stream::iter(unique)
            .map(|id| async move { self.account(&id).await })
            .buffered(PARALLEL_READS)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// [`AccountStore::activate`](crate::store::AccountStore::activate).
    pub(super) async fn activate_account(
        &self,
        id: &str,
    ) -> Result<Option<AccountRecord>, StoreError> {
        let Some(mut account) = self.account(id).await? else {
            return Ok(None);
        };
        if account.status != AccountStatus::Active {
            account.status = AccountStatus::Active;
            let status = status_text(AccountStatus::Active);
            self.run(&self.statements.set_account_status, (status, id))
                .await?;
        }
        Ok(Some(account))
    }
}
