//! The node's API: its own practitioners write records and amendments; the gateway (and the agency's own
//! practitioners) read them by child and category. Records are never edited or deleted.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::NodeState;
use crate::access::{self, ReadFor};
use crate::dpo_acts::InForce;
use crate::record::{self, RecordBody};
use crate::store::Store;
use crate::store::access::{self as access_store, AccessRow};
use crate::store::dpo_acts as dpo_acts_store;
use crate::store::records::{self, RecordRow};
use sharegate_core::domain::{AccessId, Category, DateOfBirth, LocalRef, NhsNumber, RecordId};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind, Violation};
use sharegate_core::extract::{ApiJson, ApiQuery};
use sharegate_core::identity::{Caller, Dpo, Identity};
use sharegate_protocol::holdings::Holdings;
use sharegate_protocol::record::{self as seal, SignedRecord};

mod dpo_acts;

pub(super) fn register(service: &mut ServiceConfig<'_>) {
    dpo_acts::register(service);
    service
        .service(create_record)
        .service(amend_record)
        .service(read_records)
        .service(holdings)
        .service(access_register)
        .service(record_child)
        .service(refuse_put)
        .service(refuse_patch)
        .service(refuse_delete)
        // HTML for browsers, so not in the OpenAPI document.
        .map(crate::console::configure);
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    #[schema(example = "rec_5f0c8e6a2b9d4e1f8a7b6c5d4e3f2a1b")]
    pub id: String,
    /// The node's ed25519 signature over the sealed record, hex.
    pub signature: String,
}

/// Fields a body may not carry, because the server sets them: the author from the certificate (¶18–19), the
/// recording time from its clock, the id and signature itself.
const SERVER_SET: [&str; 7] = ["author", "recorded_at", "id", "signature", "amends", "agency", "format"];

/// A body as the recording rules see it, with a plainer word for fields the server sets.
fn body_or_explain(body: Result<ApiJson<RecordBody>, ApiError>) -> Result<RecordBody, ApiError> {
    body.map(|b| b.0).map_err(|e| match e.field_name() {
        Some(field) if e.kind() == ErrorKind::UnknownField && SERVER_SET.contains(&field) => ApiError::with_field(
            ErrorKind::UnknownField,
            field,
            format!(
                "'{field}' cannot be given: the author (person, role, agency) comes from your certificate, \
                 the recording time, id and signature from the node"
            ),
        ),
        _ => e,
    })
}

fn admit_writer(node: &NodeState, identity: &Identity) -> Result<(), ApiError> {
    if identity.agency != node.agency {
        return Err(ApiError::forbidden(format!(
            "only practitioners of {} write its records; your certificate names {}",
            node.agency, identity.agency
        )));
    }
    Ok(())
}

async fn store_row(store: &Store, row: RecordRow) -> Result<HttpResponse, ApiError> {
    let created = Created { id: row.id.clone(), signature: row.signature.clone() };
    store.run(move |conn| records::insert(conn, &row)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Records a contact. The author is the certificate's holder; the node signs what it stores.
#[utoipa::path(
    tag = "records",
    request_body = RecordBody,
    responses(
        (status = 201, body = Created),
        (status = 400, description = "malformed, unknown field, or a category or retention class this agency does not have", body = ErrorEnvelope),
        (status = 403, description = "the certificate is not this agency's", body = ErrorEnvelope),
        (status = 422, description = "breaks recording rules: each is listed in `violations`", body = ErrorEnvelope),
        (status = 503, description = "the store cannot be written", body = ErrorEnvelope),
    )
)]
#[post("/v1/records")]
pub async fn create_record(
    identity: Identity,
    body: Result<ApiJson<RecordBody>, ApiError>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_writer(&node, &identity)?;
    let record = record::check(body_or_explain(body)?, &node.rules(), Utc::now())?;
    let row = node.seal(record, &identity, None, Utc::now()).map_err(ApiError::internal)?;
    store_row(&store, row).await
}

