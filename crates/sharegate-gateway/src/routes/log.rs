//! The log's evidence for data-protection officers, their agencies' witnesses and auditors: signed checkpoints with
//! their co-signatures, consistency proofs between them, co-signing, the tree as hash tiles, and an inclusion proof
//! for any disclosure their agency is in.

use crate::disclosure_log::FreshIndex;
use actix_web::http::header;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, web};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::LogWriter;
use crate::disclosure_log::checkpoint::CheckpointView;
use crate::disclosure_log::merkle;
use crate::disclosure_log::note::{self, Cosignature};
use crate::disclosure_log::proof::{self, Evidence, InclusionProof};
use crate::disclosure_log::tiles::{TileId, TilePathError};
use crate::disclosure_log::witness::WitnessKeys;
use crate::register::GatewayKey;
use crate::routes::dpo::scoped;
use crate::store::log::{CheckpointRow, CosignatureRow};
use crate::store::{Store, log};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::{ApiJson, ApiQuery};
use sharegate_core::identity::{Dpo, Identity};

/// The gateway's public key, which checkpoints verify against.
pub struct LogKey(pub VerifyingKey);

/// A witness's co-signature, as published.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CosignatureView {
    /// The agency whose witness co-signed.
    pub witness: String,
    /// Seconds since the epoch.
    pub cosigned_at: u64,
    /// The witness's ed25519 public key, hex.
    pub public_key: String,
    /// ed25519 over `cosignature/v1\ntime {cosigned_at}\n` and the checkpoint's body (C2SP tlog-cosignature), hex.
    pub signature: String,
}

/// A checkpoint as published: the gateway's own form, the witnesses' co-signatures, and the same as a C2SP signed
/// note that transparency-log tools read.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedCheckpoint {
    #[serde(flatten)]
    pub checkpoint: CheckpointView,
    pub cosignatures: Vec<CosignatureView>,
    /// The checkpoint body (`{origin}\n{size}\n{base64 root}\n`), a blank line, then the log's signature line
    /// (signed-note ed25519) and one `cosignature/v1` line per witness.
    pub note: String,
}

fn published(
    row: &CheckpointRow,
    cosignatures: Vec<CosignatureRow>,
    key: &GatewayKey,
) -> Result<PublishedCheckpoint, ApiError> {
    let public = key.0.verifying_key();
    let view = CheckpointView::new(row, &public);
    let origin = note::origin(&public);
    let root = merkle::decode(&view.root).map_err(ApiError::store_corrupt)?;
    let body = note::body(&origin, view.size, &root);
    let mut lines = vec![note::log_signature_line(&origin, &body, &key.0)];
    let mut views = Vec::new();
    for row in cosignatures {
        let witness_key = hex::decode(&row.public_key).ok().and_then(|k| VerifyingKey::try_from(k.as_slice()).ok());
        let signature = hex::decode(&row.signature).ok().and_then(|s| Signature::from_slice(&s).ok());
        let (Some(witness_key), Some(signature), Ok(time)) = (witness_key, signature, u64::try_from(row.cosigned_at))
        else {
            return Err(ApiError::store_corrupt(std::io::Error::other("a stored co-signature cannot be read")));
        };
        lines.push(Cosignature { time, signature }.line(&note::witness_name(&row.witness), &witness_key));
        views.push(CosignatureView {
            witness: row.witness,
            cosigned_at: time,
            public_key: row.public_key,
            signature: row.signature,
        });
    }
    Ok(PublishedCheckpoint { checkpoint: view, cosignatures: views, note: note::note(&body, &lines) })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// The checkpoint of exactly this many entries (default: a new one, of the whole log).
    pub size: Option<u64>,
}

