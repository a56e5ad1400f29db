//! [`AccountStore`] behaviour tests.

use std::sync::Arc;

use uuid::Uuid;

use crate::store::{AccountRecord, AccountStatus, AccountStore, StoreError};

/// A pending account with a fresh id and email.
pub fn sample_account() -> AccountRecord {
    let id = Uuid::now_v7().to_string();
    AccountRecord {
        email: format!("{id}@conformance.example"),
        id,
        display_name: "Conformance".to_owned(),
        status: AccountStatus::Pending,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        created_at_ms: gochat_runtime::clock::now_ms(),
    }
}

/// A created account reads back whole by id and by email.
pub async fn create_then_get_by_id_and_email(store: &Arc<dyn AccountStore>) {
    let account = sample_account();
    store.create(&account).await.expect("create");
    assert_eq!(
        store.get(&account.id).await.expect("get"),
        Some(account.clone())
    );
    let by_email = store
        .get_by_email(&account.email)
        .await
        .expect("get_by_email");
    assert_eq!(by_email, Some(account));
}

/// A second account with the same email is refused and the first stays as it was.
pub async fn email_is_unique(store: &Arc<dyn AccountStore>) {
    let first = sample_account();
    store.create(&first).await.expect("create");
    let second = AccountRecord {
        email: first.email.clone(),
        ..sample_account()
    };
    let err = store.create(&second).await.expect_err("duplicate email");
    assert!(matches!(err, StoreError::EmailTaken), "{err:?}");
    assert_eq!(store.get(&second.id).await.expect("get"), None);
    let by_email = store
        .get_by_email(&first.email)
        .await
        .expect("get_by_email");
    assert_eq!(by_email.map(|a| a.id), Some(first.id));
}

/// Racing creates for one email: exactly one succeeds.
pub async fn concurrent_creates_have_one_winner(store: &Arc<dyn AccountStore>) {
    let email = sample_account().email;
    let attempts = (0..8).map(|_| {
        let store = Arc::clone(store);
        let account = AccountRecord {
            email: email.clone(),
            ..sample_account()
        };
        tokio::spawn(async move { store.create(&account).await })
    });
    let mut won = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.expect("task") {
            Ok(()) => won += 1,
            Err(StoreError::EmailTaken) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(won, 1);
}

/// Unknown ids and emails are `None`, not errors.
pub async fn missing_accounts_are_none(store: &Arc<dyn AccountStore>) {
    let ghost = sample_account();
    assert_eq!(store.get(&ghost.id).await.expect("get"), None);
    assert_eq!(
        store
            .get_by_email(&ghost.email)
            .await
            .expect("get_by_email"),
        None
    );
    assert_eq!(store.activate(&ghost.id).await.expect("activate"), None);
}

/// `get_many` answers in request order, leaves unknown ids out, repeats none.
pub async fn get_many_keeps_order_and_skips_unknown(store: &Arc<dyn AccountStore>) {
    let (a, b) = (sample_account(), sample_account());
    store.create(&a).await.expect("create a");
    store.create(&b).await.expect("create b");
    let ghost = Uuid::now_v7().to_string();
    let ids = [b.id.clone(), ghost, a.id.clone(), b.id.clone()];
    let found = store.get_many(&ids).await.expect("get_many");
    let found: Vec<&str> = found.iter().map(|acc| acc.id.as_str()).collect();
    assert_eq!(found, [b.id.as_str(), a.id.as_str()]);
    assert!(
        store
            .get_many(&[])
            .await
            .expect("get_many empty")
            .is_empty()
    );
}

/// Activation flips pending to active, keeps everything else, and can repeat.
pub async fn activate_is_idempotent(store: &Arc<dyn AccountStore>) {
    let account = sample_account();
    store.create(&account).await.expect("create");
    let active = AccountRecord {
        status: AccountStatus::Active,
        ..account.clone()
    };
    assert_eq!(
        store.activate(&account.id).await.expect("activate"),
        Some(active.clone())
    );
    assert_eq!(
        store.activate(&account.id).await.expect("again"),
        Some(active.clone())
    );
    assert_eq!(
        store.get(&account.id).await.expect("get"),
        Some(active.clone())
    );
    let by_email = store.get_by_email(&account.email).await.expect("by email");
    assert_eq!(by_email, Some(active));
}
