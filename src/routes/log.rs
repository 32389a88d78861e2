//! The log's evidence for data-protection officers: the latest signed checkpoint, and an inclusion proof against it
//! for any disclosure their agency is in.

use actix_web::{get, web};
use serde::Serialize;

use crate::disclosure_log::LogWriter;
use crate::disclosure_log::checkpoint::CheckpointView;
use crate::disclosure_log::proof::{self as proving, ProofOutcome};
use crate::error::{ApiError, ErrorEnvelope};
use crate::identity::Identity;
use crate::routes::dpo::{dpo, scoped};
use crate::store::{Store, log};

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
    identity: Identity,
    store: web::Data<Store>,
    key: web::Data<LogKey>,
    writer: web::Data<LogWriter>,
) -> Result<web::Json<CheckpointView>, ApiError> {
    dpo(&identity)?;
    writer.checkpoint().await.map_err(ApiError::store_unavailable)?;
    let latest = store.run(log::latest_checkpoint).await?;
    let latest = latest.ok_or_else(|| ApiError::not_found("nothing has been logged yet"))?;
    Ok(web::Json(CheckpointView::new(&latest, &key.0)))
}

/// An inclusion proof: the entry, and the hashes that lead from it to a signed checkpoint's root.
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
    identity: Identity,
    path: web::Path<String>,
    store: web::Data<Store>,
    key: web::Data<LogKey>,
    writer: web::Data<LogWriter>,
) -> Result<web::Json<InclusionProof>, ApiError> {
    dpo(&identity)?;
    // Like every read of the log by a DPO: only an entry their agency is in (the proof carries the whole entry).
    let row = scoped(&store, &identity, path.into_inner()).await?;
    for attempt in 0..2 {
        let lookup = row.id.clone();
        match store.run(move |conn| proving::prove(conn, &lookup)).await? {
            ProofOutcome::Proved(included) => {
                return Ok(web::Json(InclusionProof {
                    disclosure_id: included.entry.id.clone(),
                    index: u64::try_from(included.entry.seq).unwrap_or(0),
                    entry: included.entry.canonical.clone(),
                    leaf_hash: included.entry.leaf_hash.clone(),
                    proof: included.path.iter().map(hex::encode).collect(),
                    checkpoint: CheckpointView::new(&included.checkpoint, &key.0),
                }));
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
