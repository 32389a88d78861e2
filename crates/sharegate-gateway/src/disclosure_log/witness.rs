//! A witness's judgement of a checkpoint (`sharegate log witness`): an agency that does not run the gateway
//! remembers the last checkpoint it co-signed and co-signs a newer one only if the log it describes extends that one
//! — proved by an RFC 9162 consistency proof. A log rewritten behind its checkpoints (an entry changed and the tree
//! rebuilt and signed again, which `log verify` alone cannot see when the key signed it) or rolled back to an older
//! copy is a different log: the witness refuses it and says which two checkpoints disagree.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use sharegate_core::domain::AgencyName;

use super::checkpoint::CheckpointView;
use super::merkle::{self, Hash};

/// Each agency's witness key (`agencies.<agency>.witness_key`), the only co-signatures the gateway takes; replaced
/// whole by a SIGHUP that reads them all.
pub struct WitnessKeys(RwLock<BTreeMap<AgencyName, VerifyingKey>>);

impl WitnessKeys {
    pub fn new(keys: BTreeMap<AgencyName, VerifyingKey>) -> Self {
        Self(RwLock::new(keys))
    }

    /// The key of `agency`'s witness, if one is configured.
    pub fn of(&self, agency: &AgencyName) -> Option<VerifyingKey> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).get(agency).copied()
    }

    /// Puts `keys` in force; says whether they differ from those in force.
    pub fn replace(&self, keys: BTreeMap<AgencyName, VerifyingKey>) -> bool {
        let mut current = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let changed = *current != keys;
        *current = keys;
        changed
    }
}

/// A checkpoint as a witness remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub size: u64,
    /// Hex.
    pub root: String,
    pub at: DateTime<Utc>,
}

impl From<&CheckpointView> for Seen {
    fn from(view: &CheckpointView) -> Self {
        Self { size: view.size, root: view.root.clone(), at: view.at }
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the checkpoint of {} entries with root {} signed at {}",
            self.size,
            self.root,
            self.at.to_rfc3339_opts(SecondsFormat::Micros, true)
        )
    }
}

/// Why a witness will not co-sign: each a reason to alarm the agency's DPO.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Alarm {
    #[error("{0} is not signed by the log's key")]
    Unsigned(Seen),
    #[error("the log rolled back: this witness co-signed {seen}; the gateway now serves {now}")]
    Rollback { seen: Seen, now: Seen },
    #[error("the log forked: this witness co-signed {seen}; the gateway now serves {now}, which does not extend it")]
    Fork { seen: Seen, now: Seen },
}

/// The consistency proof the witness must ask for before judging `now`: from the size it saw last, when the log
/// grew since (a same-size or smaller log needs none to be judged).
pub fn proof_needed(seen: Option<&Seen>, now: &CheckpointView) -> Option<u64> {
    seen.filter(|seen| 0 < seen.size && seen.size < now.size).map(|seen| seen.size)
}

/// Judges `now` against what the witness saw last: `Ok` with what to remember (and co-sign) if it is signed by the
/// log and extends `seen` (by `proof`, the consistency proof from `seen.size`); the alarm otherwise.
pub fn judge(seen: Option<&Seen>, now: &CheckpointView, log_key: &VerifyingKey, proof: &[Hash]) -> Result<Seen, Alarm> {
    let current = Seen::from(now);
    if !now.signed_by(log_key) {
        return Err(Alarm::Unsigned(current));
    }
    let Some(seen) = seen else { return Ok(current) };
    let fork = || Alarm::Fork { seen: seen.clone(), now: current.clone() };
    if now.size < seen.size {
        return Err(Alarm::Rollback { seen: seen.clone(), now: current });
    }
    let roots = merkle::decode(&seen.root).ok().zip(merkle::decode(&now.root).ok());
    let Some((old_root, new_root)) = roots else { return Err(fork()) };
    match merkle::verify_consistency(seen.size, now.size, &old_root, &new_root, proof) {
        true => Ok(current),
        false => Err(fork()),
    }
}

#[cfg(test)]
mod tests;
