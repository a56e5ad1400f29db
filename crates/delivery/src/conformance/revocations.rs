//! The revocation feed: what is recorded reaches every reader once, in order, and only
//! while in force.

use super::fresh_user;
use crate::{
    now_ms,
    revocation::{Revocation, RevocationFeed},
};

/// A reader from the start sees every revocation in force and none that is over; a reader
/// from a cursor sees only what came after it; two readers see the same.
pub async fn revocations_reach_every_reader_in_order(feed: &dyn RevocationFeed) {
    let revoked = |tag: &str, until_ms: u64| Revocation {
        session_id: fresh_user(tag),
        until_ms,
    };
    let in_an_hour = now_ms() + 3_600_000;
    let first = revoked("rev-first", in_an_hour);
    let over = revoked("rev-over", now_ms().saturating_sub(1));
    let second = revoked("rev-second", in_an_hour);
    for r in [&first, &over, &second] {
        feed.revoke(r).await.expect("revoke");
    }
    let mine = |batch: &crate::revocation::RevocationBatch| -> Vec<String> {
        batch
            .revocations
            .iter()
            .map(|r| r.session_id.clone())
            .filter(|s| [&first, &over, &second].iter().any(|r| &r.session_id == s))
            .collect()
    };
    let from_start = feed.read(None).await.expect("read from the start");
    assert_eq!(
        mine(&from_start),
        [first.session_id.clone(), second.session_id.clone()],
        "every revocation in force, in order, none that is over"
    );
    let again = feed.read(None).await.expect("a second reader");
    assert_eq!(
        mine(&again),
        mine(&from_start),
        "every reader sees the same"
    );

    let nothing_new = feed
        .read(Some(&from_start.cursor))
        .await
        .expect("read from the cursor");
    assert!(mine(&nothing_new).is_empty(), "nothing is read twice");
    let third = revoked("rev-third", in_an_hour);
    feed.revoke(&third).await.expect("revoke");
    let news = feed
        .read(Some(&nothing_new.cursor))
        .await
        .expect("read the news");
    assert!(
        news.revocations.iter().any(|r| r == &third),
        "a later revocation reaches a reader at its cursor"
    );
    assert!(
        !news
            .revocations
            .iter()
            .any(|r| r.session_id == first.session_id),
        "earlier ones are not read again"
    );
}
