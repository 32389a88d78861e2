//! Sharing: `POST /v1/requests` (records) and `POST /v1/subjects/{id}/holders` (discovery: who holds what, no
//! content). Each handler walks the request's way through in order — parse, decide, fetch, redact, log, answer —
//! and every answer, refusals included, is a logged disclosure.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use serde::Deserialize;

use crate::broker::FetchFor;
use crate::decision::policy::Vocabulary;
use crate::decision::{self, ShareRequest};
use crate::disclosure_log::{self};
use crate::services::sharing::{Sharing, ground_state, no_such_child, share};
use crate::store::Store;
use sharegate_core::domain::{Category, DisclosureId, MeetingId, Narrative, SubjectKey};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiJson;
use sharegate_core::identity::Identity;

/// A request for another agency's records about a child.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject": "9434765919",
    "categories": ["education.attendance"],
    "purpose": "safeguarding",
    "lawful_basis": "consent",
    "reason": "Concerns raised by the school about neglect."
}))]
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
    Ok(ask(&identity, body.0, &sharing, &store).await?.into_response())
}

/// The request `request_records` answers (the console's too), parsed, decided, fetched, redacted and logged.
pub(crate) async fn ask(
    identity: &Identity,
    body: RequestBody,
    sharing: &Sharing,
    store: &Store,
) -> Result<disclosure_log::Disclosed, ApiError> {
    let (key, request, reason) = parse(body, &sharing.vocabulary)?;
    let (subject, consents, standing) = ground_state(store, sharing, identity, key, request.meeting.clone()).await?;
    share(sharing, identity, &subject, &consents, request, &reason, standing.as_ref()).await
}

/// A discovery: which agencies hold records about the child, among the categories that could be granted now.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purpose": "safeguarding",
    "lawful_basis": "consent",
    "reason": "Concerns raised by the school about neglect."
}))]
pub struct DiscoveryBody {
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

/// Which agencies hold records about a child in which categories — no content — among the categories this
/// requester could be granted now for this purpose on this basis: need-to-know policy *and* a ground (consent,
/// decision or meeting), decided as a request is. Itself a logged disclosure; refusals say why. A POST, so that no
/// bare link (from a mail or chat program) makes a disclosure in the clicker's name.
#[utoipa::path(
    tag = "sharing",
    request_body = DiscoveryBody,
    params(("id" = String, Path, description = "the child: gateway id or NHS number")),
    responses(
        (status = 200, body = disclosure_log::Holders),
        (status = 400, description = "unknown purpose or basis, or no reason", body = ErrorEnvelope),
        (status = 403, description = "nothing could be granted now: each category with why", body = disclosure_log::Refusal),
        (status = 404, description = "no such child", body = ErrorEnvelope),
        (status = 503, description = "the discovery could not be logged, so nothing was disclosed", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects/{id}/holders")]
pub async fn holders(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<DiscoveryBody>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    Ok(discover(&identity, &path.into_inner(), body.0, &sharing, &store).await?.into_response())
}

/// The discovery `holders` answers (the console's too), decided as a request is, asked of the nodes, logged.
pub(crate) async fn discover(
    identity: &Identity,
    raw: &str,
    body: DiscoveryBody,
    sharing: &Sharing,
    store: &Store,
) -> Result<disclosure_log::Disclosed, ApiError> {
    let key = SubjectKey::parse(raw).map_err(|_| no_such_child())?;
    let DiscoveryBody { purpose, lawful_basis, reason, meeting_id } = body;
    let policy = sharing.policy.current();
    let vocabulary = &sharing.vocabulary;
    // Every category need-to-know policy lets this role see on this basis is asked, and the decision says which of
    // them have a ground now; when policy allows none, every category is asked, so that each refusal says why.
    let allowed = |c: &&Category| {
        policy.evaluate(identity.role.as_str(), identity.agency.as_str(), c.as_str(), &purpose, &lawful_basis).allowed
    };
    let mut categories: Vec<String> = vocabulary.categories.iter().filter(allowed).map(ToString::to_string).collect();
    if categories.is_empty() {
        categories = vocabulary.categories.iter().map(ToString::to_string).collect();
    }
    let subject = match &key {
        SubjectKey::Id(id) => id.to_string(),
        SubjectKey::Nhs(nhs) => nhs.to_string(),
    };
    let (key, request, reason) =
        parse(RequestBody { subject, categories, purpose, lawful_basis, reason, meeting_id }, vocabulary)?;
    let (subject, consents, standing) = ground_state(store, sharing, identity, key, request.meeting.clone()).await?;
    let authorized = decision::authorize(&policy, identity, request, &consents, standing.as_ref(), Utc::now());
    let id = DisclosureId::new();
    let answers = sharing
        .broker
        .holdings(
            &authorized,
            &subject,
            FetchFor { disclosure: &id, requester: identity, subject: &subject.nhs_number },
        )
        .await;
    let discovery = disclosure_log::Discovery {
        id,
        requester: identity,
        subject: &subject,
        reason: &reason,
        authorized: &authorized,
        answers,
    };
    disclosure_log::commit_discovery(&sharing.log, discovery).await
}