/// Corrects a record: a new signed record that points at the original (¶23). The original is never changed.
#[utoipa::path(
    tag = "records",
    request_body = RecordBody,
    params(("id" = String, Path, description = "the original record")),
    responses(
        (status = 201, body = Created),
        (status = 404, description = "no record with that id at this node", body = ErrorEnvelope),
        (status = 422, description = "breaks recording rules, or does not keep the original's child and category", body = ErrorEnvelope),
    )
)]
#[post("/v1/records/{id}/amendments")]
pub async fn amend_record(
    identity: Identity,
    path: web::Path<String>,
    body: Result<ApiJson<RecordBody>, ApiError>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    admit_writer(&node, &identity)?;
    let not_found = || ApiError::not_found("no record with that id at this node");
    let original_id = RecordId::parse(&path.into_inner()).map_err(|_| not_found())?;
    let record = record::check(body_or_explain(body)?, &node.rules(), Utc::now())?;
    let lookup = original_id.to_string();
    let original = store.run(move |conn| records::find(conn, &lookup)).await?.ok_or_else(not_found)?;
    if let Some(root) = original.amends {
        return Err(ApiError::breaks_rules(vec![Violation::new(
            "amend_the_original",
            "id",
            format!("{original_id} is itself an amendment; amend the original record {root}"),
        )]));
    }
    if original.subject_ref != record.subject_ref.as_str() || original.category != record.category.as_str() {
        return Err(ApiError::breaks_rules(vec![Violation::new(
            "amendment_keeps_child_and_category",
            "subject_ref",
            "an amendment keeps the original's subject_ref and category; record a new contact instead",
        )]));
    }
    let row = node.seal(record, &identity, Some(original_id), Utc::now()).map_err(ApiError::internal)?;
    store_row(&store, row).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    /// Comma-separated categories, e.g. `police.incident,police.intelligence`. Only these are returned.
    pub categories: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    /// Each original record followed by its amendments, in order.
    pub records: Vec<SignedRecord>,
    /// Records in the categories asked that are not shared while the agency's DPO restricts them (UK GDPR Art. 18:
    /// their accuracy is disputed). Absent when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub restricted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// 403 for another agency's practitioner: across agencies, only the gateway reads.
fn admit_reader(node: &NodeState, caller: &Caller) -> Result<(), ApiError> {
    match caller {
        Caller::Practitioner(identity) if identity.agency != node.agency => Err(ApiError::forbidden(format!(
            "{}'s records are read across agencies only through the sharegate gateway",
            node.agency
        ))),
        _ => Ok(()),
    }
}

/// A read of a child's records, admitted and parsed: for whom, which child, which categories.
struct Read {
    reading_for: ReadFor,
    subject_ref: LocalRef,
    categories: Vec<Category>,
}

impl Read {
    fn parse(
        req: &HttpRequest,
        caller: &Caller,
        local_ref: &str,
        categories: &str,
        node: &NodeState,
    ) -> Result<Self, ApiError> {
        admit_reader(node, caller)?;
        Ok(Self {
            reading_for: access::read_for(req, caller)?,
            subject_ref: LocalRef::parse(local_ref)
                .map_err(|e| ApiError::invalid("local_ref", format!("local_ref {e}")))?,
            categories: parse_categories(categories, node)?,
        })
    }

    fn category_names(&self) -> Vec<String> {
        self.categories.iter().map(Category::to_string).collect()
    }

    /// Whether the child the gateway asks about is the one this node knows by the reference (`known`: the NHS
    /// number its own practitioners recorded for it, if any). A read for another child is written to the access
    /// register as refused, and refused; one the node cannot check (no NHS number recorded) goes ahead.
    async fn check_child(&self, node: &NodeState, known: Option<String>) -> Result<(), ApiError> {
        let (Some(asked), Some(known)) = (&self.reading_for.subject, known) else { return Ok(()) };
        if asked.as_str() == known {
            return Ok(());
        }
        tracing::warn!(subject_ref = %self.subject_ref, "the gateway asked about another child than this reference's");
        self.write(node, 0, Some("subject_mismatch")).await?;
        Err(ApiError::new(
            ErrorKind::SubjectMismatch,
            "this agency's reference belongs to another child than the one asked about: nothing was read",
        ))
    }

    /// Writes the read to the access register; the answer goes only if this succeeds.
    async fn record(&self, node: &NodeState, returned: usize) -> Result<(), ApiError> {
        self.write(node, returned, None).await
    }

    async fn write(&self, node: &NodeState, returned: usize, refused: Option<&str>) -> Result<(), ApiError> {
        let row = AccessRow {
            id: AccessId::new().to_string(),
            at: Utc::now().naive_utc(),
            disclosure_id: self.reading_for.disclosure_id.as_ref().map(ToString::to_string),
            requester: self.reading_for.requester.clone(),
            purpose: self.reading_for.purpose.clone(),
            reader: self.reading_for.reader.clone(),
            subject_ref: self.subject_ref.to_string(),
            categories: self.category_names().join(","),
            returned: i64::try_from(returned).unwrap_or(i64::MAX),
            refused: refused.map(str::to_owned),
        };
        node.access.submit(row).await.map_err(ApiError::store_unavailable)
    }
}

/// A child's records in the given categories: for the gateway, and for this agency's own practitioners. Every read
/// is written to the access register before it is answered.
#[utoipa::path(
    tag = "records",
    params(
        ("local_ref" = String, Path, description = "the child's reference at this agency"),
        ReadQuery,
        ("Sharegate-Disclosure-Id" = Option<String>, Header, description = "required from the gateway: the disclosure this read serves"),
        ("Sharegate-Requester" = Option<String>, Header, description = "required from the gateway: agency/role of who asked"),
        ("Sharegate-Purpose" = Option<String>, Header, description = "required from the gateway: why"),
        ("Sharegate-Subject-Nhs-Number" = Option<String>, Header, description = "required from the gateway: the child asked about"),
    ),
    responses(
        (status = 200, body = RecordList),
        (status = 400, description = "no categories, one this agency does not have, or the gateway's headers missing", body = ErrorEnvelope),
        (status = 403, description = "another agency's practitioner: cross-agency reads go through the gateway", body = ErrorEnvelope),
        (status = 409, description = "`subject_mismatch`: the reference belongs to another child than the NHS number the gateway named", body = ErrorEnvelope),
        (status = 503, description = "the read cannot be recorded in the access register, so it is not made", body = ErrorEnvelope),
    )
)]
#[get("/v1/subjects/{local_ref}/records")]
pub async fn read_records(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    query: ApiQuery<ReadQuery>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<web::Json<RecordList>, ApiError> {
    let read = Read::parse(&req, &caller, &path.into_inner(), &query.0.categories, &node)?;
    let (lookup, asked) = (read.subject_ref.clone(), read.category_names());
    let (known, rows, in_force) = store
        .run_brief(move |conn| {
            let known = access_store::nhs_number_of(conn, lookup.as_str())?;
            let rows = records::for_subject(conn, lookup.as_str(), &asked)?;
            let in_force = InForce::from_acts(&dpo_acts_store::for_subject(conn, lookup.as_str())?);
            Ok((known, rows, in_force))
        })
        .await?;
    read.check_child(&node, known).await?;
    let (withheld, rows): (Vec<_>, Vec<_>) = rows.into_iter().partition(|row| in_force.withholds(row));
    read.record(&node, rows.len()).await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let record = seal::open(&row.sealed).map_err(|e| ApiError::store_corrupt(format!("record {}: {e}", row.id)))?;
        // The signed text decides, not the index column: a record is served only in a category that was asked.
        if !read.categories.contains(&record.category) {
            tracing::error!(record = %row.id, "a record's category column disagrees with its signed text; not served");
            continue;
        }
        list.push(SignedRecord { record, signature: row.signature });
    }
    Ok(web::Json(RecordList { records: list, restricted: withheld.len() }))
}

