//! What a node keeps of rarely changed store data (code lists, communes, agencies) for a
//! short while, so pages read on every request do not query it each time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long what was read stays in use: a change made on another node is seen here within
/// this time (this node forgets its own changes at once).
pub(crate) const READ_FOR: Duration = Duration::from_secs(60);

/// A value read from the store and when.
pub(crate) struct Fresh<T>(RwLock<Option<(Instant, Arc<T>)>>);

impl<T> Default for Fresh<T> {
    fn default() -> Self {
        Fresh(RwLock::new(None))
    }
}

impl<T> Fresh<T> {
    pub(crate) fn get(&self) -> Option<Arc<T>> {
        let held = self.0.read().unwrap_or_else(|e| e.into_inner());
        held.as_ref()
            .filter(|(at, _)| at.elapsed() < READ_FOR)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn put(&self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), value.clone()));
        value
    }

    pub(crate) fn forget(&self) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Values read by key at a store revision (the catalogue's): each holds while the revision
/// it was read at is still the current one, on any node.
pub(crate) struct ByRevision<T>(RwLock<HashMap<String, (i64, Arc<T>)>>);

impl<T> Default for ByRevision<T> {
    fn default() -> Self {
        ByRevision(RwLock::new(HashMap::new()))
    }
}

impl<T> ByRevision<T> {
    pub(crate) fn get(&self, key: &str, revision: i64) -> Option<Arc<T>> {
        let held = self.0.read().unwrap_or_else(|e| e.into_inner());
        held.get(key)
            .filter(|(at, _)| *at == revision)
            .map(|(_, v)| v.clone())
    }

    /// The value held for `key` whatever the revision it was read at, for values that
    /// carry their own proof of validity (a published version's id).
    pub(crate) fn held(&self, key: &str) -> Option<Arc<T>> {
        let held = self.0.read().unwrap_or_else(|e| e.into_inner());
        held.get(key).map(|(_, v)| v.clone())
    }

    /// Keeps `value` as read at `revision`; one entry per key, so bounded by the keys.
    pub(crate) fn put(&self, key: &str, revision: i64, value: T) -> Arc<T> {
        let value = Arc::new(value);
        let mut held = self.0.write().unwrap_or_else(|e| e.into_inner());
        held.insert(key.to_owned(), (revision, value.clone()));
        value
    }

    pub(crate) fn forget(&self, key: &str) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}
