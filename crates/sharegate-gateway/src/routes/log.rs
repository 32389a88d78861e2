//! The log's evidence for data-protection officers: the latest signed checkpoint, and an inclusion proof against it
//! for any disclosure their agency is in.

use crate::disclosure_log::FreshIndex;
use actix_web::{get, web};

use crate::disclosure_log::LogWriter;
use crate::disclosure_log::checkpoint::CheckpointView;
use crate::disclosure_log::proof::{self, InclusionProof};
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
    // Brings the index to the end too: no FreshIndex needed.
    writer.checkpoint().await.map_err(ApiError::store_unavailable)?;
    let latest = store.run(log::latest_checkpoint).await?;
    let latest = latest.ok_or_else(|| ApiError::not_found("nothing has been logged yet"))?;
    Ok(web::Json(CheckpointView::new(&latest, &key.0)))
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
    _: FreshIndex,
) -> Result<web::Json<InclusionProof>, ApiError> {
    // Like every read of the log by a DPO: only an entry their agency is in (the proof carries the whole entry).
    let row = scoped(&store, &identity, path.into_inner()).await?;
    Ok(web::Json(proof::prove_as_of_now(&store, &writer, &key.0, row.columns.id).await?))
}
