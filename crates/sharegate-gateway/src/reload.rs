//! What a SIGHUP reads again on the gateway, through the one reload path (`sharegate_core::reload`): the door's and the
//! nodes' CRLs, the need-to-know policy, and the nodes' record keys. The keys come from the configuration, read again:
//! how an operator adds a node's new key (docs/operations.md, "Rotating a node's signing key"), or puts right a wrong
//! one, without a restart. Keys that fail to load leave the old ones in force, and the log says why.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sharegate_core::reload::Reloadable;

use crate::config::GatewayConfig;
use sharegate_core::domain::AgencyName;
use sharegate_core::signing::SigningKeyError;

use crate::redaction::{RecordKeys, SharedRecordKeys};

/// The record keys in force, and the configuration they were first read from.
pub struct ConfiguredRecordKeys {
    pub shared: Arc<SharedRecordKeys>,
    pub started: GatewayConfig,
}

/// Why a reload left the keys in force as they were.
#[derive(Debug, thiserror::Error)]
enum ReloadError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("the configuration now names other agencies; agencies change only at a restart")]
    Agencies,
    #[error(transparent)]
    Keys(#[from] RecordKeyError),
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
    let keys = read_record_keys(&now)?;
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

impl Reloadable for ConfiguredRecordKeys {
    fn reload(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            // Files are read: off the server's threads.
            let reloaded = tokio::task::spawn_blocking(move || reload(&self.shared, &self.started)).await;
            match reloaded.map_err(ReloadError::from).and_then(|reloaded| reloaded) {
                Ok(changed) => tracing::info!(changed, "record keys reloaded"),
                Err(e) => tracing::error!(error = %e, "record keys reload failed; the keys in force stay"),
            }
        })
    }
}

/// An agency's `record_keys` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{agency}'s record_keys: {source}")]
pub struct RecordKeyError {
    agency: AgencyName,
    source: SigningKeyError,
}

/// Reads every agency's `record_keys`; the first that cannot be read is named.
pub fn read_record_keys(config: &GatewayConfig) -> Result<RecordKeys, RecordKeyError> {
    config
        .agencies
        .iter()
        .map(|(agency, entry)| {
            let keys = entry.record_keys.iter().map(|path| sharegate_core::signing::load_public(path));
            match keys.collect::<Result<Vec<_>, _>>() {
                Ok(keys) => Ok((agency.clone(), keys)),
                Err(source) => Err(RecordKeyError { agency: agency.clone(), source }),
            }
        })
        .collect::<Result<_, _>>()
        .map(RecordKeys::new)
}

#[cfg(test)]
mod tests;
