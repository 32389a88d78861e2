//! Sharing: `POST /v1/requests` (records) and `GET /v1/subjects/{id}/holders` (discovery: who holds what, no
//! content). Each handler walks the request's way through in order — parse, decide, fetch, redact, log, answer —
//! and every answer, refusals included, is a logged disclosure.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::broker::{Broker, FetchFor};
use crate::decision::policy::Vocabulary;
use crate::decision::shared::SharedPolicy;
use crate::decision::{self, MeetingStanding, ShareRequest};
use crate::disclosure_log::{self, AgencyPart, Entry, Given, GroundRef, Kind, LogWriter, Outcome, Refused};
use crate::domain::{
    AgencyName, Category, DisclosureId, LawfulBasis, MeetingId, Narrative, Purpose, Subject, SubjectId, SubjectKey,
};
use crate::error::{ApiError, ErrorEnvelope};
use crate::identity::Identity;
use crate::redaction::{self, AgencyReport, SharedRecordKeys};
use crate::register::Actor;
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::store::Store;
use crate::store::register::RegisterCache;
use crate::store::subjects::SubjectCache;

/// What sharing needs besides the store: the closed lists, the policy in force, the way to the nodes, the log, the
/// children already looked up and their consent states already read.
pub struct Sharing {
    pub vocabulary: Vocabulary,
    pub policy: Arc<SharedPolicy>,
    pub broker: Broker,
    /// What each agency's node signs its records with: redaction checks every record against it.
    pub record_keys: Arc<SharedRecordKeys>,
    pub log: LogWriter,
    pub subjects: SubjectCache,
    pub registers: RegisterCache,
}

/// A request for another agency's records about a child.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The child: a gateway subject id (`sub_…`) or an NHS number.
    #[schema(example = "9434765919")]
    pub subject: String,
    #[schema(example = json!(["education.attendance"]))]
    pub categories: Vec<String>,
    #[schema(example = "safeguarding")]
    pub purpose: String,
    #[schema(example = "consent")]
    pub lawful_basis: String,
    /// Why, in words: kept in the disclosure log.
    #[schema(value_type = String, example = "Concerns raised by the school about neglect.")]
    pub reason: Narrative,
    /// For purpose `core_group`: the meeting.
    pub meeting_id: Option<String>,
}

/// Parses the request against the closed lists: a 400 names the field; nothing is decided yet.
fn parse(body: RequestBody, vocabulary: &Vocabulary) -> Result<(SubjectKey, ShareRequest, Narrative), ApiError> {
    let subject = SubjectKey::parse(&body.subject).map_err(|e| ApiError::invalid("subject", format!("subject {e}")))?;
    if body.categories.is_empty() {
        return Err(ApiError::invalid("categories", "name at least one category"));
    }
    let categories = body
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| vocabulary.parse_category(c).map_err(|why| ApiError::invalid(format!("categories[{i}]"), why)))
        .collect::<Result<BTreeSet<Category>, ApiError>>()?;
    let purpose = vocabulary.parse_purpose(&body.purpose).map_err(|why| ApiError::invalid("purpose", why))?;
    let lawful_basis =
        vocabulary.parse_lawful_basis(&body.lawful_basis).map_err(|why| ApiError::invalid("lawful_basis", why))?;
    let meeting = body
        .meeting_id
        .as_deref()
        .map(MeetingId::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("meeting_id", format!("meeting_id {e}")))?;
    if meeting.is_some() && purpose.as_str() != crate::decision::CORE_GROUP {
        return Err(ApiError::invalid(
            "meeting_id",
            format!("meeting_id names a core group meeting: it goes with the purpose core_group, not {purpose}"),
        ));
    }
    Ok((subject, ShareRequest { categories, purpose, lawful_basis, meeting }, body.reason))
}

pub fn no_such_child() -> ApiError {
    ApiError::not_found("no child with that id or NHS number is in the subject index")
}

async fn find_subject(store: &Store, cache: &SubjectCache, key: SubjectKey) -> Result<Arc<Subject>, ApiError> {
    let cache = cache.clone();
    Ok(store.run_brief(move |conn| cache.find(conn, &key)).await?.ok_or_else(no_such_child)?.subject)
}

