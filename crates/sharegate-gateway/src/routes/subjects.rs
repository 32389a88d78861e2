//! The subject index: `POST /v1/subjects`, `GET /v1/subjects?nhs_number=…`, and each agency's link to a child:
//! `PUT`/`DELETE /v1/subjects/{id}/local-refs/{agency}`, `GET …/{agency}/history`.
//!
//! The index says which gateway id a child has. Which agencies hold records about the child is itself a
//! disclosure (`/holders`, logged), so a lookup shows only the caller's own agency's reference. A link between a
//! child and an agency's reference decides which of that agency's records are sent about the child, so only that
//! agency makes, changes or removes it, and every change is sealed and kept.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::{self, Kind, ReadWhy};
use crate::register::Actor;
use crate::register::links::{LINK_FORMAT, LinkChange, LinkEntry};
use crate::register::{GatewayKey, seal};
use crate::services::sharing::Sharing;
use crate::services::sharing::no_such_child;
use crate::store::register::Signed;
use crate::store::subjects::{Applied, CurrentLink};
use crate::store::{Store, subjects};
use sharegate_core::domain::{
    AgencyName, ChildName, DateOfBirth, DisclosureId, LinkEventId, LocalRef, Narrative, NewSubject, NhsNumber, Subject,
    SubjectId,
};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::{ApiJson, ApiQuery};
use sharegate_core::identity::{Federation, Identity};

