//! What a SIGHUP reads again on the gateway, through the one reload path (`sharegate_core::reload`): the door's and the
//! nodes' CRLs, the need-to-know policy ([`PolicyInForce`]), the nodes' record keys and the agencies' witness keys. The keys come from the
//! configuration, read again: how an operator adds a node's new key (docs/operations.md, "Rotating a node's signing
//! key") or an agency's witness, or puts right a wrong one, without a restart. Keys that fail to load leave all the
//! old ones in force, and the log says why.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use futures_util::future::BoxFuture;
use sharegate_core::reload::{Hangup, Reloadable};

use crate::config::GatewayConfig;
use crate::decision::diff::PolicyDiff;
use crate::decision::shared::SharedPolicy;
use crate::disclosure_log::LogWriter;
use crate::disclosure_log::policy_change::{self, Comparison, Counts, Occasion, PolicyChange, PutInForce};
use sharegate_core::domain::AgencyName;
use sharegate_core::signing::SigningKeyError;

use crate::disclosure_log::witness::WitnessKeys;
use crate::redaction::{RecordKeys, SharedRecordKeys};

/// The record and witness keys in force, and the configuration they were first read from.
pub struct ConfiguredKeys {
    pub record_keys: Arc<SharedRecordKeys>,
    pub witness_keys: Arc<WitnessKeys>,
    pub started: GatewayConfig,
}

/// Which keys a reload changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Changed {
    record_keys: bool,
    witness_keys: bool,
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
    #[error(transparent)]
    WitnessKey(#[from] WitnessKeyError),
    #[error("the reload stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
}

/// Reads the configuration `started` was loaded from again and puts its record and witness keys in force (both or
/// neither). Says which differ from the keys that were in force.
fn reload(keys: &ConfiguredKeys) -> Result<Changed, ReloadError> {
    let started = &keys.started;
    let now = GatewayConfig::load(started.source.as_deref())?;
    if !now.agencies.keys().eq(started.agencies.keys()) {
        return Err(ReloadError::Agencies);
    }
    let record_keys = read_record_keys(&now)?;
    let witness_keys = read_witness_keys(&now)?;
    let changed = Changed {
        record_keys: keys.record_keys.replace(record_keys),
        witness_keys: keys.witness_keys.replace(witness_keys),
    };
    // Only the keys are taken from the file while running; say so if the operator changed anything else.
    let mut rest = now;
    for (agency, entry) in &mut rest.agencies {
        if let Some(before) = started.agencies.get(agency) {
            entry.record_keys.clone_from(&before.record_keys);
            entry.witness_key.clone_from(&before.witness_key);
        }
    }
    if &rest != started {
        tracing::warn!(
            "the configuration changed beyond record_keys and witness_key; those changes take effect at the next restart"
        );
    }
    Ok(changed)
}

impl Reloadable for ConfiguredKeys {
    fn reload(self: Arc<Self>, _: Hangup) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            // Files are read: off the server's threads.
            let reloaded = tokio::task::spawn_blocking(move || reload(&self)).await;
            match reloaded.map_err(ReloadError::from).and_then(|reloaded| reloaded) {
                Ok(Changed { record_keys, witness_keys }) => {
                    tracing::info!(changed = record_keys, witness_keys_changed = witness_keys, "record keys reloaded");
                }
                Err(e) => tracing::error!(error = %e, "record keys reload failed; the keys in force stay"),
            }
        })
    }
}

/// The need-to-know policy, read again on SIGHUP. A policy that fails to load leaves the old one in force, and the
/// log says why. One that differs is written into the disclosure log (what it changes over the closed lists, as
/// `sharegate policy diff` counts it, and who sent the signal) and only then put in force; the server's log says
/// the same, as a warning when it shares more. If its entry cannot be written, the old policy stays in force.
pub struct PolicyInForce {
    pub policy: Arc<SharedPolicy>,
    pub log: LogWriter,
}

impl Reloadable for PolicyInForce {
    fn reload(self: Arc<Self>, hangup: Hangup) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let before = self.policy.current();
            let read = match self.policy.read().await {
                Ok(read) => Arc::new(read),
                Err(e) => {
                    tracing::error!(error = %e, kept = %before.hash, "policy reload failed; the previous policy stays in force");
                    return;
                }
            };
            if read.hash == before.hash {
                tracing::info!(hash = %read.hash, "policy reloaded: unchanged");
                return;
            }
            let counts = Counts::of(&PolicyDiff::between(&before, &read, self.policy.vocabulary()));
            let occasion = Occasion::Reload { sent_by: hangup.sender };
            let change = PolicyChange::new(
                &read,
                Some(before.hash.clone()),
                Comparison::Counted(counts),
                PutInForce::here(occasion),
            );
            if let Err(e) = policy_change::append(&self.log, &change).await {
                tracing::error!(error = %e, kept = %before.hash, "policy reload not put in force: its log entry cannot be written; the previous policy stays in force");
                return;
            }
            self.policy.put_in_force(read.clone());
            macro_rules! reloaded {
                ($level:ident, $message:literal) => {
                    tracing::$level!(
                        old = %before.hash,
                        new = %read.hash,
                        entry = %change.id,
                        rules = read.rules.len(),
                        compared = counts.requests,
                        widened = counts.widened,
                        loosened = counts.loosened,
                        narrowed = counts.narrowed,
                        tightened = counts.tightened,
                        redecided = counts.redecided,
                        $message
                    )
                };
            }
            if counts.widens() {
                reloaded!(warn, "policy reloaded: it shares more than the one it replaced")
            } else {
                reloaded!(info, "policy reloaded")
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

/// An agency's `witness_key` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("agencies.{agency}.witness_key: {source}")]
pub struct WitnessKeyError {
    agency: AgencyName,
    source: SigningKeyError,
}

/// Every configured `witness_key`; the first that cannot be read is named.
pub fn read_witness_keys(config: &GatewayConfig) -> Result<BTreeMap<AgencyName, VerifyingKey>, WitnessKeyError> {
    let configured = config.agencies.iter().filter_map(|(agency, entry)| Some((agency, entry.witness_key.as_ref()?)));
    configured
        .map(|(agency, path)| match sharegate_core::signing::load_public(path) {
            Ok(key) => Ok((agency.clone(), key)),
            Err(source) => Err(WitnessKeyError { agency: agency.clone(), source }),
        })
        .collect()
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
