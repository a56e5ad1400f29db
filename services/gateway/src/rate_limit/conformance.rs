//! Behaviour every [`RateLimitStore`] must show, run against each implementation.
//! Uses real time with short windows so a networked store (Redis) can run it too.

use std::{sync::Arc, time::Duration};

use super::RateLimitStore;

/// Runs every behaviour below; keys are made unique per run.
pub async fn run_all(store: Arc<dyn RateLimitStore>) {
    let run = format!("conf-{}", gochat_runtime::clock::now_ms());
    allows_up_to_the_limit_then_refuses(store.as_ref(), &format!("{run}:a")).await;
    keys_are_counted_separately(store.as_ref(), &format!("{run}:b")).await;
    the_window_resets(store.as_ref(), &format!("{run}:c")).await;
    answers_ping(store.as_ref()).await;
}

/// `limit` hits pass, the next is refused with a wait no longer than the window.
pub async fn allows_up_to_the_limit_then_refuses(store: &dyn RateLimitStore, key: &str) {
    let window = Duration::from_secs(30);
    for i in 1..=3 {
        let d = store.hit(key, 3, window).await.expect("hit");
        assert!(d.allowed, "hit {i} of 3 must pass");
    }
    let refused = store.hit(key, 3, window).await.expect("hit");
    assert!(!refused.allowed, "hit 4 of 3 must be refused");
    assert!(refused.retry_after <= window);
    assert!(
        refused.retry_after > Duration::from_secs(20),
        "the window just started"
    );
    let again = store.hit(key, 3, window).await.expect("hit");
    assert!(
        !again.allowed,
        "refused hits keep being refused in the window"
    );
}

/// Counting one key leaves others untouched.
pub async fn keys_are_counted_separately(store: &dyn RateLimitStore, key: &str) {
    let window = Duration::from_secs(30);
    assert!(
        store
            .hit(&format!("{key}:1"), 1, window)
            .await
            .expect("hit")
            .allowed
    );
    assert!(
        !store
            .hit(&format!("{key}:1"), 1, window)
            .await
            .expect("hit")
            .allowed
    );
    assert!(
        store
            .hit(&format!("{key}:2"), 1, window)
            .await
            .expect("hit")
            .allowed
    );
}

/// After the window ends the key is allowed again (fixed window, not sliding).
pub async fn the_window_resets(store: &dyn RateLimitStore, key: &str) {
    let window = Duration::from_millis(1000);
    assert!(store.hit(key, 1, window).await.expect("hit").allowed);
    let refused = store.hit(key, 1, window).await.expect("hit");
    assert!(!refused.allowed);
    assert!(refused.retry_after <= window);
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    assert!(
        store.hit(key, 1, window).await.expect("hit").allowed,
        "a new window starts after the old one ends"
    );
}

/// A healthy store answers its readiness check.
pub async fn answers_ping(store: &dyn RateLimitStore) {
    store.ping().await.expect("ping");
}
