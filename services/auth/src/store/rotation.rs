//! The rotation rule every [`super::SessionStore`] applies, kept in one place so the
//! embedded and the CQL implementations decide identically and only differ in how they make
//! the read-decide-write step atomic.

use super::{MAX_ROTATED_HASHES, RotateOutcome, SecretHash, SessionRecord};

/// Decides what presenting `presented` does to `session` at `now_ms`; returns the outcome
/// and the record to write back, if any.
pub(crate) fn decide(
    mut session: SessionRecord,
    presented: &SecretHash,
    next: &SecretHash,
    now_ms: i64,
    next_expires_at_ms: i64,
) -> (RotateOutcome, Option<SessionRecord>) {
    if session.revoked {
        return (RotateOutcome::Invalid, None);
    }
    if session.rotated_hashes.contains(presented) {
        session.revoked = true;
        return (RotateOutcome::Reused, Some(session));
    }
    if session.secret_hash != *presented || !session.is_live(now_ms) {
        return (RotateOutcome::Invalid, None);
    }
    session.rotated_hashes.push(session.secret_hash);
    let excess = session
        .rotated_hashes
        .len()
        .saturating_sub(MAX_ROTATED_HASHES);
    session.rotated_hashes.drain(..excess);
    session.secret_hash = *next;
    session.expires_at_ms = next_expires_at_ms;
    (RotateOutcome::Rotated(session.clone()), Some(session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_hashes_are_bounded_oldest_first() {
        let mut session = crate::conformance::sample_session();
        let mut history = Vec::new();
        for _ in 0..MAX_ROTATED_HASHES + 3 {
            let next = SecretHash(rand::random());
            history.push(session.secret_hash);
            let (outcome, write) = decide(session.clone(), &session.secret_hash, &next, 0, 1);
            assert!(matches!(outcome, RotateOutcome::Rotated(_)));
            session = write.expect("rotation writes");
        }
        assert_eq!(session.rotated_hashes.len(), MAX_ROTATED_HASHES);
        assert_eq!(session.rotated_hashes, history[3..]);
        let (forgotten, write) = decide(session.clone(), &history[0], &SecretHash([0; 32]), 0, 1);
        assert_eq!((forgotten, write), (RotateOutcome::Invalid, None));
        let (reused, write) = decide(session, &history[3], &SecretHash([0; 32]), 0, 1);
        assert_eq!(reused, RotateOutcome::Reused);
        assert!(write.expect("revocation writes").revoked);
    }
}
