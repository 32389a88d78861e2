//! The meeting pack: for each invited agency, what policy and consent allow under `core_group` (each part a logged
//! disclosure carrying the meeting id), then the views and decisions; JSON, or a printable page.

use crate::disclosure_log::FreshIndex;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use super::pack_contents::{Pack, PackPart, SharedUnderMeeting};
use crate::decision::{CORE_GROUP, ShareRequest};
use crate::services::meetings::{S47, invited_to, meeting_id, not_found};
use crate::services::sharing::{Sharing, share};
use crate::store::Store;
use crate::store::log::LogRow;
use crate::store::meetings::load;
use sharegate_core::domain::{LawfulBasis, Narrative, Purpose, SubjectKey};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiQuery;
use sharegate_core::identity::Identity;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PackQuery {
    /// `html` for a printable page; JSON otherwise.
    pub format: Option<String>,
}

/// What was shared under `meeting`, from the log.
fn shared_while_open(rows: &[LogRow]) -> Result<Vec<SharedUnderMeeting>, ApiError> {
    let mut shared = Vec::new();
    for row in rows {
        let entry = crate::routes::dpo::view(row)?.entry;
        if entry.given.is_empty() {
            continue;
        }
        shared.push(SharedUnderMeeting {
            disclosure_id: entry.id.to_string(),
            at: entry.at,
            received_by: format!("{} ({}, {})", entry.requester.person, entry.requester.role, entry.requester.agency),
            given: entry.given.iter().map(|g| format!("{} from {}", g.category, g.agency)).collect(),
            records: entry.records.len(),
        });
    }
    Ok(shared)
}

/// The meeting pack for the requester: for each invited agency, the records policy and consent allow under
/// `core_group` (each part a logged disclosure carrying the meeting id), then the views and decisions.
#[utoipa::path(tag = "meetings", params(("id" = String, Path), PackQuery), responses((status = 200, body = Pack), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 503, description = "a part could not be logged, so no pack", body = ErrorEnvelope)))]
#[get("/v1/meetings/{id}/pack")]
pub async fn pack(
    identity: Identity,
    path: web::Path<String>,
    query: ApiQuery<PackQuery>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let html = match query.0.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(_) => return Err(ApiError::invalid("format", "format must be json or html")),
    };
    let id = meeting_id(&path.into_inner())?;
    let lookup = id.clone();
    let (subjects, registers) = (sharing.subjects.clone(), sharing.registers.clone());
    let agency = identity.agency.clone();
    let (meeting, subject, consents) = store
        .run(move |conn| {
            let Ok(meeting) = invited_to(load(conn, &lookup)?, &agency) else { return Ok(Err(not_found())) };
            let key = SubjectKey::Id(meeting.subject.clone());
            let Some(child) = subjects.find(conn, &key)? else { return Ok(Err(not_found())) };
            let consents = registers.consents(conn, &child.subject.id, child.version)?;
            Ok(Ok((meeting, child.subject, consents)))
        })
        .await??;
    let unendorsed_decisions = meeting.decisions.iter().filter(|d| d.needs_endorsement).map(|d| d.id.clone()).collect();
    let apologies_without_view = meeting.silent_apologies();
    if meeting.closed_at.is_some() {
        // Closed: nothing more is shared under it, so nothing is fetched; the pack shows what was, from the log.
        let under = id.to_string();
        let rows = store.run(move |conn| crate::store::log::under_meeting(conn, &under)).await?;
        let shared_while_open = shared_while_open(&rows)?;
        let pack = Pack { meeting, parts: Vec::new(), unendorsed_decisions, apologies_without_view, shared_while_open };
        return Ok(if html { super::html::page(&pack) } else { HttpResponse::Ok().json(pack) });
    }
    let standing = meeting.standing(&identity.agency, &subject.id, chrono::Utc::now(), sharing.meeting_opens);
    let reason = Narrative::parse(&format!("Core group meeting pack for {id}")).map_err(ApiError::internal)?;
    let mut parts = Vec::new();
    for agency in &meeting.invited {
        let categories =
            sharing.vocabulary.categories.iter().filter(|c| c.holder() == agency).cloned().collect::<BTreeSet<_>>();
        if categories.is_empty() {
            continue;
        }
        let request = ShareRequest {
            categories,
            purpose: Purpose::parse(CORE_GROUP).map_err(ApiError::internal)?,
            lawful_basis: LawfulBasis::parse(S47).map_err(ApiError::internal)?,
            meeting: Some(id.clone()),
        };
        let disclosed = share(&sharing, &identity, &subject, &consents, request, &reason, Some(&standing)).await?;
        let answer: serde_json::Value = serde_json::from_slice(disclosed.body()).map_err(ApiError::internal)?;
        let list = |field: &str| answer.get(field).and_then(|v| v.as_array()).cloned().unwrap_or_default();
        parts.push(PackPart {
            agency: agency.to_string(),
            disclosure_id: disclosed.id().to_string(),
            records: list("records"),
            refused: list("refused"),
            partial: disclosed.status() == StatusCode::OK
                && answer.get("partial").and_then(|p| p.as_bool()).unwrap_or(false),
            restricted: list("agencies").iter().filter_map(|a| a.get("restricted")?.as_u64()).sum(),
        });
    }
    let pack = Pack { meeting, parts, unendorsed_decisions, apologies_without_view, shared_while_open: Vec::new() };
    if html {
        return Ok(super::html::page(&pack));
    }
    Ok(HttpResponse::Ok().json(pack))
}
