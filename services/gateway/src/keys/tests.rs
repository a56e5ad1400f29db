use std::time::Duration;

use gochat_runtime::{ReadinessCheck, Shutdown};
use gochat_tokens::SigningKey;

use super::*;
use crate::{error::ErrorCode, tests::support};

fn keys() -> Keys {
    Keys::new(support::unreachable_peers().auth, Duration::from_secs(10))
}

#[tokio::test]
async fn readiness_follows_whether_keys_are_loaded() {
    let keys = Arc::new(keys());
    let check = KeysLoaded(keys.clone());
    assert_eq!(check.name(), "verification keys loaded");
    assert!(check.check().await.is_err());
    let key = SigningKey::generate().unwrap();
    keys.install(support::keys_response(&key)).unwrap();
    assert!(check.check().await.is_ok());
}

#[tokio::test]
async fn unusable_key_sets_are_refused_and_keep_the_old_ones() {
    let keys = keys();
    let key = SigningKey::generate().unwrap();
    keys.install(support::keys_response(&key)).unwrap();
    let mut broken = support::keys_response(&key);
    broken.keys[0].public_key_pem = "not a key".into();
    assert!(matches!(keys.install(broken), Err(KeysError::Unusable(_))));
    let token = support::token_with(&key, support::now_s() + 60);
    let me = keys.verify(&token).await.unwrap();
    assert_eq!(me.account_id, support::ME);
    assert_eq!(me.session_id, "session-1");
}

#[tokio::test]
async fn verify_is_503_until_loaded_then_401_for_bad_tokens() {
    let keys = keys();
    let e = keys.verify("whatever").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
    let key = SigningKey::generate().unwrap();
    keys.install(support::keys_response(&key)).unwrap();
    let expired = support::token_with(&key, support::now_s() - 3600);
    let e = keys.verify(&expired).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized);
    assert_eq!(e.message, "access token expired");
}

#[tokio::test]
async fn fetching_from_an_unreachable_auth_fails_and_loading_stops_on_shutdown() {
    let keys = keys();
    assert!(matches!(keys.fetch().await, Err(KeysError::Fetch(_))));
    let shutdown = Shutdown::new();
    let stopper = shutdown.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.trigger();
    });
    tokio::time::timeout(Duration::from_secs(5), keys.load_until_ready(&shutdown))
        .await
        .expect("loading stops on shutdown");
    assert!(!keys.loaded());
}

#[tokio::test]
async fn refreshes_are_spaced_by_the_interval() {
    let keys = keys();
    assert!(keys.claim_refresh());
    keys.refreshing.store(false, Ordering::Release);
    assert!(!keys.claim_refresh(), "within the interval");
    let fast = Keys::new(support::unreachable_peers().auth, Duration::ZERO);
    assert!(fast.claim_refresh());
    assert!(!fast.claim_refresh(), "one refresh at a time");
    fast.refreshing.store(false, Ordering::Release);
    assert!(fast.claim_refresh());
}