/// Whether this agency holds records about a child in the given categories: no content. Recorded in the access
/// register like any read.
#[utoipa::path(
    tag = "records",
    params(("local_ref" = String, Path), ReadQuery),
    responses((status = 200, body = Holdings), (status = 400, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope))
)]
#[get("/v1/subjects/{local_ref}/holdings")]
pub async fn holdings(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    query: ApiQuery<ReadQuery>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<web::Json<Holdings>, ApiError> {
    let read = Read::parse(&req, &caller, &path.into_inner(), &query.0.categories, &node)?;
    let (lookup, asked) = (read.subject_ref.clone(), read.category_names());
    let (known, held) = store
        .run_brief(move |conn| {
            let known = access_store::nhs_number_of(conn, lookup.as_str())?;
            Ok((known, records::holdings(conn, lookup.as_str(), &asked)?))
        })
        .await?;
    read.check_child(&node, known).await?;
    read.record(&node, held.iter().map(|(_, n)| usize::try_from(*n).unwrap_or(0)).sum()).await?;
    let records = held.iter().map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum();
    Ok(web::Json(Holdings { categories: held.into_iter().filter(|(_, n)| *n > 0).map(|(c, _)| c).collect(), records }))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nhs_number": "9434765919", "date_of_birth": "2015-03-02"}))]
pub struct ChildBody {
    /// The NHS number this agency's reference belongs to, as its own case system has it.
    #[schema(value_type = String, example = "9434765919")]
    pub nhs_number: NhsNumber,
    /// The child's date of birth, as the agency's case system has it: retention rules may count from it (¶20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<chrono::NaiveDate>,
}

/// Records which child one of this agency's references belongs to (its own practitioners and managers): the node
/// then refuses any read of that reference made for another child — a wrong link at the gateway sends nothing.
#[utoipa::path(
    tag = "records",
    request_body = ChildBody,
    params(("local_ref" = String, Path, description = "the child's reference at this agency")),
    responses(
        (status = 200, body = ChildBody),
        (status = 400, description = "not a valid NHS number or reference", body = ErrorEnvelope),
        (status = 403, description = "not a practitioner or manager of this agency", body = ErrorEnvelope),
    )
)]
#[put("/v1/children/{local_ref}")]
pub async fn record_child(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<ChildBody>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<web::Json<ChildBody>, ApiError> {
    admit_writer(&node, &identity)?;
    if !identity.works_cases() {
        return Err(ApiError::forbidden("a data-protection officer does not record the agency's children"));
    }
    let local_ref =
        LocalRef::parse(&path.into_inner()).map_err(|e| ApiError::invalid("local_ref", format!("local_ref {e}")))?;
    let ChildBody { nhs_number, date_of_birth } = body.0;
    if let Some(born) = date_of_birth {
        DateOfBirth::parse(born, Utc::now().date_naive())
            .map_err(|_| ApiError::invalid("date_of_birth", "date_of_birth is in the future"))?;
    }
    let stored = nhs_number.clone();
    store
        .run(move |conn| {
            access_store::record_child(
                conn,
                local_ref.as_str(),
                access_store::Child { nhs_number: stored.as_str(), date_of_birth },
                Utc::now().naive_utc(),
                identity.person.as_str(),
                &identity.serial,
            )
        })
        .await?;
    Ok(web::Json(ChildBody { nhs_number, date_of_birth }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub id: String,
    /// When, in UTC.
    pub at: chrono::DateTime<Utc>,
    pub disclosure_id: Option<String>,
    pub requester: String,
    pub purpose: String,
    pub reader: String,
    pub subject_ref: String,
    pub categories: Vec<String>,
    pub returned: i64,
    /// Why the read was refused (`subject_mismatch`: the reference belongs to another child); none when answered.
    pub refused: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessQuery {
    /// How many reads (default 100, at most 1000).
    pub limit: Option<u16>,
    /// The `id` of the last read of the previous page: the reads older than it.
    pub after: Option<String>,
}

/// Every read of this agency's records, newest first, a page at a time (`after` the last id of the previous page):
/// for this agency's DPO.
#[utoipa::path(
    tag = "records",
    params(AccessQuery),
    responses((status = 200, body = Vec<AccessEntry>), (status = 403, description = "not this agency's DPO", body = ErrorEnvelope))
)]
#[get("/v1/access-register")]
pub async fn access_register(
    Dpo(identity): Dpo,
    query: ApiQuery<AccessQuery>,
    node: web::Data<NodeState>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<AccessEntry>>, ApiError> {
    if identity.agency != node.agency {
        return Err(ApiError::forbidden(format!(
            "the access register is for {}'s data-protection officer",
            node.agency
        )));
    }
    let limit = i64::from(query.0.limit.unwrap_or(100).clamp(1, 1000));
    let after = query.0.after;
    let rows = store.run(move |conn| access_store::recent(conn, after.as_deref(), limit)).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| AccessEntry {
                id: r.id,
                at: r.at.and_utc(),
                disclosure_id: r.disclosure_id,
                requester: r.requester,
                purpose: r.purpose,
                reader: r.reader,
                subject_ref: r.subject_ref,
                categories: r.categories.split(',').map(str::to_owned).collect(),
                returned: r.returned,
                refused: r.refused,
            })
            .collect(),
    ))
}

