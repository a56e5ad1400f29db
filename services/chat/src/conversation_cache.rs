//! Conversations read or created, kept in memory. A conversation never changes once created
//! (its kind, members and title are fixed, and it is never deleted), so a cached copy cannot
//! go stale, on this replica or any other. The service keeps one (sends and history reads
//! skip the store read that checks membership) and the CQL store keeps one (a send skips
//! the read of the members it updates). Only conversations that exist are cached.

use std::sync::{Arc, LazyLock};

use prometheus::IntCounterVec;

use crate::{Conversation, recent::RecentMap};

/// Entries each generation holds: the cache keeps at most twice this many of each kind.
pub(crate) const GENERATION_CAPACITY: usize = 16 * 1024;

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
    by_id: RecentMap<String, Arc<Conversation>>,
    by_pair: RecentMap<(String, String), Arc<Conversation>>,
}

impl ConversationCache {
    /// An empty cache, `name` in its metrics, holding up to `capacity` entries per
    /// generation.
    pub(crate) fn new(name: &'static str, capacity: usize) -> Self {
        Self {
            name,
            by_id: RecentMap::new(capacity),
            by_pair: RecentMap::new(capacity),
        }
    }

    /// The conversation `id`, if cached.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Conversation>> {
        self.observe("id", self.by_id.get(id))
    }

    /// The direct conversation of `a` and `b`, if cached.
    pub(crate) fn direct(&self, a: &str, b: &str) -> Option<Arc<Conversation>> {
        self.observe("direct_pair", self.by_pair.get(&pair(a, b)))
    }

    fn observe(&self, kind: &str, found: Option<Arc<Conversation>>) -> Option<Arc<Conversation>> {
        let result = if found.is_some() { "hit" } else { "miss" };
        LOOKUPS.with_label_values(&[self.name, kind, result]).inc();
        found
    }

    /// Caches `conversation` (under its pair too, when direct) and returns it shared.
    pub(crate) fn insert(&self, conversation: Conversation) -> Arc<Conversation> {
        let conversation = Arc::new(conversation);
        if let [a, b] = conversation.member_ids.as_slice()
            && conversation.kind == crate::ConversationKind::Direct
        {
            self.by_pair.insert(pair(a, b), Arc::clone(&conversation));
        }
        self.by_id
            .insert(conversation.id.clone(), Arc::clone(&conversation));
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
        Conversation {
            id: id.to_owned(),
            kind,
            member_ids: members.iter().map(|m| (*m).to_owned()).collect(),
            title: None,
            created_at_ms: 1,
        }
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
}
