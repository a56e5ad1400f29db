//! [`AccountStore`] on redb: `accounts` by id plus the `accounts_by_email` index, written
//! together in one transaction.

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable};

use super::{ACCOUNTS, EMAILS, RedbStore, decode, encode, unavailable};
use crate::store::{AccountRecord, AccountStatus, AccountStore, StoreError};

fn read_account(db: &Database, id: &str) -> Result<Option<AccountRecord>, StoreError> {
    let txn = db.begin_read().map_err(unavailable)?;
    let table = txn.open_table(ACCOUNTS).map_err(unavailable)?;
    let found = table.get(id).map_err(unavailable)?;
    found.map(|bytes| decode(bytes.value())).transpose()
}

#[async_trait]
impl AccountStore for RedbStore {
    async fn create(&self, account: &AccountRecord) -> Result<(), StoreError> {
        let account = account.clone();
        let bytes = encode(&account)?;
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            {
                let mut emails = txn.open_table(EMAILS).map_err(unavailable)?;
                if emails
                    .get(account.email.as_str())
                    .map_err(unavailable)?
                    .is_some()
                {
                    return Err(StoreError::EmailTaken);
                }
                emails
                    .insert(account.email.as_str(), account.id.as_str())
                    .map_err(unavailable)?;
                let mut accounts = txn.open_table(ACCOUNTS).map_err(unavailable)?;
                accounts
                    .insert(account.id.as_str(), bytes.as_slice())
                    .map_err(unavailable)?;
            }
            txn.commit().map_err(unavailable)
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |db| read_account(db, &id)).await
    }

    async fn get_by_email(&self, email: &str) -> Result<Option<AccountRecord>, StoreError> {
        let email = email.to_owned();
        self.run(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let emails = txn.open_table(EMAILS).map_err(unavailable)?;
            let Some(id) = emails.get(email.as_str()).map_err(unavailable)? else {
                return Ok(None);
            };
            let accounts = txn.open_table(ACCOUNTS).map_err(unavailable)?;
            let found = accounts.get(id.value()).map_err(unavailable)?;
            found.map(|bytes| decode(bytes.value())).transpose()
        })
        .await
    }

    async fn get_many(&self, ids: &[String]) -> Result<Vec<AccountRecord>, StoreError> {
        let ids = ids.to_vec();
        self.run(move |db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let accounts = txn.open_table(ACCOUNTS).map_err(unavailable)?;
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
                if let Some(bytes) = accounts.get(id.as_str()).map_err(unavailable)? {
                    out.push(decode(bytes.value())?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn activate(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        let id = id.to_owned();
        self.run(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let account = {
                let mut accounts = txn.open_table(ACCOUNTS).map_err(unavailable)?;
                let current: Option<AccountRecord> = {
                    let found = accounts.get(id.as_str()).map_err(unavailable)?;
                    found.map(|bytes| decode(bytes.value())).transpose()?
                };
                let Some(mut account) = current else {
                    return Ok(None);
                };
                if account.status != AccountStatus::Active {
                    account.status = AccountStatus::Active;
                    let bytes = encode(&account)?;
                    accounts
                        .insert(id.as_str(), bytes.as_slice())
                        .map_err(unavailable)?;
                }
                account
            };
            txn.commit().map_err(unavailable)?;
            Ok(Some(account))
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.ping_db().await
    }
}
