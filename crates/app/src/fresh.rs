//! What a node keeps of rarely changed store data (code lists, communes, agencies) for a
//! short while, so pages read on every request do not query it each time.

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
