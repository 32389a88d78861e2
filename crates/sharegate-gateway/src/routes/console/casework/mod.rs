//! The console for the people who work cases — practitioners, managers, coordinators — through the same functions
//! as the API: find a child (a logged lookup), ask for records (a logged disclosure), see the answer as records
//! with their authors and statements, and what was refused and why; a manager's decisions waiting for their
//! endorsement, endorsed from the list; and one's own recent requests.
//!
//! A lookup and an ask are POSTed forms answered with the page itself, not a redirect: what they show was disclosed
//! once, for that request, and a page to come back to would disclose it again.

pub(super) mod meetings;
mod pages;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{given, page, see_other};
use crate::decision::CORE_GROUP;
use crate::decision::policy::Vocabulary;
use crate::register::GatewayKey;
use crate::register::{Competence, GivenBy, HowObtained, Relationship};
use crate::routes::requests::{self, RequestBody};
use crate::routes::subjects::{self, SubjectLookup};
use crate::services::register::{ConsentBody, Register};
use crate::services::sharing::Sharing;
use crate::store::{Store, log, register};
use sharegate_core::domain::{ChildName, LocalRef, Narrative, NhsNumber, PersonName, SubjectId};
use sharegate_core::error::ApiError;
use sharegate_core::extract::ApiForm;
use sharegate_core::identity::{Identity, Manager};

/// How many of one's own requests the start page lists.
const RECENT: i64 = 20;

/// The start page of someone who works cases: find a child; for a manager, the decisions waiting for them; their
/// own latest requests.
pub(super) async fn start(
    identity: Identity,
    sharing: &Sharing,
    store: &Store,
    key: &GatewayKey,
) -> Result<HttpResponse, ApiError> {
    let (agency, person) = (identity.agency.to_string(), identity.person.to_string());
    let manager = identity.role.as_str() == sharegate_core::identity::MANAGER;
    let (asked, waiting) = store
        .run(move |conn| {
            let asked = log::asked_by(conn, &agency, &person, RECENT)?;
            let waiting = if manager { register::awaiting_endorsement(conn, &agency)? } else { Vec::new() };
            Ok((asked, waiting))
        })
        .await?;
    let asked = asked.iter().map(crate::routes::dpo::view).collect::<Result<Vec<_>, _>>()?;
    let waiting: Vec<_> = waiting.into_iter().map(|d| d.entry).collect();
    let choices = Choices::of(&sharing.vocabulary);
    let meetings = meetings::list(&identity, store, key, &sharing.vocabulary).await?;
    let shown = pages::Start { waiting: manager.then_some(&waiting[..]), asked: &asked, meetings: &meetings };
    Ok(page(pages::start(&identity, &choices, &shown)))
}

/// The closed lists a form offers.
pub struct Choices<'a> {
    pub purposes: Vec<&'a str>,
    pub bases: Vec<&'a str>,
    pub categories: Vec<&'a str>,
    pub agencies: Vec<&'a str>,
}

impl<'a> Choices<'a> {
    fn of(vocabulary: &'a Vocabulary) -> Self {
        Self {
            // A core group's sharing is asked for from its meeting, not from here.
            purposes: vocabulary.purposes.iter().map(|p| p.as_str()).filter(|p| *p != CORE_GROUP).collect(),
            bases: vocabulary.lawful_bases.iter().map(|b| b.as_str()).collect(),
            categories: vocabulary.categories.iter().map(|c| c.as_str()).collect(),
            agencies: vocabulary.agencies.iter().map(|a| a.as_str()).collect(),
        }
    }
}

/// The find form: the child's NHS number, and the purpose, basis and reason the lookup is logged with (being in the
/// index is itself a safeguarding signal).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FindForm {
    nhs_number: NhsNumber,
    purpose: String,
    lawful_basis: String,
    reason: Narrative,
}