fn parse_categories(list: &str, node: &NodeState) -> Result<Vec<Category>, ApiError> {
    let mut categories = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let category = Category::parse(name)
            .ok()
            .filter(|c| node.categories.contains(c))
            .ok_or_else(|| ApiError::invalid("categories", format!("'{name}' is not a category of {}", node.agency)))?;
        // Named twice is asked once: each category is read once, so no record is served twice.
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    if categories.is_empty() {
        return Err(ApiError::invalid("categories", "name at least one category"));
    }
    Ok(categories)
}

fn immutable() -> ApiError {
    ApiError::new(
        ErrorKind::MethodNotAllowed,
        "records are never edited or deleted (they may be evidence in court); post an amendment to /v1/records/{id}/amendments",
    )
}

/// Refused: records are never edited.
#[utoipa::path(tag = "records", params(("id" = String, Path)), responses((status = 405, body = ErrorEnvelope)))]
#[put("/v1/records/{id}")]
pub async fn refuse_put() -> Result<HttpResponse, ApiError> {
    Err(immutable())
}

/// Refused: records are never edited.
#[utoipa::path(tag = "records", params(("id" = String, Path)), responses((status = 405, body = ErrorEnvelope)))]
#[patch("/v1/records/{id}")]
pub async fn refuse_patch() -> Result<HttpResponse, ApiError> {
    Err(immutable())
}

/// Refused: records are never deleted (retention removes them, leaving a tombstone).
#[utoipa::path(tag = "records", params(("id" = String, Path)), responses((status = 405, body = ErrorEnvelope)))]
#[delete("/v1/records/{id}")]
pub async fn refuse_delete() -> Result<HttpResponse, ApiError> {
    Err(immutable())
}
