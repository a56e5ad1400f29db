//! Conversations read or created, kept in memory. The service keeps one (sends and history
//! reads skip the store read that checks membership) and the CQL store keeps one (a send
//! skips the read of the members it updates). Only conversations that exist are cached.
//!
//! A direct conversation never changes, so a cached copy never goes stale. A group's
//! members do change, on any replica: a cached group is used for at most
//! [`GROUP_STALENESS`], then read again, so a member removed on one replica is refused by
//! every other within that time (the replica that made a change caches the new version at
//! once).

use std::{
    sync::{Arc, LazyLock},
    time::{Duration, Instant},
};

use prometheus::IntCounterVec;

use crate::{Conversation, recent::RecentMap};

/// Entries each generation holds: the cache keeps at most twice this many of each kind.
pub(crate) const GENERATION_CAPACITY: usize = 16 * 1024;

/// How long a cached group is used before it is read again: the longest a membership
/// change made on another replica goes unnoticed here.
pub const GROUP_STALENESS: Duration = Duration::from_secs(5);

/// A cached conversation and when it was read.
#[derive(Clone)]
struct Cached {
    conversation: Arc<Conversation>,
    at: Instant,
}

impl Cached {
    /// The conversation, unless it is a group read `staleness` or longer ago.
    fn fresh(self, staleness: Duration) -> Option<Arc<Conversation>> {
        let stale = self.conversation.kind == crate::ConversationKind::Group
            && self.at.elapsed() >= staleness;
        (!stale).then_some(self.conversation)
    }
}

/// Lookups in the cache, by kind and result.
static LOOKUPS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    gochat_telemetry::metrics::int_counter_vec(
        "gochat_chat_conversation_cache_lookups_total",
        "Conversation cache lookups by cache (service, cql_store), kind (id, direct_pair) and result (hit, miss).",
        &["cache", "kind", "result"],
    )
});

/// Conversations by id and direct conversations by their pair of members.
pub(crate) struct ConversationCache {
    name: &'static str,
    by_id: RecentMap<String, Cached>,
    by_pair: RecentMap<(String, String), Cached>,
    staleness: Duration,
}

impl ConversationCache {
    /// An empty cache, `name` in its metrics, holding up to `capacity` entries per
    /// generation and groups for [`GROUP_STALENESS`].
    pub(crate) fn new(name: &'static str, capacity: usize) -> Self {
        Self::with_staleness(name, capacity, GROUP_STALENESS)
    }

    /// [`Self::new`] with groups kept for `staleness`.
    pub(crate) fn with_staleness(name: &'static str, capacity: usize, staleness: Duration) -> Self {
        Self {
            name,
            by_id: RecentMap::new(capacity),
            by_pair: RecentMap::new(capacity),
            staleness,
        }
    }

    /// The conversation `id`, if cached (and, for a group, fresh).
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Conversation>> {
        let found = self.by_id.get(id).and_then(|c| c.fresh(self.staleness));
        self.observe("id", found)
    }

    /// The direct conversation of `a` and `b`, if cached.
    pub(crate) fn direct(&self, a: &str, b: &str) -> Option<Arc<Conversation>> {
        let found = self
            .by_pair
            .get(&pair(a, b))
            .and_then(|c| c.fresh(self.staleness));
        self.observe("direct_pair", found)
    }

    fn observe(&self, kind: &str, found: Option<Arc<Conversation>>) -> Option<Arc<Conversation>> {
        let result = if found.is_some() { "hit" } else { "miss" };
        LOOKUPS.with_label_values(&[self.name, kind, result]).inc();
        found
    }

    /// Forgets conversation `id` (a group whose cached members proved stale).
    pub(crate) fn forget(&self, id: &str) {
        self.by_id.remove(id);
    }

    /// Caches `conversation` (under its pair too, when direct) as read now, replacing any
    /// older copy, and returns it shared.
    pub(crate) fn insert(&self, conversation: Conversation) -> Arc<Conversation> {
        let conversation = Arc::new(conversation);
        let cached = Cached {
            conversation: Arc::clone(&conversation),
            at: Instant::now(),
        };
        if let [a, b] = conversation.member_ids.as_slice()
            && conversation.kind == crate::ConversationKind::Direct
        {
            self.by_pair.insert(pair(a, b), cached.clone());
        }
        self.by_id.insert(conversation.id.clone(), cached);
        conversation
    }
}

/// A direct pair's key: the two members, smaller first.
fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConversationKind;

    fn conversation(id: &str, kind: ConversationKind, members: &[&str]) -> Conversation {
        Conversation::new(
            id.to_owned(),
            kind,
            members.iter().map(|m| (*m).to_owned()).collect(),
            None,
            1,
        )
    }

    #[test]
    fn a_direct_conversation_is_found_by_id_and_by_its_pair_either_way() {
        let cache = ConversationCache::new("test", 8);
        cache.insert(conversation(
            "c1",
            ConversationKind::Direct,
            &["bob", "ann"],
        ));
        assert_eq!(cache.get("c1").map(|c| c.id.clone()).as_deref(), Some("c1"));
        assert_eq!(
            cache.direct("ann", "bob").map(|c| c.id.clone()).as_deref(),
            Some("c1")
        );
        assert_eq!(
            cache.direct("bob", "ann").map(|c| c.id.clone()).as_deref(),
            Some("c1")
        );
        assert!(cache.direct("ann", "cid").is_none());
        assert!(cache.get("c2").is_none());
    }

    #[test]
    fn a_group_is_not_cached_as_a_pair() {
        let cache = ConversationCache::new("test", 8);
        cache.insert(conversation("g", ConversationKind::Group, &["ann", "bob"]));
        assert!(cache.get("g").is_some());
        assert!(cache.direct("ann", "bob").is_none());
    }

    #[test]
    fn a_group_is_read_again_once_stale_and_a_direct_one_never() {
        let cache = ConversationCache::with_staleness("test", 8, Duration::from_millis(30));
        cache.insert(conversation("g", ConversationKind::Group, &["ann", "bob"]));
        cache.insert(conversation("d", ConversationKind::Direct, &["ann", "bob"]));
        assert!(cache.get("g").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("g").is_none(), "a stale group is read again");
        assert!(
            cache.get("d").is_some(),
            "a direct conversation never changes"
        );
        let mut changed = conversation("g", ConversationKind::Group, &["ann"]);
        changed.title = Some("new".into());
        cache.insert(changed.clone());
        assert_eq!(
            cache.get("g").as_deref(),
            Some(&changed),
            "the new version replaces it"
        );
    }
}