/// Asks for a child's records in some categories. Decided per category; fetched from the holding agencies at once;
/// redacted to what was allowed; logged before the answer is sent.
#[utoipa::path(
    tag = "sharing",
    request_body = RequestBody,
    responses(
        (status = 200, description = "records that may be seen (`partial` when an agency's part is missing)", body = disclosure_log::Granted),
        (status = 400, description = "a field is missing, unknown or invalid", body = ErrorEnvelope),
        (status = 403, description = "refused: nothing may be seen, with why for each category", body = disclosure_log::Refusal),
        (status = 404, description = "no such child in the subject index", body = ErrorEnvelope),
        (status = 503, description = "the disclosure could not be logged, so nothing was disclosed", body = ErrorEnvelope),
    )
)]
#[post("/v1/requests")]
pub async fn request_records(
    identity: Identity,
    body: ApiJson<RequestBody>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let (key, request, reason) = parse(body.0, &sharing.vocabulary)?;
    // The child, their consent state and the meeting named (if any), in one trip to the store.
    let meeting = request.meeting.clone();
    let (subjects, registers) = (sharing.subjects.clone(), sharing.registers.clone());
    let found = store
        .run_brief(move |conn| match subjects.find(conn, &key)? {
            Some(child) => {
                let consents = registers.consents(conn, &child.subject.id, child.version)?;
                let meeting = meeting.map(|m| crate::routes::meetings::load(conn, &m)).transpose()?.flatten();
                Ok(Some((child.subject, consents, meeting)))
            }
            None => Ok(None),
        })
        .await?;
    let (subject, consents, meeting) = found.ok_or_else(no_such_child)?;
    let standing = request
        .meeting
        .as_ref()
        .map(|_| meeting.map_or(MeetingStanding::Unknown, |m| m.standing(&identity.agency, &subject.id)));
    let disclosed = share(&sharing, &identity, &subject, &consents, request, &reason, standing.as_ref()).await?;
    Ok(disclosed.into_response())
}

