//! [`SessionStore`] behaviour tests.

use std::sync::Arc;

use uuid::Uuid;

use crate::store::{RotateOutcome, SecretHash, SessionRecord, SessionStore, StoreError};

const HOUR_MS: i64 = 3_600_000;

/// A distinct secret hash per call.
pub fn sample_hash() -> SecretHash {
    SecretHash(rand::random())
}

/// A live session with a fresh id, expiring in an hour.
pub fn sample_session() -> SessionRecord {
    let now = gochat_runtime::clock::now_ms();
    SessionRecord {
        id: Uuid::now_v7().to_string(),
        account_id: Uuid::now_v7().to_string(),
        secret_hash: sample_hash(),
        rotated_hashes: Vec::new(),
        revoked: false,
        created_at_ms: now,
        expires_at_ms: now + HOUR_MS,
    }
}

fn now() -> i64 {
    gochat_runtime::clock::now_ms()
}

/// A created session reads back whole; its id cannot be created twice.
pub async fn create_then_get(store: &Arc<dyn SessionStore>) {
    let session = sample_session();
    store.create(&session).await.expect("create");
    assert_eq!(
        store.get(&session.id).await.expect("get"),
        Some(session.clone())
    );
    let clash = SessionRecord {
        secret_hash: sample_hash(),
        ..session.clone()
    };
    let err = store.create(&clash).await.expect_err("duplicate id");
    assert!(matches!(err, StoreError::SessionExists), "{err:?}");
    assert_eq!(store.get(&session.id).await.expect("get"), Some(session));
    assert_eq!(
        store.get(&Uuid::now_v7().to_string()).await.expect("get"),
        None
    );
}

/// Presenting the current secret installs the next one and the new expiry.
pub async fn rotate_replaces_the_current_secret(store: &Arc<dyn SessionStore>) {
    let session = sample_session();
    store.create(&session).await.expect("create");
    let (next, expiry) = (sample_hash(), now() + 2 * HOUR_MS);
    let outcome = store
        .rotate(&session.id, &session.secret_hash, &next, now(), expiry)
        .await
        .expect("rotate");
    let RotateOutcome::Rotated(rotated) = outcome else {
        panic!("expected Rotated, got {outcome:?}");
    };
    assert_eq!(rotated.secret_hash, next);
    assert_eq!(rotated.expires_at_ms, expiry);
    assert_eq!(rotated.account_id, session.account_id);
    assert_eq!(rotated.rotated_hashes, vec![session.secret_hash]);
    assert!(!rotated.revoked);
    assert_eq!(store.get(&session.id).await.expect("get"), Some(rotated));
    let then = sample_hash();
    let again = store
        .rotate(&session.id, &next, &then, now(), expiry)
        .await
        .expect("rotate");
    assert!(matches!(again, RotateOutcome::Rotated(s) if s.secret_hash == then));
}

/// Presenting a rotated-away secret revokes the session: even the current one dies.
pub async fn reuse_of_a_rotated_secret_revokes(store: &Arc<dyn SessionStore>) {
    let session = sample_session();
    store.create(&session).await.expect("create");
    let (second, third) = (sample_hash(), sample_hash());
    let exp = now() + HOUR_MS;
    let first = session.secret_hash;
    let r1 = store
        .rotate(&session.id, &first, &second, now(), exp)
        .await
        .expect("rotate 1");
    assert!(matches!(r1, RotateOutcome::Rotated(_)));
    let r2 = store
        .rotate(&session.id, &second, &third, now(), exp)
        .await
        .expect("rotate 2");
    assert!(matches!(r2, RotateOutcome::Rotated(_)));
    let reuse = store
        .rotate(&session.id, &first, &sample_hash(), now(), exp)
        .await
        .expect("reuse");
    assert_eq!(reuse, RotateOutcome::Reused);
    let stored = store
        .get(&session.id)
        .await
        .expect("get")
        .expect("still stored");
    assert!(stored.revoked);
    assert_eq!(
        stored.secret_hash, third,
        "reuse does not install a new secret"
    );
    let current = store
        .rotate(&session.id, &third, &sample_hash(), now(), exp)
        .await
        .expect("cur");
    assert_eq!(current, RotateOutcome::Invalid);
}

/// Unknown sessions or secrets, expired and revoked sessions: `Invalid`, nothing changes.
pub async fn unknown_expired_or_revoked_is_invalid(store: &Arc<dyn SessionStore>) {
    let exp = now() + HOUR_MS;
    let ghost = Uuid::now_v7().to_string();
    let outcome = store
        .rotate(&ghost, &sample_hash(), &sample_hash(), now(), exp)
        .await;
    assert_eq!(outcome.expect("rotate"), RotateOutcome::Invalid);

    let session = sample_session();
    store.create(&session).await.expect("create");
    let wrong = store
        .rotate(&session.id, &sample_hash(), &sample_hash(), now(), exp)
        .await;
    assert_eq!(wrong.expect("rotate"), RotateOutcome::Invalid);
    assert_eq!(
        store.get(&session.id).await.expect("get"),
        Some(session.clone()),
        "unchanged"
    );

    let expired = SessionRecord {
        expires_at_ms: now() - 1,
        ..sample_session()
    };
    store.create(&expired).await.expect("create expired");
    let late = store
        .rotate(
            &expired.id,
            &expired.secret_hash,
            &sample_hash(),
            now(),
            exp,
        )
        .await;
    assert_eq!(late.expect("rotate"), RotateOutcome::Invalid);

    let revoked = sample_session();
    store.create(&revoked).await.expect("create");
    assert!(store.revoke(&revoked.id).await.expect("revoke"));
    let dead = store
        .rotate(
            &revoked.id,
            &revoked.secret_hash,
            &sample_hash(),
            now(),
            exp,
        )
        .await;
    assert_eq!(dead.expect("rotate"), RotateOutcome::Invalid);
}

/// Revoking answers whether the session exists and is idempotent.
pub async fn revoke_reports_existence(store: &Arc<dyn SessionStore>) {
    let session = sample_session();
    store.create(&session).await.expect("create");
    assert!(store.revoke(&session.id).await.expect("revoke"));
    assert!(store.revoke(&session.id).await.expect("revoke again"));
    let stored = store.get(&session.id).await.expect("get").expect("kept");
    assert!(stored.revoked);
    assert!(
        !store
            .revoke(&Uuid::now_v7().to_string())
            .await
            .expect("revoke unknown")
    );
}

/// Racing rotations with one secret: exactly one rotates (the others count as reuse).
pub async fn concurrent_rotations_have_one_winner(store: &Arc<dyn SessionStore>) {
    let session = sample_session();
    store.create(&session).await.expect("create");
    let exp = now() + HOUR_MS;
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(store);
            let (id, presented) = (session.id.clone(), session.secret_hash);
            tokio::spawn(async move {
                store
                    .rotate(&id, &presented, &sample_hash(), now(), exp)
                    .await
            })
        })
        .collect();
    let mut rotated = 0;
    for attempt in attempts {
        match attempt.await.expect("task").expect("rotate") {
            RotateOutcome::Rotated(_) => rotated += 1,
            RotateOutcome::Reused | RotateOutcome::Invalid => {}
        }
    }
    assert_eq!(rotated, 1);
}
