//! The subject index: `POST /v1/subjects`, `GET /v1/subjects?nhs_number=…`.
//!
//! The index says which gateway id a child has. Which agencies hold records about the child is itself a
//! disclosure (`/holders`, logged), so a lookup shows only the caller's own agency's reference.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AgencyName, ChildName, DateOfBirth, LocalRef, NewSubject, NhsNumber, Subject};
use crate::error::{ApiError, ErrorEnvelope};
use crate::identity::{Federation, Identity};
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::store::{Store, subjects};

/// A child to add to the index.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubjectBody {
    /// Ten digits with a valid check digit; spaces between groups are allowed.
    #[schema(value_type = String, example = "9434765919")]
    pub nhs_number: NhsNumber,
    #[schema(value_type = String, example = "Lily Example")]
    pub name: ChildName,
    #[schema(example = "2015-03-02")]
    pub date_of_birth: NaiveDate,
    /// Each agency's own reference for the child, by agency.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>, example = json!({"police": "P-1", "education": "UPN-77"}))]
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
    fn new(subject: Subject, show_refs_of: Option<&AgencyName>) -> Self {
        Self {
            id: subject.id.into(),
            nhs_number: subject.nhs_number.into(),
            name: subject.name.into(),
            date_of_birth: subject.date_of_birth,
            local_refs: subject
                .local_refs
                .into_iter()
                .filter(|(agency, _)| show_refs_of.is_none_or(|a| a == agency))
                .map(|(agency, local_ref)| (agency.into(), local_ref.into()))
                .collect(),
        }
    }
}

fn parse_new_subject(body: NewSubjectBody, federation: &Federation) -> Result<NewSubject, ApiError> {
    let today = Utc::now().date_naive();
    let date_of_birth = DateOfBirth::parse(body.date_of_birth, today)
        .map_err(|e| ApiError::invalid("date_of_birth", format!("date_of_birth {e}")))?;
    if let Some(unknown) = body.local_refs.keys().find(|a| !federation.agencies.contains(*a)) {
        return Err(ApiError::invalid(
            format!("local_refs.{unknown}"),
            format!("agency '{unknown}' is not part of this federation"),
        ));
    }
    Ok(NewSubject { nhs_number: body.nhs_number, name: body.name, date_of_birth, local_refs: body.local_refs })
}

/// Adds a child to the subject index.
#[utoipa::path(
    tag = "subjects",
    request_body = NewSubjectBody,
    responses(
        (status = 201, body = SubjectView),
        (status = 400, description = "a field is missing, unknown or invalid", body = ErrorEnvelope),
        (status = 409, description = "the NHS number (or an agency's local reference) is already in the index", body = ErrorEnvelope),
        (status = 413, description = "the body is over the limit", body = ErrorEnvelope),
        (status = 503, description = "the store cannot be written", body = ErrorEnvelope),
    )
)]
#[post("/v1/subjects")]
pub async fn create_subject(
    identity: Identity,
    body: ApiJson<NewSubjectBody>,
    federation: web::Data<Federation>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let subject = parse_new_subject(body.0, &federation)?;
    let now = Utc::now().naive_utc();
    let created = subject.clone();
    let id = store.run(move |conn| subjects::insert(conn, &created, &identity, now)).await?;
    let view = SubjectView::new(
        Subject {
            id,
            nhs_number: subject.nhs_number,
            name: subject.name,
            date_of_birth: subject.date_of_birth.date(),
            local_refs: subject.local_refs,
        },
        None,
    );
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubjectLookup {
    /// The child's NHS number.
    #[param(value_type = String, example = "9434765919")]
    pub nhs_number: NhsNumber,
}

/// Finds a child in the index by NHS number.
#[utoipa::path(
    tag = "subjects",
    params(SubjectLookup),
    responses(
        (status = 200, body = SubjectView),
        (status = 400, description = "the NHS number is not valid", body = ErrorEnvelope),
        (status = 404, description = "no child with that NHS number is in the index", body = ErrorEnvelope),
    )
)]
#[get("/v1/subjects")]
pub async fn find_subject(
    identity: Identity,
    query: ApiQuery<SubjectLookup>,
    store: web::Data<Store>,
) -> Result<web::Json<SubjectView>, ApiError> {
    let subject = find_by_nhs_number(&store, query.0.nhs_number).await?;
    Ok(web::Json(SubjectView::new(subject, Some(&identity.agency))))
}

/// The child with NHS number `nhs` in the subject index, or 404.
pub(crate) async fn find_by_nhs_number(store: &Store, nhs: NhsNumber) -> Result<Subject, ApiError> {
    let found = store.run(move |conn| subjects::find_by_nhs_number(conn, &nhs)).await?;
    found.ok_or_else(|| ApiError::not_found("no child with that NHS number is in the subject index"))
}