/// Finds the child (a logged lookup) and shows what this person may ask for, and why not the rest.
pub(super) async fn find(
    identity: Identity,
    form: ApiForm<FindForm>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let FindForm { nhs_number, purpose, lawful_basis, reason } = form.0;
    let lookup = SubjectLookup { nhs_number, purpose: purpose.clone(), lawful_basis: lawful_basis.clone(), reason };
    let (found, _) = subjects::look_up(&identity, lookup, &sharing, &store).await?;
    let policy = sharing.policy.current();
    let offer = sharing
        .vocabulary
        .categories
        .iter()
        .map(|category| {
            let verdict = policy.evaluate(
                identity.role.as_str(),
                identity.agency.as_str(),
                category.as_str(),
                &purpose,
                &lawful_basis,
            );
            pages::Offer {
                category: category.to_string(),
                allowed: verdict.allowed,
                rule: verdict.rule.map(|r| r.reason.clone()),
            }
        })
        .collect::<Vec<_>>();
    let choices = Choices::of(&sharing.vocabulary);
    Ok(page(pages::child(&identity, &found, (&purpose, &lawful_basis), &offer, &choices)))
}

/// The ask form: the child found, what they chose, the purpose and basis carried from the lookup, and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AskForm {
    subject: SubjectId,
    #[serde(default)]
    category: Vec<String>,
    purpose: String,
    lawful_basis: String,
    reason: Narrative,
}

