//! The record keys in force, replaceable while the gateway runs (on SIGHUP, from the configuration: see the gateway's
//! `reload`). A request keeps the keys it started with.

use std::sync::{Arc, PoisonError, RwLock};

use super::RecordKeys;

/// The record keys in force, shared by every request and replaced whole by a reload.
pub struct SharedRecordKeys {
    current: RwLock<Arc<RecordKeys>>,
}

impl SharedRecordKeys {
    pub fn new(keys: RecordKeys) -> Self {
        Self { current: RwLock::new(Arc::new(keys)) }
    }

    /// The keys in force now.
    pub fn current(&self) -> Arc<RecordKeys> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Puts `keys` in force, unless they are the keys already in force: replacing those would only forget which
    /// records have verified. Says whether they were put in force.
    pub fn replace(&self, keys: RecordKeys) -> bool {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.same_keys(&keys) {
            return false;
        }
        *current = Arc::new(keys);
        true
    }
}