/// A signed checkpoint of the disclosure log, with its co-signatures: of the whole log as it is now (one is signed if
/// anything was logged since the last), or of exactly `size` entries.
#[utoipa::path(
    tag = "dpo",
    params(CheckpointQuery),
    responses(
        (status = 200, body = PublishedCheckpoint),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "nothing has been logged yet, or no checkpoint has that size", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/checkpoint")]
pub async fn checkpoint(
    _dpo: Dpo,
    query: ApiQuery<CheckpointQuery>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    writer: web::Data<LogWriter>,
) -> Result<web::Json<PublishedCheckpoint>, ApiError> {
    Ok(web::Json(load(query.0.size, &store, &key, &writer).await?))
}

/// The checkpoint of exactly `size` entries, or (`None`) a new one of the whole log, with its co-signatures.
async fn load(
    size: Option<u64>,
    store: &Store,
    key: &GatewayKey,
    writer: &LogWriter,
) -> Result<PublishedCheckpoint, ApiError> {
    let wanted = match size {
        Some(size) => Some(i64::try_from(size).map_err(|_| ApiError::invalid("size", "too large"))?),
        None => {
            // Brings the index to the end too: no FreshIndex needed.
            writer.checkpoint().await.map_err(ApiError::store_unavailable)?;
            None
        }
    };
    let found = store
        .run(move |conn| {
            let row = match wanted {
                Some(size) => log::checkpoint_of_size(conn, size)?,
                None => log::latest_checkpoint(conn)?,
            };
            row.map(|row| log::cosignatures(conn, row.size).map(|c| (row, c))).transpose()
        })
        .await?;
    let (row, cosignatures) = found.ok_or_else(|| match wanted {
        Some(_) => ApiError::not_found("no checkpoint of that many entries was signed"),
        None => ApiError::not_found("nothing has been logged yet"),
    })?;
    published(&row, cosignatures, key)
}

/// The latest checkpoint as a C2SP signed note, the tlog-tiles `checkpoint` an auditor's tools start from (a new one
/// is signed if anything was logged since the last).
#[utoipa::path(
    tag = "dpo",
    responses(
        (status = 200, description = "the note (text/plain)", body = String, content_type = "text/plain"),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "nothing has been logged yet", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/tiles/checkpoint")]
pub async fn tiles_checkpoint(
    _dpo: Dpo,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    writer: web::Data<LogWriter>,
) -> Result<HttpResponse, ApiError> {
    let published = load(None, &store, &key, &writer).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(published.note))
}

/// A hash tile of the log's tree (C2SP tlog-tiles, height 8): the 32-byte hashes of the level's subtrees, in order.
/// Served as far as the latest checkpoint reaches; each never changes, so caches may keep it. Entry bundles are not
/// served (entries name children and practitioners).
#[utoipa::path(
    tag = "dpo",
    path = "/v1/log/tiles/tile/{level}/{index}",
    params(
        ("level" = String, Path, description = "0 (leaf hashes) to 7"),
        ("index" = String, Path, description = "the tile's index in groups of three digits, each but the last prefixed with x (`x001/x234/067`), then `.p/<width>` for a partial tile"),
    ),
    responses(
        (status = 200, description = "the hashes (application/octet-stream)", content_type = "application/octet-stream"),
        (status = 400, description = "not a tile's path", body = ErrorEnvelope),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "the latest checkpoint does not reach the tile, or entry bundles", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/tiles/tile/{level}/{index:.*}")]
pub async fn tile(
    _dpo: Dpo,
    path: web::Path<(String, String)>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (level, index) = path.into_inner();
    let id = TileId::parse(&level, &index).map_err(|e| match e {
        TilePathError::Entries => ApiError::not_found(e.to_string()),
        _ => ApiError::invalid("tile", e.to_string()),
    })?;
    let hashes = store.run(move |conn| proof::tile(conn, id)).await?;
    let hashes = hashes.ok_or_else(|| ApiError::not_found("the log's latest checkpoint does not reach that tile"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        // Hashes only, and the same for anyone who may ask: a shared cache may keep them for good.
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(hashes.concat()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older size (a checkpoint the asker holds).
    pub from: u64,
    /// The newer: a signed checkpoint's size.
    pub to: u64,
}

/// That the log's first `from` entries are the first `from` of its checkpoint of `to` entries.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// RFC 9162 §2.1.4 consistency proof, hex; check with `merkle::verify_consistency`.
    pub proof: Vec<String>,
}

/// A consistency proof between two sizes of the log: what a witness checks before it co-signs.
#[utoipa::path(
    tag = "dpo",
    params(ConsistencyQuery),
    responses(
        (status = 200, body = ConsistencyProof),
        (status = 400, description = "from is more than to", body = ErrorEnvelope),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "no checkpoint of `to` entries was signed", body = ErrorEnvelope),
    )
)]
#[get("/v1/log/consistency")]
pub async fn consistency(
    _dpo: Dpo,
    query: ApiQuery<ConsistencyQuery>,
    store: web::Data<Store>,
) -> Result<web::Json<ConsistencyProof>, ApiError> {
    let ConsistencyQuery { from, to } = query.0;
    if from > to {
        return Err(ApiError::invalid("from", "from must not be more than to: a log only grows"));
    }
    let proof = store.run(move |conn| proof::prove_consistency(conn, from, to)).await?;
    let proof = proof.ok_or_else(|| ApiError::not_found("no checkpoint of `to` entries was signed"))?;
    Ok(web::Json(ConsistencyProof { from, to, proof: proof.iter().map(hex::encode).collect() }))
}

/// A witness's co-signature of a checkpoint, as `sharegate log witness` sends it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "size": 1024,
    "root": "5f1a0c3e9b7d24a6e8c1f0b3d5a79e2c4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a",
    "cosigned_at": 1_796_000_000u64,
    "signature": "3b8f0e2d4c6a8e1f3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d"
}))]
#[serde(deny_unknown_fields)]
pub struct CosignRequest {
    pub size: u64,
    /// The checkpoint's root, hex.
    pub root: String,
    /// Seconds since the epoch.
    pub cosigned_at: u64,
    /// ed25519 over `cosignature/v1\ntime {cosigned_at}\n` and the checkpoint's body, hex.
    pub signature: String,
}

