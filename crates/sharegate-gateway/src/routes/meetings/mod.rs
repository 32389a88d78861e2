//! Core group meetings over the API: a coordinator creates a meeting, records attendance and decisions, and closes
//! it; invited practitioners give written views; a manager endorses decisions; the pack gathers, for each invited
//! agency, what may be shared under `core_group` (each part a logged disclosure carrying the meeting id), then the
//! views and decisions. The rules are the meetings service's ([`crate::services::meetings`]); these parse the
//! request and shape the answer.

mod html;
mod meeting_pack;
mod pack_contents;

pub use meeting_pack::{PackQuery, pack};
pub use pack_contents::{Pack, PackPart};

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::meetings::{Conveners, Meeting};
use crate::register::GatewayKey;
use crate::services::meetings::{
    AttendanceBody, DecisionBody, MeetingBody, MeetingSummary, Meetings, MeetingsQuery, ViewBody,
};
use crate::services::sharing::Sharing;
use crate::store::Store;
use sharegate_core::domain::Narrative;
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::{ApiJson, ApiQuery, OptionalJson};
use sharegate_core::identity::{Coordinator, Identity, Manager};

fn meetings<'a>(store: &'a Store, key: &'a GatewayKey, vocabulary: &'a Vocabulary) -> Meetings<'a> {
    Meetings { store, key, vocabulary }
}

/// A coordinator of an agency that convenes core group meetings (`meeting_conveners`) creates one for a child.
#[utoipa::path(
    tag = "meetings",
    request_body = MeetingBody,
    responses(
        (status = 201, body = Meeting),
        (status = 400, body = ErrorEnvelope),
        (status = 403, description = "not a coordinator of an agency that convenes meetings", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
    )
)]
#[post("/v1/meetings")]
pub async fn create(
    coordinator: Coordinator,
    body: ApiJson<MeetingBody>,
    vocabulary: web::Data<Vocabulary>,
    conveners: web::Data<Conveners>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let meeting = meetings(&store, &key, &vocabulary).create(&coordinator, &conveners, body.0).await?;
    Ok(HttpResponse::Created().json(meeting))
}

/// The meetings the caller's agency is invited to — for a coordinator, those their agency convenes — oldest first,
/// without what was said at them (each meeting is read, and logged, on its own).
#[utoipa::path(tag = "meetings", params(MeetingsQuery), responses((status = 200, body = Vec<MeetingSummary>), (status = 400, body = ErrorEnvelope)))]
#[get("/v1/meetings")]
pub async fn list(
    identity: Identity,
    query: ApiQuery<MeetingsQuery>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<MeetingSummary>>, ApiError> {
    Ok(web::Json(meetings(&store, &key, &vocabulary).list(&identity, query.0).await?))
}

/// The meeting as it stands: for its invited agencies. What it says of the child (views, decisions) is disclosed,
/// so each read is a logged disclosure, under the meeting.
#[utoipa::path(tag = "meetings", params(("id" = String, Path)), responses((status = 200, body = Meeting), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 503, description = "the read could not be logged, so nothing was disclosed", body = ErrorEnvelope)))]
#[get("/v1/meetings/{id}")]
pub async fn show(
    identity: Identity,
    path: web::Path<String>,
    sharing: web::Data<Sharing>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (_, disclosed) = meetings(&store, &key, &vocabulary).read(&identity, &path.into_inner(), &sharing).await?;
    Ok(disclosed.into_response())
}

/// The coordinator records who attended and who sent apologies.
#[utoipa::path(tag = "meetings", request_body = AttendanceBody, params(("id" = String, Path)), responses((status = 200, body = Meeting), (status = 400, body = ErrorEnvelope), (status = 403, description = "not a coordinator of the coordinating agency", body = ErrorEnvelope), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 409, description = "the meeting is closed", body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/attendance")]
pub async fn attendance(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<AttendanceBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Meeting>, ApiError> {
    Ok(web::Json(meetings(&store, &key, &vocabulary).attendance(&identity, &path.into_inner(), body.0).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
    pub meeting: Meeting,
}

/// An invited practitioner gives a written view (¶32): dated, sealed with its author and role, marked when given in
/// absence (not by an agency that attended). After the meeting closes a view is still taken, marked as a late
/// addendum; none is ever edited.
#[utoipa::path(tag = "meetings", request_body = ViewBody, params(("id" = String, Path)), responses((status = 201, body = Created), (status = 400, description = "marked absent by an agency that attended", body = ErrorEnvelope), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/views")]
pub async fn add_view(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<ViewBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (id, meeting) = meetings(&store, &key, &vocabulary).add_view(&identity, &path.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(Created { id: id.to_string(), meeting }))
}

/// The coordinator records a joint decision (¶26): who agreed (agencies, and the people where named), who dissented
/// and why. It stands flagged in the pack until a manager endorses it.
#[utoipa::path(tag = "meetings", request_body = DecisionBody, params(("id" = String, Path)), responses((status = 201, body = Created), (status = 400, body = ErrorEnvelope), (status = 403, description = "not a coordinator of the coordinating agency", body = ErrorEnvelope), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/decisions")]
pub async fn record_decision(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<DecisionBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let service = meetings(&store, &key, &vocabulary);
    let (id, meeting) = service.record_decision(&identity, &path.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(Created { id: id.to_string(), meeting }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingEndorseBody, example = json!({"comment": "Agreed: the plan is proportionate."}))]
pub struct EndorseBody {
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
}

/// A manager of the coordinating agency endorses a decision; not the person who recorded it.
#[utoipa::path(tag = "meetings", request_body(content = EndorseBody, description = "optional"), params(("id" = String, Path), ("d" = String, Path)), responses((status = 200, body = Meeting), (status = 403, body = ErrorEnvelope), (status = 404, description = "no such meeting or decision, or not a meeting the agency is invited to", body = ErrorEnvelope), (status = 409, description = "already endorsed", body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/decisions/{d}/endorse")]
pub async fn endorse(
    manager: Manager,
    path: web::Path<(String, String)>,
    body: OptionalJson<EndorseBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Meeting>, ApiError> {
    let (meeting, decision) = path.into_inner();
    let service = meetings(&store, &key, &vocabulary);
    Ok(web::Json(service.endorse(&manager, &meeting, &decision, body.0.comment).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The family moved out of the area; the receiving authority holds the plan."}))]
pub struct CloseBody {
    /// Why the meeting closes with decisions still unendorsed: only a manager of the coordinating agency closes it so.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Narrative>,
}

/// The coordinator closes the meeting: nothing more is shared under it. While a decision awaits its endorsement it
/// stays open (409 naming them), unless a manager of the coordinating agency closes it saying why (¶26).
#[utoipa::path(tag = "meetings", request_body(content = CloseBody, description = "optional"), params(("id" = String, Path)), responses((status = 200, body = Meeting), (status = 400, description = "a manager closing over unendorsed decisions without a reason", body = ErrorEnvelope), (status = 403, description = "not a coordinator or manager of the coordinating agency", body = ErrorEnvelope), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 409, description = "already closed, or decisions await endorsement", body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/close")]
pub async fn close(
    identity: Identity,
    path: web::Path<String>,
    body: OptionalJson<CloseBody>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Meeting>, ApiError> {
    Ok(web::Json(meetings(&store, &key, &vocabulary).close(&identity, &path.into_inner(), body.0.reason).await?))
}
