//! Core group meetings over the API: a coordinator creates a meeting, records attendance and decisions, and closes
//! it; invited practitioners give written views; a manager endorses decisions; the pack gathers, for each invited
//! agency, what may be shared under `core_group` (each part a logged disclosure carrying the meeting id), then the
//! views and decisions.

mod html;
mod meeting_pack;
mod pack_contents;

use std::collections::BTreeSet;

pub use meeting_pack::{PackQuery, pack};
pub use pack_contents::{Pack, PackPart};

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::CORE_GROUP;
use crate::decision::policy::Vocabulary;
use crate::disclosure_log::{self, Kind, ReadWhy};
use crate::meetings::{Agreeing, Conveners, Dissent, FORMAT, Meeting, MeetingEvent};
use crate::register::Actor;
use crate::register::GatewayKey;
use crate::sharing::{Sharing, no_such_child};
use crate::store::meetings::{self as events, EventRow, load};
use crate::store::{Store, subjects};
use sharegate_core::domain::{
    AgencyName, DisclosureId, EventId, LawfulBasis, MeetingId, Narrative, Purpose, SubjectKey,
};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::{ApiJson, ApiQuery, OptionalJson};
use sharegate_core::identity::{COORDINATOR, Coordinator, Identity, MANAGER, Manager};

/// The basis core group sharing rests on.
pub(super) const S47: &str = "children_act_1989_s47";

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("no such meeting")
}

/// The meeting, for an agency it invites. To any other agency it does not exist — the same 404 as an unknown id — so
/// no answer tells an outsider that a core group is meeting about a child, who coordinates it, or whether it closed.
pub(super) fn invited_to(meeting: Option<Meeting>, agency: &AgencyName) -> Result<Meeting, ApiError> {
    meeting.filter(|m| m.invited.contains(agency)).ok_or_else(not_found)
}

pub(super) fn meeting_id(raw: &str) -> Result<MeetingId, ApiError> {
    MeetingId::parse(raw).map_err(|_| not_found())
}

/// Seals `event` and appends it, after `check` passes against the meeting as it stands at that moment, under the
/// write lock (so two closes, or an endorsement racing a close, cannot both pass). The event's author must be of an
/// invited agency: for anyone else there is no such meeting.
async fn append(
    store: &Store,
    key: &GatewayKey,
    id: MeetingId,
    event: MeetingEvent,
    check: impl FnOnce(&Meeting) -> Result<(), ApiError> + Send + 'static,
) -> Result<Meeting, ApiError> {
    let sealed = sharegate_protocol::seal::seal(FORMAT, &event, &key.0).map_err(ApiError::internal)?;
    let author = event.by().agency.clone();
    let row = EventRow {
        id: event.id(),
        meeting_id: id.to_string(),
        kind: event.kind().to_owned(),
        at: event.at().naive_utc(),
        sealed: sealed.canonical,
        signature: sealed.signature,
    };
    let outcome = store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let Ok(meeting) = invited_to(load(conn, &id)?, &author) else { return Ok(Err(not_found())) };
                if let Err(refused) = check(&meeting) {
                    return Ok(Err(refused));
                }
                events::insert(conn, &row)?;
                Ok(Ok(load(conn, &id)?))
            })
        })
        .await?;
    outcome?.ok_or_else(not_found)
}

fn coordinator_of(meeting: &Meeting, identity: &Identity) -> Result<(), ApiError> {
    if identity.role.as_str() == COORDINATOR && identity.agency == meeting.coordinator.agency {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only a coordinator of {} may do this for the meeting",
            meeting.coordinator.agency
        )))
    }
}

fn open(meeting: &Meeting) -> Result<(), ApiError> {
    match meeting.closed_at {
        Some(_) => Err(ApiError::new(ErrorKind::Duplicate, "the meeting is closed")),
        None => Ok(()),
    }
}

fn agencies(field: &str, names: &[String], vocabulary: &Vocabulary) -> Result<BTreeSet<AgencyName>, ApiError> {
    names
        .iter()
        .enumerate()
        .map(|(i, a)| vocabulary.parse_agency(a).map_err(|why| ApiError::invalid(format!("{field}[{i}]"), why)))
        .collect()
}