/// Takes the co-signature of the DPO's agency's witness for a checkpoint it checked; it is published with the
/// checkpoint. The first per witness and checkpoint is kept (201; 200 when one was already).
#[utoipa::path(
    tag = "dpo",
    request_body = CosignRequest,
    responses(
        (status = 201, description = "kept"),
        (status = 200, description = "the witness had already co-signed this checkpoint"),
        (status = 400, description = "not this checkpoint's root, or not the witness key's signature", body = ErrorEnvelope),
        (status = 403, description = "not a DPO, or no witness key is configured for the agency", body = ErrorEnvelope),
        (status = 404, description = "no checkpoint of that many entries was signed", body = ErrorEnvelope),
    )
)]
#[post("/v1/log/cosignatures")]
pub async fn cosign(
    Dpo(identity): Dpo,
    body: ApiJson<CosignRequest>,
    store: web::Data<Store>,
    log_key: web::Data<LogKey>,
    witnesses: web::Data<WitnessKeys>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    let agency = identity.agency;
    // One agency's DPO co-signs for its own witness only: the key is the one configured for the certificate's agency.
    let witness_key = witnesses.of(&agency).ok_or_else(|| {
        ApiError::forbidden(format!(
            "no witness key is configured for {agency}: the gateway's operator adds agencies.{agency}.witness_key"
        ))
    })?;
    let signature = hex::decode(&request.signature)
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or_else(|| ApiError::invalid("signature", "an ed25519 signature is 64 bytes, hex"))?;
    let root = merkle::decode(&request.root).map_err(|e| ApiError::invalid("root", e))?;
    let size = i64::try_from(request.size).map_err(|_| ApiError::invalid("size", "too large"))?;
    let row = store.run(move |conn| log::checkpoint_of_size(conn, size)).await?;
    let row = row.ok_or_else(|| ApiError::not_found("no checkpoint of that many entries was signed"))?;
    if row.root != hex::encode(root) {
        return Err(ApiError::invalid(
            "root",
            "the log's checkpoint of that many entries has another root: the witness has seen another log",
        ));
    }
    let body = note::body(&note::origin(&log_key.0), request.size, &root);
    let cosignature = Cosignature { time: request.cosigned_at, signature };
    if !cosignature.holds(&witness_key, &body) {
        return Err(ApiError::invalid(
            "signature",
            "not the co-signature of this checkpoint by the agency's witness key",
        ));
    }
    let cosigned_at = i64::try_from(request.cosigned_at).map_err(|_| ApiError::invalid("cosigned_at", "too large"))?;
    let row = CosignatureRow {
        size,
        witness: agency.to_string(),
        cosigned_at,
        public_key: hex::encode(witness_key.as_bytes()),
        signature: hex::encode(signature.to_bytes()),
    };
    let kept = store.run(move |conn| log::add_cosignature(conn, &row)).await?;
    Ok(match kept {
        true => HttpResponse::Created().finish(),
        false => HttpResponse::Ok().finish(),
    })
}

/// A disclosure's evidence file, to keep and to check offline (`sharegate log check-evidence FILE --log-key
/// log-signing.pub`, or by hand as docs/evidence.md says): its entry exactly as hashed, the path to the latest signed
/// checkpoint, the checkpoint and the log's public key.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Evidence, description = "an attachment, `evidence-{id}.json`"),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "no disclosure with that id involves the DPO's agency", body = ErrorEnvelope),
        (status = 503, description = "the log cannot be read or no checkpoint can be signed now", body = ErrorEnvelope),
    )
)]
#[get("/v1/disclosures/{id}/evidence")]
pub async fn evidence(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    key: web::Data<LogKey>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let proof = scoped_proof(&identity, path.into_inner(), &store, &key, &writer).await?;
    let id = proof.disclosure_id.clone();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!("evidence-{id}.json"))],
    };
    Ok(HttpResponse::Ok().insert_header(disposition).json(Evidence::new(proof)))
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
    Ok(web::Json(scoped_proof(&identity, path.into_inner(), &store, &key, &writer).await?))
}

/// The inclusion proof of entry `id` against the latest checkpoint (one signed first if none covers it). Like every
/// read of the log by a DPO, only of an entry their agency is in: the proof carries the whole entry.
pub(crate) async fn scoped_proof(
    identity: &Identity,
    id: String,
    store: &Store,
    key: &LogKey,
    writer: &LogWriter,
) -> Result<InclusionProof, ApiError> {
    let row = scoped(store, identity, id).await?;
    proof::prove_as_of_now(store, writer, &key.0, row.columns.id).await
}