/// Asks, exactly as `POST /v1/requests` does, and shows the answer: the records, each agency's part, what was
/// refused and why, and the disclosure's id for one's own case notes.
pub(super) async fn ask(
    identity: Identity,
    form: ApiForm<AskForm>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let AskForm { subject, category, purpose, lawful_basis, reason } = form.0;
    if category.is_empty() {
        return Err(ApiError::invalid("categories", "choose at least one kind of record to ask for"));
    }
    let body = RequestBody {
        subject: subject.to_string(),
        categories: category,
        purpose,
        lawful_basis,
        reason,
        meeting_id: None,
    };
    let disclosed = requests::ask(&identity, body, &sharing, &store).await?;
    let answer: pages::Answer = serde_json::from_slice(disclosed.body()).map_err(ApiError::internal)?;
    Ok(page(pages::answer(&identity, &answer)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EndorseForm {
    #[serde(default)]
    comment: String,
}

/// A manager endorses a decision not to seek consent from their worklist, as `POST /v1/consent-decisions/{id}/
/// endorse` does; back to the worklist.
pub(super) async fn endorse(
    manager: Manager,
    path: web::Path<String>,
    form: ApiForm<EndorseForm>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let comment = match form.0.comment.trim() {
        "" => None,
        text => Some(Narrative::parse(text).map_err(|e| ApiError::invalid("comment", format!("comment {e}")))?),
    };
    let register = Register { store: &store, key: &key, vocabulary: &vocabulary };
    register.endorse(&manager, &path.into_inner(), comment).await?;
    Ok(see_other("/console".to_owned()))
}

/// The consent form: who gave it and how, what it covers, for how long. Checkbox lists arrive as repeated names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsentForm {
    subject: SubjectId,
    given_by_name: String,
    relationship: Relationship,
    how_obtained: HowObtained,
    #[serde(default)]
    form_reference: String,
    #[serde(default)]
    competence_assessed_by: String,
    #[serde(default)]
    consent_category: Vec<String>,
    #[serde(default)]
    recipient: Vec<String>,
    #[serde(default)]
    consent_purpose: Vec<String>,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

/// Records the family's consent as `POST /v1/subjects/{id}/consents` does, and shows it as recorded.
pub(super) async fn record_consent(
    identity: Identity,
    form: ApiForm<ConsentForm>,
    sharing: web::Data<Sharing>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let f = form.0;
    let name = ChildName::parse(f.given_by_name.trim())
        .map_err(|e| ApiError::invalid("given_by.name", format!("the name of who gave consent {e}")))?;
    let form_reference = given(&f.form_reference)
        .map(|r| LocalRef::parse(&r).map_err(|e| ApiError::invalid("form_reference", format!("form_reference {e}"))))
        .transpose()?;
    let competence = given(&f.competence_assessed_by)
        .map(|who| {
            PersonName::parse(&who).map(|assessed_by| Competence { assessed_by, notes: None }).map_err(|e| {
                ApiError::invalid("competence.assessed_by", format!("who judged the young person competent {e}"))
            })
        })
        .transpose()?;
    let body = ConsentBody {
        given_by: GivenBy { name, relationship: f.relationship },
        categories: f.consent_category,
        recipients: f.recipient,
        purposes: f.consent_purpose,
        valid_from: given(&f.valid_from),
        valid_until: given(&f.valid_until),
        how_obtained: Some(f.how_obtained),
        form_reference,
        competence,
    };
    let register = Register { store: &store, key: &key, vocabulary: &sharing.vocabulary };
    let recorded = register.record_consent(&identity, f.subject.as_str(), body, &sharing.policy.current()).await?;
    Ok(page(pages::consent_recorded(&identity, &recorded)))
}

/// The discovery form: the child found, the purpose and basis carried from the lookup, and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiscoverForm {
    subject: SubjectId,
    purpose: String,
    lawful_basis: String,
    reason: Narrative,
}

/// Asks who holds what about the child (no content), exactly as `POST /v1/subjects/{id}/holders` does.
pub(super) async fn discover(
    identity: Identity,
    form: ApiForm<DiscoverForm>,
    sharing: web::Data<Sharing>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let DiscoverForm { subject, purpose, lawful_basis, reason } = form.0;
    let body = requests::DiscoveryBody { purpose, lawful_basis, reason, meeting_id: None };
    let disclosed = requests::discover(&identity, subject.as_str(), body, &sharing, &store).await?;
    let answer: pages::Holders = serde_json::from_slice(disclosed.body()).map_err(ApiError::internal)?;
    Ok(page(pages::holders(&identity, &answer)))
}

/// The registration form: a child the index does not hold yet, with this agency's own reference if it has one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterForm {
    nhs_number: NhsNumber,
    name: ChildName,
    date_of_birth: chrono::NaiveDate,
    #[serde(default)]
    local_ref: String,
}

/// Registers a child as `POST /v1/subjects` does, and shows what the index now holds.
pub(super) async fn register_child(
    identity: Identity,
    form: ApiForm<RegisterForm>,
    federation: web::Data<sharegate_core::identity::Federation>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let RegisterForm { nhs_number, name, date_of_birth, local_ref } = form.0;
    let local_refs = given(&local_ref)
        .map(|r| LocalRef::parse(&r).map_err(|e| ApiError::invalid("local_ref", format!("your reference {e}"))))
        .transpose()?
        .map(|r| (identity.agency.clone(), r))
        .into_iter()
        .collect();
    let body = subjects::NewSubjectBody { nhs_number, name, date_of_birth, local_refs };
    let view = subjects::register(&identity, body, &federation, &key, &store).await?;
    Ok(page(pages::registered(&identity, &view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkForm {
    local_ref: LocalRef,
    #[serde(default)]
    reason: String,
}

/// Links this agency's reference for the child, as `PUT /v1/subjects/{id}/local-refs/{agency}` does.
pub(super) async fn link(
    identity: Identity,
    path: web::Path<String>,
    form: ApiForm<LinkForm>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let LinkForm { local_ref, reason } = form.0;
    let reason = given(&reason)
        .map(|r| Narrative::parse(&r).map_err(|e| ApiError::invalid("reason", format!("reason {e}"))))
        .transpose()?;
    let path = (path.into_inner(), identity.agency.to_string());
    let linked = subjects::link(&identity, path, subjects::LinkBody { local_ref, reason }, &key, &store).await?;
    Ok(page(pages::linked(&identity, &linked)))
}
