//! The log's evidence for data-protection officers: the latest signed checkpoint, and an inclusion proof against it
//! for any disclosure their agency is in.

use actix_web::{get, web};
use serde::Serialize;

use crate::disclosure_log::LogWriter;
use crate::disclosure_log::checkpoint::CheckpointView;
use crate::disclosure_log::merkle;
use crate::disclosure_log::proof::{self as proving, ProofOutcome};
use crate::routes::dpo::scoped;
use crate::store::{Store, log};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::identity::Dpo;

/// The gateway's public key, which checkpoints verify against.
pub struct LogKey(pub ed25519_dalek::VerifyingKey);

/// The latest signed checkpoint of the disclosure log.
#[utoipa::path(
    tag = "dpo",
    responses(
        (status = 200, body = CheckpointView),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "nothing has been logged yet", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/checkpoint")]
pub async fn checkpoint(
    _dpo: Dpo,
    store: web::Data<Store>,
    key: web::Data<LogKey>,
    writer: web::Data<LogWriter>,
) -> Result<web::Json<CheckpointView>, ApiError> {
    writer.checkpoint().await.map_err(ApiError::store_unavailable)?;
    let latest = store.run(log::latest_checkpoint).await?;
    let latest = latest.ok_or_else(|| ApiError::not_found("nothing has been logged yet"))?;
    Ok(web::Json(CheckpointView::new(&latest, &key.0)))
}

/// An inclusion proof: the entry, and the hashes that lead from it to a signed checkpoint's root.
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// Proves a disclosure is in the log: check it with `merkle::verify_inclusion` (RFC 9162 §2.1.3.2) and the
/// checkpoint's signature.
#[utoipa::path(
    tag = "dpo",
    params(("disclosure_id" = String, Path)),
    responses(
        (status = 200, body = InclusionProof),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "no disclosure with that id involves the DPO's agency", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/proof/{disclosure_id}")]
pub async fn inclusion_proof(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    key: web::Data<LogKey>,
    writer: web::Data<LogWriter>,
) -> Result<web::Json<InclusionProof>, ApiError> {
    // Like every read of the log by a DPO: only an entry their agency is in (the proof carries the whole entry).
    let row = scoped(&store, &identity, path.into_inner()).await?;
    Ok(web::Json(prove(&store, &writer, &key.0, row.id).await?))
}

/// The inclusion proof of the entry `id` against the latest checkpoint, making a checkpoint first if none covers it
/// yet.
pub(crate) async fn prove(
    store: &Store,
    writer: &LogWriter,
    key: &ed25519_dalek::VerifyingKey,
    id: String,
) -> Result<InclusionProof, ApiError> {
    for attempt in 0..2 {
        let lookup = id.clone();
        match store.run(move |conn| proving::prove(conn, &lookup)).await? {
            ProofOutcome::Proved(included) => {
                return Ok(InclusionProof {
                    disclosure_id: included.entry.id.clone(),
                    index: u64::try_from(included.entry.seq).unwrap_or(0),
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