fn invited_only(field: &str, named: &BTreeSet<AgencyName>, meeting: &Meeting) -> Result<(), ApiError> {
    match named.iter().find(|a| !meeting.invited.contains(*a)) {
        Some(outsider) => Err(ApiError::invalid(field, format!("{outsider} is not invited to this meeting"))),
        None => Ok(()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    /// The child: gateway id or NHS number.
    pub subject: String,
    pub scheduled_for: DateTime<Utc>,
    #[schema(example = json!(["police", "health", "education", "social_care"]))]
    pub invited: Vec<String>,
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
    Coordinator(identity): Coordinator,
    body: ApiJson<MeetingBody>,
    vocabulary: web::Data<Vocabulary>,
    conveners: web::Data<Conveners>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    if !conveners.0.contains(&identity.agency) {
        let agencies = conveners.0.iter().map(AgencyName::as_str).collect::<Vec<_>>().join(" or ");
        return Err(ApiError::forbidden(if agencies.is_empty() {
            "no agency convenes core group meetings through this gateway".to_owned()
        } else {
            format!("only a core group coordinator of {agencies} creates meetings")
        }));
    }
    let body = body.0;
    let key_of = SubjectKey::parse(&body.subject).map_err(|e| ApiError::invalid("subject", format!("subject {e}")))?;
    let mut invited = agencies("invited", &body.invited, &vocabulary)?;
    if invited.is_empty() {
        return Err(ApiError::invalid("invited", "invite at least one agency"));
    }
    invited.insert(identity.agency.clone());
    if body.scheduled_for < Utc::now() {
        return Err(ApiError::invalid("scheduled_for", "scheduled_for is in the past: a meeting is scheduled ahead"));
    }
    let subject = store.run(move |conn| subjects::find(conn, &key_of)).await?.ok_or_else(no_such_child)?;
    let id = MeetingId::new();
    let event = MeetingEvent::Created {
        meeting: id.clone(),
        subject: subject.id,
        scheduled_for: body.scheduled_for.trunc_subsecs(6),
        invited,
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let sealed = sharegate_protocol::seal::seal(FORMAT, &event, &key.0).map_err(ApiError::internal)?;
    let row = EventRow {
        id: id.to_string(),
        meeting_id: id.to_string(),
        kind: event.kind().to_owned(),
        at: event.at().naive_utc(),
        sealed: sealed.canonical,
        signature: sealed.signature,
    };
    let meeting = store
        .run(move |conn| {
            events::insert(conn, &row)?;
            load(conn, &id)
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Created().json(meeting))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingsQuery {
    /// Only this child's meetings: gateway id or NHS number.
    pub subject: Option<String>,
    /// `open` or `closed`.
    pub state: Option<String>,
}

/// The meetings the caller's agency is invited to — for a coordinator, those their agency convenes — oldest first,
/// without what was said at them (each meeting is read, and logged, on its own).
#[utoipa::path(tag = "meetings", params(MeetingsQuery), responses((status = 200, body = Vec<MeetingSummary>), (status = 400, body = ErrorEnvelope)))]
#[get("/v1/meetings")]
pub async fn list(
    identity: Identity,
    query: ApiQuery<MeetingsQuery>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<MeetingSummary>>, ApiError> {
    let MeetingsQuery { subject, state } = query.0;
    let closed = match state.as_deref() {
        None => None,
        Some("open") => Some(false),
        Some("closed") => Some(true),
        Some(_) => return Err(ApiError::invalid("state", "state is open or closed")),
    };
    let subject = match subject {
        Some(raw) => {
            SubjectKey::parse(&raw).map_err(|e| ApiError::invalid("subject", format!("subject {e}")))?;
            // A child the index does not hold has no meetings: the same empty list as any other.
            let Some(id) = crate::sharing::named_child(&store, &raw).await? else {
                return Ok(web::Json(Vec::new()));
            };
            Some(id)
        }
        None => None,
    };
    let agency = identity.agency.clone();
    let convenes_only = identity.role.as_str() == COORDINATOR;
    let meetings = store
        .run(move |conn| {
            let mut found = Vec::new();
            for id in events::meeting_ids(conn)? {
                let Ok(id) = MeetingId::parse(&id) else { continue };
                let Some(m) = load(conn, &id)? else { continue };
                let theirs = m.invited.contains(&agency) && (!convenes_only || m.coordinator.agency == agency);
                let wanted = subject.as_ref().is_none_or(|s| &m.subject == s)
                    && closed.is_none_or(|c| m.closed_at.is_some() == c);
                if theirs && wanted {
                    found.push(MeetingSummary::of(&m));
                }
            }
            Ok(found)
        })
        .await?;
    Ok(web::Json(meetings))
}

/// A meeting in a list: when, about whom, who is invited, whether it is closed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingSummary {
    pub id: String,
    #[schema(value_type = String)]
    pub subject: sharegate_core::domain::SubjectId,
    pub scheduled_for: DateTime<Utc>,
    #[schema(value_type = Vec<String>)]
    pub invited: BTreeSet<AgencyName>,
    #[schema(value_type = String)]
    pub coordinating_agency: AgencyName,
    pub closed_at: Option<DateTime<Utc>>,
}

impl MeetingSummary {
    fn of(m: &Meeting) -> Self {
        Self {
            id: m.id.clone(),
            subject: m.subject.clone(),
            scheduled_for: m.scheduled_for,
            invited: m.invited.clone(),
            coordinating_agency: m.coordinator.agency.clone(),
            closed_at: m.closed_at,
        }
    }
}

/// The meeting as it stands: for its invited agencies. What it says of the child (views, decisions) is disclosed,
/// so each read is a logged disclosure, under the meeting.
#[utoipa::path(tag = "meetings", params(("id" = String, Path)), responses((status = 200, body = Meeting), (status = 404, description = "no such meeting, or not one the agency is invited to", body = ErrorEnvelope), (status = 503, description = "the read could not be logged, so nothing was disclosed", body = ErrorEnvelope)))]
#[get("/v1/meetings/{id}")]
pub async fn show(
    identity: Identity,
    path: web::Path<String>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&path.into_inner())?;
    let lookup = id.clone();
    let meeting = invited_to(store.run(move |conn| load(conn, &lookup)).await?, &identity.agency)?;
    let body = serde_json::to_vec(&meeting).map_err(ApiError::internal)?;
    let why = ReadWhy {
        purpose: Purpose::parse(CORE_GROUP).map_err(ApiError::internal)?,
        lawful_basis: LawfulBasis::parse(S47).map_err(ApiError::internal)?,
        reason: Narrative::parse(&format!("Read the core group meeting {id}")).map_err(ApiError::internal)?,
        meeting: Some(id),
        policy_hash: sharing.policy.current().hash.clone(),
    };
    let (log, subject) = (&sharing.log, &meeting.subject);
    let disclosed =
        disclosure_log::commit_read(log, DisclosureId::new(), Kind::MeetingRead, &identity, subject, why, body).await?;
    Ok(disclosed.into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    #[serde(default)]
    pub attended: Vec<String>,
    /// Agencies that sent apologies.
    #[serde(default)]
    pub apologies: Vec<String>,
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
    let id = meeting_id(&path.into_inner())?;
    let attended = agencies("attended", &body.0.attended, &vocabulary)?;
    let apologies = agencies("apologies", &body.0.apologies, &vocabulary)?;
    if let Some(both) = attended.intersection(&apologies).next() {
        return Err(ApiError::invalid("apologies", format!("{both} cannot both attend and send apologies")));
    }
    let event = MeetingEvent::Attendance {
        id: EventId::new(),
        meeting: id.clone(),
        attended: attended.clone(),
        apologies: apologies.clone(),
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let meeting = append(&store, &key, id, event, move |m| {
        coordinator_of(m, &identity)?;
        open(m)?;
        invited_only("attended", &attended, m)?;
        invited_only("apologies", &apologies, m)
    })
    .await?;
    Ok(web::Json(meeting))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewBody {
    #[schema(value_type = String)]
    pub text: Narrative,
    /// Given by someone who cannot attend.
    #[serde(default)]
    pub absent: bool,
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
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = meeting_id(&path.into_inner())?;
    let event_id = EventId::new();
    let body_absent = body.0.absent;
    let event = MeetingEvent::View {
        id: event_id.clone(),
        meeting: id.clone(),
        text: body.0.text,
        absent: body.0.absent,
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let (absent, agency) = (body_absent, identity.agency.clone());
    // After the meeting closes a view may still be added, as a late addendum (marked so in the meeting).
    let meeting = append(&store, &key, id, event, move |m| {
        if absent && m.attended.contains(&agency) {
            return Err(ApiError::invalid(
                "absent",
                format!("{agency} attended this meeting: its view is not one given in absence"),
            ));
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(Created { id: event_id.to_string(), meeting }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingDecisionBody)]
pub struct DecisionBody {
    #[schema(value_type = String)]
    pub text: Narrative,
    /// The agencies that agreed.
    pub agreed_by: Vec<String>,
    /// The people who agreed (optional): each of an agency in `agreed_by`.
    #[serde(default)]
    pub agreeing: Vec<Agreeing>,
    #[serde(default)]
    pub dissent: Vec<Dissent>,
}

/// The coordinator records a joint decision (¶26): who agreed (agencies, and the people where named), who dissented
/// and why. It stands flagged in the pack
/// until a manager endorses it.
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
    let id = meeting_id(&path.into_inner())?;
    let body = body.0;
    let agreed_by = agencies("agreed_by", &body.agreed_by, &vocabulary)?;
    if agreed_by.is_empty() {
        return Err(ApiError::invalid("agreed_by", "a joint decision names the agencies that agreed"));
    }
    if let Some((n, person)) = body.agreeing.iter().enumerate().find(|(_, p)| !agreed_by.contains(&p.agency)) {
        return Err(ApiError::invalid(
            format!("agreeing[{n}].agency"),
            format!(
                "{} of {} is named as agreeing, but {} is not in agreed_by",
                person.name, person.agency, person.agency
            ),
        ));
    }
    let dissenting: BTreeSet<AgencyName> = body.dissent.iter().map(|d| d.agency.clone()).collect();
    if let Some(both) = agreed_by.intersection(&dissenting).next() {
        return Err(ApiError::invalid("dissent", format!("{both} cannot both agree and dissent")));
    }
    let event_id = EventId::new();
    let agreeing = body.agreeing.clone();
    let event = MeetingEvent::Decision {
        id: event_id.clone(),
        meeting: id.clone(),
        text: body.text,
        agreed_by: agreed_by.clone(),
        agreeing: body.agreeing,
        dissent: body.dissent,
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let meeting = append(&store, &key, id, event, move |m| {
        coordinator_of(m, &identity)?;
        open(m)?;
        invited_only("agreed_by", &agreed_by, m)?;
        if let Some((n, person)) = agreeing.iter().enumerate().find(|(_, p)| m.apologies.contains(&p.agency)) {
            return Err(ApiError::invalid(
                format!("agreeing[{n}].agency"),
                format!("{} sent apologies: no one of it agreed in person", person.agency),
            ));
        }
        invited_only("dissent", &dissenting, m)
    })
    .await?;
    Ok(HttpResponse::Created().json(Created { id: event_id.to_string(), meeting }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorseBody {
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
}

/// A manager of the coordinating agency endorses a decision; not the person who recorded it.
#[utoipa::path(tag = "meetings", request_body(content = EndorseBody, description = "optional"), params(("id" = String, Path), ("d" = String, Path)), responses((status = 200, body = Meeting), (status = 403, body = ErrorEnvelope), (status = 404, description = "no such meeting or decision, or not a meeting the agency is invited to", body = ErrorEnvelope), (status = 409, description = "already endorsed", body = ErrorEnvelope)))]
#[post("/v1/meetings/{id}/decisions/{d}/endorse")]
pub async fn endorse(
    Manager(identity): Manager,
    path: web::Path<(String, String)>,
    body: OptionalJson<EndorseBody>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Meeting>, ApiError> {
    let (raw_meeting, raw_decision) = path.into_inner();
    let id = meeting_id(&raw_meeting)?;
    let decided = EventId::parse(&raw_decision).map_err(|_| ApiError::not_found("no such decision in this meeting"))?;
    let event = MeetingEvent::Endorsement {
        id: EventId::new(),
        meeting: id.clone(),
        decision: decided.clone(),
        comment: body.0.comment,
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let meeting = append(&store, &key, id, event, move |m| {
        let found = m.decisions.iter().find(|d| d.id == decided.as_str());
        let found = found.ok_or_else(|| ApiError::not_found("no such decision in this meeting"))?;
        if identity.agency != m.coordinator.agency {
            return Err(ApiError::forbidden(format!(
                "only a manager of {} may endorse the meeting's decisions",
                m.coordinator.agency
            )));
        }
        if found.by.is(&identity) {
            return Err(ApiError::forbidden("you recorded this decision: another manager must endorse it"));
        }
        if found.endorsed_by.is_some() {
            return Err(ApiError::new(ErrorKind::Duplicate, "this decision has already been endorsed"));
        }
        Ok(())
    })
    .await?;
    Ok(web::Json(meeting))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
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
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<Meeting>, ApiError> {
    let id = meeting_id(&path.into_inner())?;
    let reason = body.0.reason;
    let overriding = reason.is_some();
    let event = MeetingEvent::Closed {
        id: EventId::new(),
        meeting: id.clone(),
        reason,
        by: Actor::from(&identity),
        at: Utc::now().trunc_subsecs(6),
    };
    let meeting = append(&store, &key, id, event, move |m| {
        let manager = identity.role.as_str() == MANAGER && identity.agency == m.coordinator.agency;
        if !manager {
            coordinator_of(m, &identity)?;
        }
        open(m)?;
        let waiting: Vec<&str> = m.decisions.iter().filter(|d| d.needs_endorsement).map(|d| d.id.as_str()).collect();
        match (waiting.is_empty(), manager, overriding) {
            (true, _, _) | (false, true, true) => Ok(()),
            (false, true, false) => {
                Err(ApiError::invalid("reason", "decisions await endorsement: say why the meeting closes without it"))
            }
            (false, false, _) => Err(ApiError::new(
                ErrorKind::Duplicate,
                format!(
                    "decisions await a manager's endorsement ({}): endorse them first, or a manager of {} closes \
                     the meeting saying why",
                    waiting.join(", "),
                    m.coordinator.agency
                ),
            )),
        }
    })
    .await?;
    Ok(web::Json(meeting))
}
