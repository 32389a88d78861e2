//! The record keys in force, replaceable while the gateway runs: on SIGHUP the gateway reads its configuration again
//! and takes each agency's `record_keys` from it — how an operator adds a node's new key (README, "Rotating a node's
//! signing key"), or puts right a wrong one, without a restart. Keys that fail to load leave the old ones in force,
//! and the log says why. A request keeps the keys it started with.

use std::sync::{Arc, PoisonError, RwLock};

use tokio::signal::unix::{SignalKind, signal};

use super::RecordKeys;
use crate::config::GatewayConfig;

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
    fn replace(&self, keys: RecordKeys) -> bool {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.same_keys(&keys) {
            return false;
        }
        *current = Arc::new(keys);
        true
    }
}

/// Why a reload left the keys in force as they were.
#[derive(Debug, thiserror::Error)]
enum ReloadError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("the configuration now names other agencies; agencies change only at a restart")]
    Agencies,
    #[error(transparent)]
    Keys(#[from] super::RecordKeyError),
    #[error("the reload stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
}

/// Reads the configuration `started` was loaded from again and puts its record keys in force. Says whether they
/// differ from the keys that were in force.
fn reload(shared: &SharedRecordKeys, started: &GatewayConfig) -> Result<bool, ReloadError> {
    let now = GatewayConfig::load(started.source.as_deref())?;
    if !now.agencies.keys().eq(started.agencies.keys()) {
        return Err(ReloadError::Agencies);
    }
    let keys = RecordKeys::load(&now.agencies)?;
    let changed = shared.replace(keys);
    // Only record_keys is taken from the file while running; say so if the operator changed anything else.
    let mut rest = now;
    for (agency, entry) in &mut rest.agencies {
        if let Some(before) = started.agencies.get(agency) {
            entry.record_keys.clone_from(&before.record_keys);
        }
    }
    if &rest != started {
        tracing::warn!("the configuration changed beyond record_keys; those changes take effect at the next restart");
    }
    Ok(changed)
}

/// Reloads the record keys from `started`'s configuration on every SIGHUP, for as long as the process runs.
pub fn reload_on_sighup(shared: Arc<SharedRecordKeys>, started: GatewayConfig) -> std::io::Result<()> {
    let mut hangup = signal(SignalKind::hangup())?;
    let started = Arc::new(started);
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            let (shared, started) = (shared.clone(), started.clone());
            // Files are read: off the server's threads.
            let reloaded = tokio::task::spawn_blocking(move || reload(&shared, &started)).await;
            match reloaded.map_err(ReloadError::from).and_then(|reloaded| reloaded) {
                Ok(changed) => tracing::info!(changed, "record keys reloaded"),
                Err(e) => tracing::error!(error = %e, "record keys reload failed; the keys in force stay"),
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests;