/// A child to add to the index.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nhs_number": "9434765919",
    "name": "Lily Example",
    "date_of_birth": "2015-03-02",
    "local_refs": {"social_care": "SC-1"}
}))]
pub struct NewSubjectBody {
    /// Ten digits with a valid check digit; spaces between groups are allowed.
    #[schema(value_type = String, example = "9434765919")]
    pub nhs_number: NhsNumber,
    #[schema(value_type = String, example = "Lily Example")]
    pub name: ChildName,
    #[schema(example = "2015-03-02")]
    pub date_of_birth: NaiveDate,
    /// The registering agency's own reference for the child, by agency: only the caller's own agency may be named
    /// (another agency links its own reference with `PUT /v1/subjects/{id}/local-refs/{agency}`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>, example = json!({"social_care": "SC-1"}))]
    pub local_refs: BTreeMap<AgencyName, LocalRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectView {
    #[schema(example = "sub_5f0c8e6a2b9d4e1f8a7b6c5d4e3f2a1b")]
    pub id: String,
    pub nhs_number: String,
    pub name: String,
    pub date_of_birth: NaiveDate,
    /// Agency → local reference. On lookups, only the caller's own agency's.
    pub local_refs: BTreeMap<String, String>,
}

impl SubjectView {
    fn new(subject: &Subject, show_refs_of: &AgencyName) -> Self {
        Self {
            id: subject.id.to_string(),
            nhs_number: subject.nhs_number.to_string(),
            name: subject.name.to_string(),
            date_of_birth: subject.date_of_birth,
            local_refs: subject
                .local_refs
                .iter()
                .filter(|(agency, _)| *agency == show_refs_of)
                .map(|(agency, local_ref)| (agency.to_string(), local_ref.to_string()))
                .collect(),
        }
    }
}

fn parse_new_subject(
    body: NewSubjectBody,
    identity: &Identity,
    federation: &Federation,
) -> Result<(NewSubject, Option<LocalRef>), ApiError> {
    let today = Utc::now().date_naive();
    let date_of_birth = DateOfBirth::parse(body.date_of_birth, today)
        .map_err(|e| ApiError::invalid("date_of_birth", format!("date_of_birth {e}")))?;
    let mut own = None;
    for (agency, local_ref) in body.local_refs {
        if !federation.agencies.contains(&agency) {
            return Err(ApiError::invalid(
                format!("local_refs.{agency}"),
                format!("agency '{agency}' is not part of this federation"),
            ));
        }
        if agency != identity.agency {
            return Err(ApiError::with_field(
                ErrorKind::Forbidden,
                format!("local_refs.{agency}"),
                format!("only {agency} links its own reference to a child: give your agency's reference only"),
            ));
        }
        own = Some(local_ref);
    }
    Ok((NewSubject { nhs_number: body.nhs_number, name: body.name, date_of_birth }, own))
}

/// Adds a child to the subject index.
#[utoipa::path(
    tag = "subjects",
    request_body = NewSubjectBody,
    responses(
        (status = 201, body = SubjectView),
        (status = 400, description = "a field is missing, unknown or invalid", body = ErrorEnvelope),
        (status = 403, description = "another agency's reference was given (`local_refs.<agency>`), or a DPO", body = ErrorEnvelope),
        (status = 409, description = "the NHS number is already in the index, or the reference is linked to another child", body = ErrorEnvelope),
        (status = 413, description = "the body is over the limit", body = ErrorEnvelope),
        (status = 503, description = "the store cannot be written", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects")]
pub async fn create_subject(
    identity: Identity,
    body: ApiJson<NewSubjectBody>,
    federation: web::Data<Federation>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let view = register(&identity, body.0, &federation, &key, &store).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Adds a child to the index as `create_subject` does (the console's too), with the registering agency's own link.
pub(crate) async fn register(
    identity: &Identity,
    body: NewSubjectBody,
    federation: &Federation,
    key: &GatewayKey,
    store: &Store,
) -> Result<SubjectView, ApiError> {
    // A DPO reviews what is shared; registering children (and so learning, by a 409, who is in the index) is
    // casework.
    if !identity.works_cases() {
        return Err(ApiError::forbidden("a data-protection officer does not register children"));
    }
    let (subject, own_ref) = parse_new_subject(body, identity, federation)?;
    let now = Utc::now().trunc_subsecs(6);
    let id = SubjectId::new();
    let link = own_ref
        .clone()
        .map(|local_ref| {
            let entry = link_entry(&id, identity, LinkChange::Linked { local_ref }, None, now);
            seal(LINK_FORMAT, &entry, key).map(|sealed| (entry, sealed))
        })
        .transpose()?;
    let (created, creator, stored_id) = (subject.clone(), identity.clone(), id.clone());
    store
        .run(move |conn| {
            subjects::insert(conn, &stored_id, &created, &creator, now.naive_utc(), link.as_ref().map(|(e, s)| (e, s)))
        })
        .await?;
    let view = SubjectView {
        id: id.into(),
        nhs_number: subject.nhs_number.into(),
        name: subject.name.into(),
        date_of_birth: subject.date_of_birth.date(),
        local_refs: own_ref.map(|r| (identity.agency.to_string(), r.into())).into_iter().collect(),
    };
    Ok(view)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubjectLookup {
    /// The child's NHS number.
    #[param(value_type = String, example = "9434765919")]
    pub nhs_number: NhsNumber,
    #[param(example = "safeguarding")]
    pub purpose: String,
    #[param(example = "consent")]
    pub lawful_basis: String,
    /// Why, in words: kept in the disclosure log.
    #[param(value_type = String, example = "Referral from the school about neglect.")]
    pub reason: Narrative,
}

/// A child found in the index, with the logged disclosure the lookup is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FoundSubject {
    pub disclosure_id: String,
    #[serde(flatten)]
    pub subject: SubjectView,
}

/// Finds a child in the index by NHS number, for practitioners and managers. Being in the index is itself a
/// safeguarding signal, so a lookup is a logged disclosure with its purpose, basis and reason; a DPO finds a child
/// through their agency's entries instead.
#[utoipa::path(
    tag = "subjects",
    params(SubjectLookup),
    responses(
        (status = 200, body = FoundSubject),
        (status = 400, description = "the NHS number is not valid, or the purpose, basis or reason is missing or unknown", body = ErrorEnvelope),
        (status = 403, description = "a data-protection officer", body = ErrorEnvelope),
        (status = 404, description = "no child with that NHS number is in the index", body = ErrorEnvelope),
        (status = 503, description = "the lookup could not be logged, so nothing was disclosed", body = ErrorEnvelope),
    )
)]
#[get("/v1/subjects")]
pub async fn find_subject(
    identity: Identity,
    query: ApiQuery<SubjectLookup>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (_, disclosed) = look_up(&identity, query.0, &sharing, &store).await?;
    Ok(disclosed.into_response())
}

/// The lookup `find_subject` answers (the console's too): the child found, and the logged disclosure it is.
pub(crate) async fn look_up(
    identity: &Identity,
    lookup: SubjectLookup,
    sharing: &Sharing,
    store: &Store,
) -> Result<(FoundSubject, disclosure_log::Disclosed), ApiError> {
    if !identity.works_cases() {
        return Err(ApiError::forbidden(
            "a data-protection officer finds a child through the disclosures of their agency, not the subject index",
        ));
    }
    let SubjectLookup { nhs_number, purpose, lawful_basis, reason } = lookup;
    let vocabulary = &sharing.vocabulary;
    let purpose = vocabulary.parse_purpose(&purpose).map_err(|why| ApiError::invalid("purpose", why))?;
    let lawful_basis =
        vocabulary.parse_lawful_basis(&lawful_basis).map_err(|why| ApiError::invalid("lawful_basis", why))?;
    let subject = find_by_nhs_number(store, nhs_number).await?;
    let id = DisclosureId::new();
    let found = FoundSubject { disclosure_id: id.to_string(), subject: SubjectView::new(&subject, &identity.agency) };
    let body = serde_json::to_vec(&found).map_err(ApiError::internal)?;
    let why =
        ReadWhy { purpose, lawful_basis, reason, meeting: None, policy_hash: sharing.policy.current().hash.clone() };
    let disclosed =
        disclosure_log::commit_read(&sharing.log, id, Kind::Lookup, identity, &subject.id, why, body).await?;
    Ok((found, disclosed))
}

/// The child with NHS number `nhs` in the subject index, or 404.
pub(crate) async fn find_by_nhs_number(store: &Store, nhs: NhsNumber) -> Result<Subject, ApiError> {
    let found = store.run(move |conn| subjects::find_by_nhs_number(conn, &nhs)).await?;
    found.ok_or_else(|| ApiError::not_found("no child with that NHS number is in the subject index"))
}

fn not_casework() -> ApiError {
    ApiError::forbidden("a data-protection officer reviews links; a practitioner or manager of the agency makes them")
}

fn link_entry(
    subject: &SubjectId,
    identity: &Identity,
    change: LinkChange,
    reason: Option<Narrative>,
    now: DateTime<Utc>,
) -> LinkEntry {
    LinkEntry {
        id: LinkEventId::new(),
        subject: subject.clone(),
        agency: identity.agency.clone(),
        change,
        reason,
        recorded_at: now,
        recorded_by: Actor::from(identity),
    }
}

/// The path's child and agency, once the caller is known to act for that agency: another agency's link is refused
/// before the child is looked up, so the answer never says whether the child exists.
fn own_link_path(identity: &Identity, (subject, agency): (String, String)) -> Result<SubjectId, ApiError> {
    if identity.agency.as_str() != agency {
        return Err(ApiError::forbidden(format!(
            "only {agency}'s practitioners and managers link, change or remove {agency}'s reference to a child"
        )));
    }
    if !identity.works_cases() {
        return Err(not_casework());
    }
    SubjectId::parse(&subject).map_err(|_| no_such_child())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"local_ref": "E-1", "reason": "Linked after checking the NHS number against our case system."}))]