/// A request's way through once parsed: decide, fetch, redact, log, and only then the answer.
pub async fn share(
    sharing: &Sharing,
    identity: &Identity,
    subject: &Subject,
    consents: &crate::decision::consent::SubjectConsents,
    request: ShareRequest,
    reason: &Narrative,
    meeting: Option<&MeetingStanding>,
) -> Result<disclosure_log::Disclosed, ApiError> {
    let authorized = decision::authorize(&sharing.policy.current(), identity, request, consents, meeting, Utc::now());
    let id = DisclosureId::new();
    let fetched = sharing
        .broker
        .fetch(&authorized, subject, FetchFor { disclosure: &id, requester: identity, subject: &subject.nhs_number })
        .await;
    let redacted = redaction::redact(&authorized, fetched, &sharing.record_keys.current());
    disclosure_log::commit(
        &sharing.log,
        disclosure_log::Request { id, requester: identity, subject, reason, authorized: &authorized, redacted },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HoldersQuery {
    pub purpose: String,
    pub lawful_basis: String,
    /// Why, in words: kept in the disclosure log.
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Holder {
    pub agency: String,
    /// Categories in which the agency holds records about the child (no content).
    pub categories: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Holders<'a> {
    #[schema(value_type = String)]
    pub disclosure_id: &'a DisclosureId,
    pub holders: Vec<Holder>,
    pub partial: bool,
    pub agencies: Vec<AgencyReport>,
}

/// Which agencies hold records about a child in which categories — no content — among the categories
/// need-to-know policy lets this requester see for this purpose on this basis. Itself a logged disclosure.
#[utoipa::path(
    tag = "sharing",
    params(("id" = String, Path, description = "the child's gateway id"), HoldersQuery),
    responses(
        (status = 200, body = Holders),
        (status = 400, description = "unknown purpose or basis, or no reason", body = ErrorEnvelope),
        (status = 403, description = "policy allows this requester no category for this purpose", body = disclosure_log::Refusal),
        (status = 404, description = "no such child", body = ErrorEnvelope),
        (status = 503, description = "the discovery could not be logged, so nothing was disclosed", body = ErrorEnvelope),
    )
)]
#[get("/v1/subjects/{id}/holders")]
pub async fn holders(
    identity: Identity,
    path: web::Path<String>,
    query: ApiQuery<HoldersQuery>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let Sharing { vocabulary, policy, broker, log, subjects, .. } = sharing.get_ref();
    let query = query.0;
    let purpose: Purpose = vocabulary.parse_purpose(&query.purpose).map_err(|why| ApiError::invalid("purpose", why))?;
    let lawful_basis: LawfulBasis =
        vocabulary.parse_lawful_basis(&query.lawful_basis).map_err(|why| ApiError::invalid("lawful_basis", why))?;
    let reason = Narrative::parse(&query.reason).map_err(|e| ApiError::invalid("reason", format!("reason {e}")))?;
    let id = SubjectId::parse(&path.into_inner())
        .map_err(|_| ApiError::not_found("no child with that id is in the subject index"))?;
    let subject = find_subject(&store, subjects, SubjectKey::Id(id)).await?;

    let policy = policy.current();
    let mut allowed: BTreeMap<AgencyName, BTreeSet<Category>> = BTreeMap::new();
    let mut rules: BTreeMap<Category, String> = BTreeMap::new();
    for category in &vocabulary.categories {
        let verdict = policy.evaluate(
            identity.role.as_str(),
            identity.agency.as_str(),
            category.as_str(),
            purpose.as_str(),
            lawful_basis.as_str(),
        );
        if let (true, Some(rule)) = (verdict.allowed, verdict.rule) {
            allowed.entry(category.holder().clone()).or_default().insert(category.clone());
            rules.insert(category.clone(), rule.reference());
        }
    }
    let disclosure = DisclosureId::new();
    let asked: Vec<Category> = allowed.values().flatten().cloned().collect();
    let answers = broker
        .holdings(
            allowed,
            &subject,
            purpose.as_str(),
            FetchFor { disclosure: &disclosure, requester: &identity, subject: &subject.nhs_number },
        )
        .await;

    let mut holders = Vec::new();
    let mut agencies = Vec::new();
    for (agency, answer) in answers {
        match answer {
            Ok(held) => {
                agencies.push(AgencyReport {
                    agency: agency.clone(),
                    status: "answered",
                    message: None,
                    records: 0,
                    dropped: Default::default(),
                });
                if !held.is_empty() {
                    holders.push((agency, held));
                }
            }
            Err(fault) => agencies.push(redaction::fault_report(agency, &fault)),
        }
    }
    let partial = agencies.iter().any(AgencyReport::incomplete);
    let outcome = match (asked.is_empty(), partial) {
        (true, _) => Outcome::Refused,
        (false, true) => Outcome::Partial,
        (false, false) => Outcome::Granted,
    };
    let (status, body) = if asked.is_empty() {
        let why = format!(
            "need-to-know policy lets your role discover no category for {purpose} on the basis {lawful_basis}"
        );
        let refusal = disclosure_log::Refusal {
            disclosure_id: &disclosure,
            refused: vec![disclosure_log::RefusedView { category: "*".into(), agency: "*".into(), why }],
        };
        (StatusCode::FORBIDDEN, serde_json::to_vec(&refusal).map_err(ApiError::internal)?)
    } else {
        let answer = Holders {
            disclosure_id: &disclosure,
            holders: holders
                .iter()
                .map(|(agency, held)| Holder {
                    agency: agency.to_string(),
                    categories: held.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            partial,
            agencies: agencies.clone(),
        };
        (StatusCode::OK, serde_json::to_vec(&answer).map_err(ApiError::internal)?)
    };
    let entry = Entry {
        id: disclosure.clone(),
        at: Utc::now().trunc_subsecs(6),
        kind: Kind::Discovery,
        requester: Actor::from(&identity),
        subject: subject.id.clone(),
        purpose,
        lawful_basis,
        reason,
        meeting: None,
        policy_hash: policy.hash.clone(),
        asked,
        given: holders
            .iter()
            .flat_map(|(agency, held)| {
                held.iter().map(|category| Given {
                    category: category.clone(),
                    agency: agency.clone(),
                    ground: GroundRef::NeedToKnow,
                    rule: rules.get(category).cloned(),
                    consent: None,
                })
            })
            .collect(),
        refused: Vec::<Refused>::new(),
        agencies: agencies.iter().map(AgencyPart::from).collect(),
        records: Vec::new(),
        outcome,
        response_digest: String::new(),
        review: None,
    };
    Ok(disclosure_log::commit_built(log, entry, status, body).await?.into_response())
}
