//! A bounded map for caches: it keeps what was used lately and forgets the rest, with O(1)
//! work per call and no per-entry bookkeeping (callers that need expiry keep a time in the
//! value).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Mutex, PoisonError},
};

/// A bounded map that forgets what was not used lately, in two generations: entries are
/// added to the current one; when it is full, it becomes the previous one (dropping the
/// one before), and an entry found in the previous generation moves back to the current.
pub(crate) struct RecentMap<K, V> {
    capacity: usize,
    maps: Mutex<(HashMap<K, V>, HashMap<K, V>)>,
}

impl<K: Eq + Hash + Clone, V: Clone> RecentMap<K, V> {
    /// An empty map keeping up to `capacity` entries per generation.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            maps: Mutex::new((HashMap::new(), HashMap::new())),
        }
    }

    /// The value under `key`, if kept; a hit keeps it for another generation.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut maps = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = maps.0.get(key) {
            return Some(value.clone());
        }
        let (key, value) = maps.1.remove_entry(key)?;
        self.put(&mut maps, key, value.clone());
        Some(value)
    }

    /// Keeps `value` under `key`.
    pub(crate) fn insert(&self, key: K, value: V) {
        let mut maps = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        self.put(&mut maps, key, value);
    }

    /// Forgets `key` in both generations.
    pub(crate) fn remove<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut maps = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        maps.0.remove(key);
        maps.1.remove(key);
    }

    fn put(&self, maps: &mut (HashMap<K, V>, HashMap<K, V>), key: K, value: V) {
        if maps.0.len() >= self.capacity && !maps.0.contains_key(&key) {
            maps.1 = std::mem::take(&mut maps.0);
        }
        maps.0.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_two_generations_are_kept_and_recent_use_keeps_an_entry() {
        let generations = RecentMap::new(2);
        for k in 0..3 {
            generations.insert(k, k);
        }
        // Generation 1 is {2}, generation 2 is {0, 1}.
        assert_eq!(generations.get(&0), Some(0));
        // 0 moved back: generation 1 is {2, 0}.
        generations.insert(3, 3);
        // Full: {2, 0} became the previous generation and 1 was forgotten.
        assert_eq!(generations.get(&1), None);
        assert_eq!(generations.get(&2), Some(2));
        assert_eq!(generations.get(&3), Some(3));
        let maps = generations.maps.lock().unwrap();
        assert!(maps.0.len() <= 2 && maps.1.len() <= 2, "bounded");
    }
}
