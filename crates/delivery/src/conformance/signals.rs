//! Signals and presence: ephemeral payloads reach present recipients only and are never
//! logged; presence follows subscriptions, with a last-seen time once the last one goes.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;

use super::{PATIENCE, fresh_user, replay_all};
use crate::{EventLog, Presence, Subscription};

/// How long a check waits to be sure a signal does not arrive.
const QUIET: Duration = Duration::from_millis(300);

/// The next signal of `sub`, failing the check if none comes in time.
async fn next_signal(sub: &mut Subscription) -> Bytes {
    tokio::time::timeout(PATIENCE, sub.next_signal())
        .await
        .expect("no signal arrived in time")
}

/// A signal reaches every subscription of each present recipient, nobody else, and no
/// log; a recipient without a subscription is skipped without failing the signal.
pub async fn signals_reach_present_recipients_only(log: &Arc<dyn EventLog>) {
    let (user, other, absent) = (
        fresh_user("signal"),
        fresh_user("signal-other"),
        fresh_user("signal-absent"),
    );
    let mut phone = log.subscribe(&user).await.unwrap();
    let mut laptop = log.subscribe(&user).await.unwrap();
    let elsewhere = log.subscribe(&other).await.unwrap();
    let payload = Bytes::from_static(b"typing");
    log.signal(&[user.clone(), absent.clone()], payload.clone())
        .await
        .expect("signal");
    assert_eq!(next_signal(&mut phone).await, payload);
    assert_eq!(next_signal(&mut laptop).await, payload);
    assert!(
        tokio::time::timeout(QUIET, elsewhere.next_signal())
            .await
            .is_err(),
        "another user's subscription got the signal"
    );
    assert!(
        replay_all(log, &user).await.is_empty(),
        "a signal is not logged"
    );
    assert!(replay_all(log, &absent).await.is_empty());
}

/// A user is online from their first subscription until the last one is released, is then
/// last seen at about that time, and comes online again with the next subscription.
pub async fn presence_follows_subscriptions(log: &Arc<dyn EventLog>) {
    let user = fresh_user("presence");
    let offline = log.presence(std::slice::from_ref(&user)).await.unwrap();
    assert_eq!(offline, [Presence::default()], "never seen");
    let online = Presence {
        online: true,
        last_seen_ms: None,
    };

    let phone = log.subscribe(&user).await.unwrap();
    assert!(phone.came_online());
    let laptop = log.subscribe(&user).await.unwrap();
    assert!(!laptop.came_online(), "already online");
    assert_eq!(
        log.presence(std::slice::from_ref(&user)).await.unwrap(),
        [online]
    );

    drop(phone);
    assert_eq!(
        log.release(&user).await.unwrap(),
        online,
        "the laptop is still on"
    );
    drop(laptop);
    let released = log.release(&user).await.unwrap();
    assert!(!released.online);
    assert!(
        released.last_seen_ms.is_some(),
        "a last-seen time (by the log's clock)"
    );
    assert_eq!(
        log.presence(&[user.clone(), fresh_user("presence-never")])
            .await
            .unwrap(),
        [released, Presence::default()]
    );

    let back = log.subscribe(&user).await.unwrap();
    assert!(back.came_online());
    drop(back);
    log.release(&user).await.unwrap();
}
