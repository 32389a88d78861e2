//! Incidents over the API (see [`crate::incidents`]): the DPO's agency's incidents with Art. 33's clock, one
//! incident, and its closing with an outcome.

use actix_web::{HttpResponse, get, post, web};
use chrono::{SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::view;
use crate::disclosure_log::{FreshIndex, VerdictKind};
use crate::incidents::{self, Closure, Incident, Outcome};
use crate::register::{Actor, GatewayKey};
use crate::store::Store;
use crate::store::incidents::{self as rows, ClosureRow};
use crate::store::log;
use sharegate_core::domain::{IncidentId, Narrative};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::ApiJson;
use sharegate_core::identity::{Dpo, Identity};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    /// Open ones first, the nearest deadline first; then the closed ones, the latest first.
    pub incidents: Vec<Incident>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "reported_to_ico", "note": "Reported to the ICO, reference IC-123456-A1B2; the school's copy was deleted."}))]
pub struct CloseIncidentBody {
    pub outcome: Outcome,
    /// What was done and why: the ICO's reference, or why the breach is not reportable.
    #[schema(value_type = String)]
    pub note: Narrative,
}

/// The incidents of `identity`'s agency, `only` one of them if given.
pub(crate) async fn of_agency(
    store: &Store,
    identity: &Identity,
    only: Option<IncidentId>,
) -> Result<Vec<Incident>, ApiError> {
    let agency = identity.agency.to_string();
    let (reviews, closures) = store
        .run(move |conn| {
            let breach = VerdictKind::Breach.in_text();
            let verdict = match &only {
                Some(id) => format!("{breach}\"{id}\"}}"),
                None => breach.to_owned(),
            };
            let reviews = log::reviews_finding(conn, &agency, &verdict)?;
            Ok((reviews, rows::closures(conn, &agency)?))
        })
        .await?;
    let reviews = reviews.iter().map(|r| view(r).map(|v| v.entry)).collect::<Result<Vec<_>, _>>()?;
    let closures = closures
        .iter()
        .map(|text| sharegate_protocol::seal::open::<Closure>(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::store_corrupt(format!("an incident's closure cannot be read: {e}")))?;
    Ok(Incident::from_reviews(&reviews, &closures, Utc::now()))
}

/// The incident `raw` of `identity`'s agency; 404 for another agency's or none.
pub(crate) async fn one_of_agency(store: &Store, identity: &Identity, raw: &str) -> Result<Incident, ApiError> {
    let missing = || ApiError::not_found("no incident of your agency has that id");
    let id = IncidentId::parse(raw).map_err(|_| missing())?;
    let found = of_agency(store, identity, Some(id.clone())).await?;
    found.into_iter().find(|i| i.id == id).ok_or_else(missing)
}

/// The incidents of the DPO's agency: each breach found on review, the disclosures it names, and the time left to
/// decide whether to report it to the ICO (72 hours from the review, UK GDPR Art. 33).
#[utoipa::path(
    tag = "dpo",
    responses((status = 200, body = IncidentList), (status = 403, description = "not a DPO", body = ErrorEnvelope))
)]
#[get("/v1/incidents")]
pub async fn list(Dpo(identity): Dpo, store: web::Data<Store>, _: FreshIndex) -> Result<HttpResponse, ApiError> {
    let incidents = of_agency(&store, &identity, None).await?;
    Ok(HttpResponse::Ok().json(IncidentList { incidents }))
}

/// One incident of the DPO's agency.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path, description = "the incident")),
    responses((status = 200, body = Incident), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
#[get("/v1/incidents/{id}")]
pub async fn one(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(one_of_agency(&store, &identity, &path.into_inner()).await?))
}

/// Closes an incident of the DPO's agency with its outcome and a note, once. The closure is sealed by the gateway
/// binding the DPO.
#[utoipa::path(
    tag = "dpo",
    request_body = CloseIncidentBody,
    params(("id" = String, Path, description = "the incident")),
    responses(
        (status = 200, body = Incident),
        (status = 400, description = "no outcome or note", body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "no incident of the DPO's agency has that id", body = ErrorEnvelope),
        (status = 409, description = "closed already", body = ErrorEnvelope),
    )
)]
#[post("/v1/incidents/{id}/close")]
pub async fn close(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<CloseIncidentBody>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let incident = close_incident(&identity, &path.into_inner(), body.0, &store, &key).await?;
    Ok(HttpResponse::Ok().json(incident))
}

/// Closes `raw`, an incident of `identity`'s agency, and returns it closed.
pub(crate) async fn close_incident(
    identity: &Identity,
    raw: &str,
    body: CloseIncidentBody,
    store: &Store,
    key: &GatewayKey,
) -> Result<Incident, ApiError> {
    let mut incident = one_of_agency(store, identity, raw).await?;
    let closed_already = || ApiError::new(ErrorKind::Duplicate, "this incident is closed already: its closure stands");
    if incident.closed.is_some() {
        return Err(closed_already());
    }
    let closure = Closure {
        incident: incident.id.clone(),
        agency: identity.agency.clone(),
        outcome: body.outcome,
        note: body.note,
        at: Utc::now().trunc_subsecs(6),
        by: Actor::from(identity),
    };
    let sealed = crate::register::seal(incidents::FORMAT, &closure, key)?;
    let row = ClosureRow {
        incident_id: incident.id.to_string(),
        agency: identity.agency.to_string(),
        closed_at: closure.at.naive_utc(),
        sealed: sealed.canonical,
        signature: sealed.signature,
    };
    if !store.run(move |conn| rows::close(conn, &row)).await? {
        return Err(closed_already());
    }
    incident.closed = Some(closure);
    incident.state = incidents::State::Closed;
    Ok(incident)
}
