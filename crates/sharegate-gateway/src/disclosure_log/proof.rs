//! Inclusion proofs: made from the store (leaves and block hashes read as needed, never more than a block of leaves
//! and one hash per block) against the latest signed checkpoint, and checked as anyone holding one could
//! ([`InclusionProof::holds`]).

use serde::{Deserialize, Serialize};
use sharegate_core::error::ApiError;

use super::LogWriter;
use super::checkpoint::CheckpointView;
use super::merkle::{self, Hash, Subtrees};
use super::tiles::TileId;
use crate::store::log::{self, CheckpointRow, LogRow};
use crate::store::{AnyConnection, Store, StoreError};

struct Stored<'a> {
    conn: &'a mut AnyConnection,
}

fn unreadable(e: String) -> StoreError {
    StoreError::Corrupt(format!("the log cannot be read: {e}; run `sharegate log verify`"))
}

impl Subtrees for Stored<'_> {
    type Error = StoreError;

    fn leaves(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        let (s, e) = (i64::try_from(start).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX));
        let hashes = log::leaves(self.conn, s, e)?;
        if hashes.len() as u64 != end - start {
            return Err(unreadable(format!("entries {start}..{end} are not all there")));
        }
        hashes.iter().map(|h| merkle::decode(h).map_err(unreadable)).collect()
    }

    fn blocks(&mut self, start: u64, end: u64) -> Result<Vec<Hash>, StoreError> {
        let (s, e) = (i64::try_from(start).unwrap_or(i64::MAX), i64::try_from(end).unwrap_or(i64::MAX));
        let hashes = log::blocks(self.conn, s, e)?;
        if hashes.len() as u64 != end - start {
            return Err(unreadable(format!("blocks {start}..{end} are not all there")));
        }
        hashes.iter().map(|(_, h)| merkle::decode(h).map_err(unreadable)).collect()
    }
}

/// An entry, the checkpoint that covers it, and the path from the entry to the checkpoint's root.
#[derive(Debug, Clone)]
pub struct Included {
    pub entry: LogRow,
    pub checkpoint: CheckpointRow,
    pub path: Vec<Hash>,
}

/// What the store holds for a proof request.
#[derive(Debug)]
pub enum ProofOutcome {
    Proved(Box<Included>),
    NoSuchEntry,
    /// The entry is newer than the latest checkpoint: sign one, then ask again.
    NotYetCheckpointed,
}

pub fn prove(conn: &mut AnyConnection, id: &str) -> Result<ProofOutcome, StoreError> {
    let Some(entry) = log::find(conn, id)? else { return Ok(ProofOutcome::NoSuchEntry) };
    let Some(checkpoint) = log::latest_checkpoint(conn)? else { return Ok(ProofOutcome::NotYetCheckpointed) };
    if entry.columns.seq >= checkpoint.size {
        return Ok(ProofOutcome::NotYetCheckpointed);
    }
    let (index, size) = (u64::try_from(entry.columns.seq).unwrap_or(0), u64::try_from(checkpoint.size).unwrap_or(0));
    let path = merkle::inclusion_proof(&mut Stored { conn }, index, size)?;
    Ok(ProofOutcome::Proved(Box::new(Included { entry, checkpoint, path })))
}

/// The consistency proof from the log's first `from` entries to the checkpoint of `to` entries; `None` when no
/// checkpoint of `to` entries was signed (`from ≤ to` is the caller's to check).
pub fn prove_consistency(conn: &mut AnyConnection, from: u64, to: u64) -> Result<Option<Vec<Hash>>, StoreError> {
    let Ok(size) = i64::try_from(to) else { return Ok(None) };
    if log::checkpoint_of_size(conn, size)?.is_none() {
        return Ok(None);
    }
    Ok(Some(merkle::consistency_proof(&mut Stored { conn }, from, to)?))
}

/// A hash tile of the tree of the latest signed checkpoint; `None` when that tree does not hold all of it (or
/// nothing was signed yet): tiles are served only as far as a checkpoint vouches for them.
pub fn tile(conn: &mut AnyConnection, id: TileId) -> Result<Option<Vec<Hash>>, StoreError> {
    let Some(latest) = log::latest_checkpoint(conn)? else { return Ok(None) };
    id.hashes(&mut Stored { conn }, u64::try_from(latest.size).unwrap_or(0))
}

/// An inclusion proof: the entry, and the hashes that lead from it to a signed checkpoint's root.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    pub disclosure_id: String,
    /// The entry's position in the log (0-based).
    pub index: u64,
    /// The entry exactly as hashed (`{"seq", "prev", "entry"}`): its leaf hash is SHA-256(0x00 ‖ this text).
    pub entry: String,
    pub leaf_hash: String,
    /// RFC 9162 audit path, leaf to root, hex.
    pub proof: Vec<String>,
    pub checkpoint: CheckpointView,
}

/// Why an inclusion proof does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofBroken {
    #[error("the entry's text does not hash to its leaf hash")]
    Leaf,
    #[error("the path does not lead from the entry to the checkpoint's root")]
    Path,
    #[error("the checkpoint is not signed by the gateway's key")]
    Signature,
}