pub struct LinkBody {
    /// The agency's own reference for the child (its node's `subject_ref`).
    #[schema(value_type = String, example = "E-1")]
    pub local_ref: LocalRef,
    /// Why, in words; kept in the link's history.
    #[schema(value_type = Option<String>, example = "Linked after checking the NHS number against our case system.")]
    pub reason: Option<Narrative>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Linked to the wrong child in error."}))]
pub struct UnlinkBody {
    /// Why the link is removed; kept in its history.
    #[schema(value_type = String, example = "Linked to the wrong child in error.")]
    pub reason: Narrative,
}

/// An agency's link to a child, after a change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub subject: String,
    pub agency: String,
    /// The reference now; none once removed.
    pub local_ref: Option<String>,
    /// The history event this change made; none when nothing changed.
    #[schema(value_type = Option<LinkEntry>)]
    pub event: Option<LinkEntry>,
}

/// Links (or changes) the caller's agency's reference for a child (a practitioner or manager of `{agency}` only).
/// The same reference again changes nothing. A reference the agency has already linked to another child is a 409
/// that does not say which child.
#[utoipa::path(
    tag = "subjects",
    request_body = LinkBody,
    params(("id" = String, Path, description = "the child's gateway id"), ("agency" = String, Path, description = "the caller's own agency")),
    responses(
        (status = 200, body = LinkView),
        (status = 403, description = "another agency's link, or a DPO", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
        (status = 409, description = "the reference is linked to another child, or the link changed meanwhile", body = ErrorEnvelope),
    )
)]
#[put("/v1/subjects/{id}/local-refs/{agency}")]
pub async fn link_reference(
    identity: Identity,
    path: web::Path<(String, String)>,
    body: ApiJson<LinkBody>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<LinkView>, ApiError> {
    Ok(web::Json(link(&identity, path.into_inner(), body.0, &key, &store).await?))
}

/// Links (or changes) the caller's agency's reference for a child, as `link_reference` does (the console's too).
pub(crate) async fn link(
    identity: &Identity,
    path: (String, String),
    body: LinkBody,
    key: &GatewayKey,
    store: &Store,
) -> Result<LinkView, ApiError> {
    let subject = own_link_path(identity, path)?;
    let LinkBody { local_ref, reason } = body;
    let current = current_link(store, &subject, &identity.agency).await?;
    let change = match current.clone() {
        Some(from) if from == local_ref => return Ok(link_view(&subject, &identity.agency, Some(&from), None)),
        Some(from) => LinkChange::Changed { from, to: local_ref },
        None => LinkChange::Linked { local_ref },
    };
    apply(store, key, identity, subject, change, reason, current).await.map(|j| j.0)
}

/// Removes the caller's agency's link to a child (a practitioner or manager of `{agency}` only): its node is no
/// longer asked about the child. The reason is kept in the link's history.
#[utoipa::path(
    tag = "subjects",
    request_body = UnlinkBody,
    params(("id" = String, Path, description = "the child's gateway id"), ("agency" = String, Path, description = "the caller's own agency")),
    responses(
        (status = 200, body = LinkView),
        (status = 403, description = "another agency's link, or a DPO", body = ErrorEnvelope),
        (status = 404, description = "no such child, or no link of this agency to it", body = ErrorEnvelope),
        (status = 409, description = "the link changed meanwhile", body = ErrorEnvelope),
    )
)]
#[delete("/v1/subjects/{id}/local-refs/{agency}")]
pub async fn unlink_reference(
    identity: Identity,
    path: web::Path<(String, String)>,
    body: ApiJson<UnlinkBody>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<web::Json<LinkView>, ApiError> {
    let subject = own_link_path(&identity, path.into_inner())?;
    let current = current_link(&store, &subject, &identity.agency).await?;
    let Some(local_ref) = current.clone() else {
        return Err(ApiError::not_found("your agency has no link to that child"));
    };
    apply(&store, &key, &identity, subject, LinkChange::Unlinked { local_ref }, Some(body.0.reason), current).await
}

async fn current_link(store: &Store, subject: &SubjectId, agency: &AgencyName) -> Result<Option<LocalRef>, ApiError> {
    let (subject, agency) = (subject.clone(), agency.clone());
    Ok(store.run(move |conn| subjects::link_of(conn, &subject, &agency)).await?)
}

/// Seals the change and writes it if the link is still `expected`.
async fn apply(
    store: &Store,
    key: &GatewayKey,
    identity: &Identity,
    subject: SubjectId,
    change: LinkChange,
    reason: Option<Narrative>,
    expected: Option<LocalRef>,
) -> Result<web::Json<LinkView>, ApiError> {
    let entry = link_entry(&subject, identity, change, reason, Utc::now().trunc_subsecs(6));
    let sealed = seal(LINK_FORMAT, &entry, key)?;
    let written = entry.clone();
    let applied = store.run(move |conn| subjects::apply_link(conn, &written, &sealed, expected.as_ref())).await?;
    match applied {
        Applied::Done => Ok(web::Json(link_view(&subject, &identity.agency, entry.change.now(), Some(entry.clone())))),
        Applied::NoSuchChild => Err(no_such_child()),
        Applied::Moved => Err(ApiError::new(
            ErrorKind::Duplicate,
            "your agency's link to this child changed meanwhile: read it again and retry",
        )),
    }
}

fn link_view(subject: &SubjectId, agency: &AgencyName, now: Option<&LocalRef>, event: Option<LinkEntry>) -> LinkView {
    LinkView {
        subject: subject.to_string(),
        agency: agency.to_string(),
        local_ref: now.map(ToString::to_string),
        event,
    }
}

/// How an agency's current link was made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentLinkView {
    pub local_ref: String,
    pub linked_at: Option<NaiveDateTime>,
    /// The agency whose practitioner made the link; before links were owned, the agency that registered the child
    /// (possibly another agency than the link's).
    pub linked_by_agency: Option<String>,
    pub linked_by_person: Option<String>,
    /// The history event that made it; none for a link made before links were owned.
    pub link_event: Option<String>,
    /// Made before each agency owned its links (by whoever registered the child): worth checking.
    pub before_ownership: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkHistoryView {
    pub subject: String,
    pub agency: String,
    pub current: Option<CurrentLinkView>,
    /// Every link, change and removal, oldest first, with the gateway's signature over each.
    pub history: Vec<SignedLinkEvent>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedLinkEvent {
    #[serde(flatten)]
    pub event: LinkEntry,
    pub signature: String,
}

/// An agency's link to a child and its whole history, for that agency's people (its DPO above all): who linked,
/// changed or removed its reference, when and why.
#[utoipa::path(
    tag = "subjects",
    params(("id" = String, Path, description = "the child's gateway id"), ("agency" = String, Path, description = "the caller's own agency")),
    responses(
        (status = 200, body = LinkHistoryView),
        (status = 403, description = "another agency's link", body = ErrorEnvelope),
        (status = 404, description = "no such child", body = ErrorEnvelope),
    )
)]
#[get("/v1/subjects/{id}/local-refs/{agency}/history")]
pub async fn link_history(
    identity: Identity,
    path: web::Path<(String, String)>,
    store: web::Data<Store>,
) -> Result<web::Json<LinkHistoryView>, ApiError> {
    let (subject, agency) = path.into_inner();
    if identity.agency.as_str() != agency {
        return Err(ApiError::forbidden(format!("only {agency}'s people read {agency}'s links")));
    }
    let subject = SubjectId::parse(&subject).map_err(|_| no_such_child())?;
    let (lookup, agency) = (subject.clone(), identity.agency.clone());
    let (known, current, history) = store
        .run(move |conn| {
            let known = subjects::find_by_id(conn, &lookup)?.is_some();
            let (current, history) = subjects::link_history(conn, &lookup, &agency)?;
            Ok((known, current, history))
        })
        .await?;
    if !known {
        return Err(no_such_child());
    }
    Ok(web::Json(LinkHistoryView {
        subject: subject.to_string(),
        agency: identity.agency.to_string(),
        current: current.map(|c: CurrentLink| CurrentLinkView {
            local_ref: c.local_ref.to_string(),
            linked_at: c.linked_at,
            before_ownership: c.link_event.is_none(),
            linked_by_agency: c.linked_by_agency,
            linked_by_person: c.linked_by_person,
            link_event: c.link_event.map(|e| e.to_string()),
        }),
        history: history
            .into_iter()
            .map(|Signed { entry, signature }| SignedLinkEvent { event: entry, signature })
            .collect(),
    }))
}
