//! The agency's DPO at its node: restrict a record while its accuracy is disputed (UK GDPR Art. 18), put a child's
//! records on legal hold (¶20), lift either, and list every such act. See [`crate::dpo_acts`].

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::NodeState;
use crate::dpo_acts::{Act, InForce, SealedAct, Target};
use crate::store::Store;
use crate::store::dpo_acts::{self as acts_store, ActRow};
use crate::store::records;
use sharegate_core::domain::{LocalRef, Narrative, RecordId};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiJson;
use sharegate_core::identity::{Dpo, Identity};

pub(super) fn register(service: &mut ServiceConfig<'_>) {
    service.service(restrict).service(lift_restriction).service(hold).service(lift_hold).service(list);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The mother disputes that she was at the address on 3 March; checking the call log."}))]
pub struct ActBody {
    /// Why, for whoever reviews the act later.
    #[schema(value_type = String)]
    pub reason: Narrative,
}

/// An act as sealed, beside the node's signature over it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServedAct {
    #[serde(flatten)]
    pub act: SealedAct,
    /// The node's ed25519 signature over the act (`sharegate-node-act-v1`, then the act as compact JSON), hex.
    pub signature: String,
}

impl ServedAct {
    fn from_row(row: ActRow) -> Result<Self, ApiError> {
        let act = serde_json::from_str(&row.sealed)
            .map_err(|e| ApiError::store_corrupt(format!("DPO act {}: {e}", row.id)))?;
        Ok(Self { act, signature: row.signature })
    }
}

fn admit_dpo(node: &NodeState, identity: &Identity) -> Result<(), ApiError> {
    if identity.agency != node.agency {
        return Err(ApiError::forbidden(format!("only {}'s data-protection officer acts on its records", node.agency)));
    }
    Ok(())
}

/// Seals the act and stores it, unless the child's acts in force make it change nothing (409); both in one write
/// transaction, so two DPOs acting at once cannot both restrict, or both lift.
async fn act_on(
    node: &NodeState,
    store: &Store,
    by: &Identity,
    act: Act,
    target: Target,
    reason: Narrative,
) -> Result<HttpResponse, ApiError> {
    let row = node.seal_act(act, target.clone(), reason, by, Utc::now())?;
    let stored = row.clone();
    store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let in_force = InForce::from_acts(&acts_store::for_subject(conn, &stored.subject_ref)?);
                if let Err(refused) = in_force.allows(act, &target) {
                    return Ok(Err(refused));
                }
                acts_store::insert(conn, &stored)?;
                Ok(Ok(()))
            })
        })
        .await??;
    tracing::info!(act = act.as_str(), id = %row.id, "a DPO act was recorded");
    Ok(HttpResponse::Created().json(ServedAct::from_row(row)?))
}

/// The record `id` names at this node, as a restriction's target; 404 if there is none.
async fn record_target(store: &Store, id: String) -> Result<Target, ApiError> {
    let not_found = || ApiError::not_found("no record with that id at this node");
    let id = RecordId::parse(&id).map_err(|_| not_found())?;
    let lookup = id.to_string();
    let row = store.run(move |conn| records::find(conn, &lookup)).await?.ok_or_else(not_found)?;
    let subject_ref =
        LocalRef::parse(&row.subject_ref).map_err(|e| ApiError::store_corrupt(format!("record {}: {e}", row.id)))?;
    Ok(Target::Record { id, subject_ref })
}

/// The child a hold is for; 404 if the node holds no record of it.
async fn child_target(store: &Store, local_ref: String) -> Result<Target, ApiError> {
    let local_ref =
        LocalRef::parse(&local_ref).map_err(|e| ApiError::invalid("local_ref", format!("local_ref {e}")))?;
    let lookup = local_ref.to_string();
    if !store.run(move |conn| records::any_for_subject(conn, &lookup)).await? {
        return Err(ApiError::not_found("this node holds no record for that reference"));
    }
    Ok(Target::Child(local_ref))
}

/// Restricts a record while the family's dispute of its accuracy is looked at (UK GDPR Art. 18): it and its
/// amendments are no longer shared; a read counts them as `restricted`.
#[utoipa::path(
    tag = "dpo",
    request_body = ActBody,
    params(("id" = String, Path, description = "the record")),
    responses(
        (status = 201, body = ServedAct),
        (status = 403, description = "not this agency's DPO", body = ErrorEnvelope),
        (status = 404, description = "no record with that id at this node", body = ErrorEnvelope),
        (status = 409, description = "restricted already", body = ErrorEnvelope),
    )
)]
#[post("/v1/records/{id}/restriction")]
pub async fn restrict(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<ActBody>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_dpo(&node, &identity)?;
    let target = record_target(&store, path.into_inner()).await?;
    act_on(&node, &store, &identity, Act::Restrict, target, body.0.reason).await
}

/// Lifts a record's restriction: it is shared again.
#[utoipa::path(
    tag = "dpo",
    request_body = ActBody,
    params(("id" = String, Path, description = "the record")),
    responses(
        (status = 201, body = ServedAct),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "not restricted", body = ErrorEnvelope),
    )
)]
#[post("/v1/records/{id}/restriction/lift")]
pub async fn lift_restriction(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<ActBody>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_dpo(&node, &identity)?;
    let target = record_target(&store, path.into_inner()).await?;
    act_on(&node, &store, &identity, Act::LiftRestriction, target, body.0.reason).await
}

/// Puts a child's records at this node on legal hold: `node retention --apply` keeps them until it is lifted.
#[utoipa::path(
    tag = "dpo",
    request_body = ActBody,
    params(("local_ref" = String, Path, description = "the child's reference at this agency")),
    responses(
        (status = 201, body = ServedAct),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "no record for that reference", body = ErrorEnvelope),
        (status = 409, description = "on hold already", body = ErrorEnvelope),
    )
)]
#[post("/v1/children/{local_ref}/legal-hold")]
pub async fn hold(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<ActBody>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_dpo(&node, &identity)?;
    let target = child_target(&store, path.into_inner()).await?;
    act_on(&node, &store, &identity, Act::Hold, target, body.0.reason).await
}

/// Lifts a legal hold: retention applies again.
#[utoipa::path(
    tag = "dpo",
    request_body = ActBody,
    params(("local_ref" = String, Path, description = "the child's reference at this agency")),
    responses(
        (status = 201, body = ServedAct),
        (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "not on hold", body = ErrorEnvelope),
    )
)]
#[post("/v1/children/{local_ref}/legal-hold/lift")]
pub async fn lift_hold(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<ActBody>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_dpo(&node, &identity)?;
    let target = child_target(&store, path.into_inner()).await?;
    act_on(&node, &store, &identity, Act::LiftHold, target, body.0.reason).await
}

/// Every act of this agency's DPOs at its node, newest first (the latest 1000).
#[utoipa::path(
    tag = "dpo",
    responses((status = 200, body = Vec<ServedAct>), (status = 403, description = "not this agency's DPO", body = ErrorEnvelope))
)]
#[get("/v1/dpo-acts")]
pub async fn list(
    Dpo(identity): Dpo,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<ServedAct>>, ApiError> {
    admit_dpo(&node, &identity)?;
    let rows = store.run(|conn| acts_store::recent(conn, 1000)).await?;
    Ok(web::Json(rows.into_iter().map(ServedAct::from_row).collect::<Result<_, _>>()?))
}