impl InclusionProof {
    /// Checks the proof as anyone holding it and the gateway's public key could, from its own fields alone: the
    /// entry hashes to its leaf (RFC 9162: `H(0x00 ‖ entry)`), the path leads from that leaf to the checkpoint's root
    /// (`merkle::verify_inclusion`), and the checkpoint's signature is `key`'s.
    pub fn holds(&self, key: &ed25519_dalek::VerifyingKey) -> Result<(), ProofBroken> {
        let leaf = merkle::leaf_hash(self.entry.as_bytes());
        if merkle::decode(&self.leaf_hash).ok() != Some(leaf) {
            return Err(ProofBroken::Leaf);
        }
        let path: Option<Vec<merkle::Hash>> = self.proof.iter().map(|h| merkle::decode(h).ok()).collect();
        let root = merkle::decode(&self.checkpoint.root).ok();
        let included = path.zip(root).is_some_and(|(path, root)| {
            merkle::verify_inclusion(&leaf, self.index, self.checkpoint.size, &path, &root)
        });
        if !included {
            return Err(ProofBroken::Path);
        }
        match self.checkpoint.signed_by(key) {
            true => Ok(()),
            false => Err(ProofBroken::Signature),
        }
    }
}

/// One file that shows, to anyone holding it and the gateway's public key, that a disclosure is in the log: its entry
/// exactly as hashed, the path to a signed checkpoint's root, the checkpoint and the key that signed it. Checked by
/// `sharegate log check-evidence` ([`Evidence::check`]) or by hand (docs/evidence.md), without the gateway.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub format: EvidenceFormat,
    pub proof: InclusionProof,
}

/// What an evidence file is: named in it, so that a later format is told apart rather than misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EvidenceFormat {
    #[serde(rename = "sharegate-evidence-v1")]
    V1,
}

/// Why evidence does not show what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceBroken {
    #[error("the checkpoint names the key {named}, not the log key given")]
    OtherKey { named: String },
    #[error("the entry's text is not a log entry ({0})")]
    NotAnEntry(String),
    #[error("the entry's text says it is entry {said} of the log, the proof says {index}")]
    Moved { said: u64, index: u64 },
    #[error("the entry's text is disclosure {said}, the proof says {claimed}")]
    OtherDisclosure { said: String, claimed: String },
    #[error(transparent)]
    Proof(#[from] ProofBroken),
}

impl Evidence {
    pub fn new(proof: InclusionProof) -> Self {
        Self { format: EvidenceFormat::V1, proof }
    }

    /// Checks it against `key`, the log's public key as the checker knows it (not as the file says it): the entry is
    /// the disclosure and the position the proof names, and the proof holds ([`InclusionProof::holds`]).
    pub fn check(&self, key: &ed25519_dalek::VerifyingKey) -> Result<(), EvidenceBroken> {
        let p = &self.proof;
        if p.checkpoint.public_key != hex::encode(key.as_bytes()) {
            return Err(EvidenceBroken::OtherKey { named: p.checkpoint.public_key.clone() });
        }
        let positioned: super::entry::Positioned =
            serde_json::from_str(&p.entry).map_err(|e| EvidenceBroken::NotAnEntry(e.to_string()))?;
        if positioned.seq != p.index {
            return Err(EvidenceBroken::Moved { said: positioned.seq, index: p.index });
        }
        if positioned.index.id != p.disclosure_id {
            return Err(EvidenceBroken::OtherDisclosure {
                said: positioned.index.id,
                claimed: p.disclosure_id.clone(),
            });
        }
        Ok(p.holds(key)?)
    }
}

/// The inclusion proof of the entry `id` against the latest checkpoint, making a checkpoint first if none covers it
/// yet.
pub async fn prove_as_of_now(
    store: &Store,
    writer: &LogWriter,
    key: &ed25519_dalek::VerifyingKey,
    id: String,
) -> Result<InclusionProof, ApiError> {
    for attempt in 0..2 {
        let lookup = id.clone();
        match store.run(move |conn| prove(conn, &lookup)).await? {
            ProofOutcome::Proved(included) => {
                return Ok(InclusionProof {
                    disclosure_id: included.entry.columns.id.clone(),
                    index: u64::try_from(included.entry.columns.seq).unwrap_or(0),
                    entry: included.entry.canonical.clone(),
                    leaf_hash: included.entry.leaf_hash.clone(),
                    proof: included.path.iter().map(hex::encode).collect(),
                    checkpoint: CheckpointView::new(&included.checkpoint, key),
                });
            }
            ProofOutcome::NoSuchEntry => return Err(ApiError::not_found("no disclosure with that id is in the log")),
            ProofOutcome::NotYetCheckpointed if attempt == 0 => {
                writer.checkpoint().await.map_err(ApiError::store_unavailable)?;
            }
            ProofOutcome::NotYetCheckpointed => break,
        }
    }
    Err(ApiError::store_unavailable(std::io::Error::other("no checkpoint covers the entry yet")))
}

#[cfg(test)]
mod tests;
