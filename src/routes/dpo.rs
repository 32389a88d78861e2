//! The DPO's tools: query and export the disclosure log, a child's whole history (for a subject-access request),
//! and the review queue of disclosures made without consent and refusals. A DPO sees only entries in which their
//! own agency asked or was asked; everyone else gets 403.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::disclosure_log::{Entry, Kind, LogWriter, LoggedEntry, Review};
use crate::domain::{DisclosureId, Narrative, SubjectId};
use crate::error::{ApiError, ErrorEnvelope, ErrorKind};
use crate::identity::Identity;
use crate::register::Actor;
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::store::log::{self, Filter, LogRow};
use crate::store::{Store, StoreError};

const PAGE: i64 = 100;
const MAX_PAGE: i64 = 1000;
const EXPORT_PAGE: i64 = 500;

fn dpo(identity: &Identity) -> Result<(), ApiError> {
    if identity.role.as_str() == "dpo" {
        Ok(())
    } else {
        Err(ApiError::forbidden("the disclosure log is for data-protection officers"))
    }
}

/// An entry as a DPO reads it: its place in the log and the entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisclosureView {
    /// The entry's position in the log.
    pub index: i64,
    #[serde(flatten)]
    pub entry: Entry,
}

fn view(row: &LogRow) -> Result<DisclosureView, StoreError> {
    let logged: LoggedEntry = serde_json::from_str(&row.canonical).map_err(|e| {
        StoreError::Unavailable(format!("entry {} cannot be read: {e}; run `sharegate log verify`", row.seq))
    })?;
    Ok(DisclosureView { index: row.seq, entry: logged.entry })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DisclosureQuery {
    /// The child's gateway id.
    pub subject: Option<String>,
    /// An agency that asked or was asked.
    pub agency: Option<String>,
    /// The requester's name, exactly.
    pub person: Option<String>,
    pub purpose: Option<String>,
    pub basis: Option<String>,
    /// `granted`, `partial` or `refused`.
    pub decision: Option<String>,
    /// `request`, `discovery` or `review`.
    pub kind: Option<String>,
    /// From this time (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this time, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// `csv` or `json`: the whole result, streamed. Without it, one page.
    pub format: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Export {
    Csv,
    Json,
}

fn filter(
    identity: &Identity,
    q: &DisclosureQuery,
    vocabulary: &Vocabulary,
) -> Result<(Filter, Option<Export>), ApiError> {
    let subject = q
        .subject
        .as_deref()
        .map(|s| SubjectId::parse(s).map_err(|e| ApiError::invalid("subject", format!("subject {e}"))))
        .transpose()?;
    let agency = q
        .agency
        .as_deref()
        .map(|a| vocabulary.parse_agency(a).map_err(|why| ApiError::invalid("agency", why)))
        .transpose()?;
    let purpose = q
        .purpose
        .as_deref()
        .map(|p| vocabulary.parse_purpose(p).map_err(|why| ApiError::invalid("purpose", why)))
        .transpose()?;
    let basis = q
        .basis
        .as_deref()
        .map(|b| vocabulary.parse_lawful_basis(b).map_err(|why| ApiError::invalid("basis", why)))
        .transpose()?;
    let one_of = |field: &str, value: &Option<String>, allowed: &[&str]| -> Result<Option<String>, ApiError> {
        match value.as_deref() {
            Some(v) if !allowed.contains(&v) => {
                Err(ApiError::invalid(field, format!("{field} must be one of {}", allowed.join(", "))))
            }
            other => Ok(other.map(str::to_owned)),
        }
    };
    let outcome = one_of("decision", &q.decision, &["granted", "partial", "refused"])?;
    let kind = one_of("kind", &q.kind, &["request", "discovery", "review"])?;
    let export = match one_of("format", &q.format, &["csv", "json"])?.as_deref() {
        Some("csv") => Some(Export::Csv),
        Some(_) => Some(Export::Json),
        None => None,
    };
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to <= from
    {
        return Err(ApiError::invalid("to", "to must be after from"));
    }
    Ok((
        Filter {
            scope: identity.agency.to_string(),
            subject: subject.map(String::from),
            agency: agency.map(String::from),
            person: q.person.clone(),
            purpose: purpose.map(String::from),
            basis: basis.map(String::from),
            outcome,
            kind,
            from: q.from.map(|t| t.naive_utc()),
            to: q.to.map(|t| t.naive_utc()),
        },
        export,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisclosurePage {
    pub disclosures: Vec<DisclosureView>,
    /// Pass as `after` for the next page; none when this is the last.
    pub next: Option<i64>,
}

/// The disclosure log, filtered: one page (keyset: new entries never repeat or skip), or with `format=csv|json` the
/// whole result streamed.
#[utoipa::path(
    tag = "dpo",
    params(DisclosureQuery),
    responses(
        (status = 200, description = "a page (JSON), or with `format` the whole result as CSV or a JSON array", body = DisclosurePage),
        (status = 400, description = "a filter is not valid", body = ErrorEnvelope),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
    )
)]
#[get("/v1/disclosures")]
pub async fn list(
    identity: Identity,
    query: ApiQuery<DisclosureQuery>,
    vocabulary: web::Data<Vocabulary>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    dpo(&identity)?;
    let (filter, export) = filter(&identity, &query.0, &vocabulary)?;
    if let Some(export) = export {
        return Ok(stream(store.get_ref().clone(), filter, export));
    }
    let limit = query.0.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let after = query.0.after;
    let rows = store.run(move |conn| log::search(conn, &filter, after, limit)).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.seq) } else { None };
    let disclosures = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(DisclosurePage { disclosures, next }))
}

/// The columns of a CSV export, in order.
const CSV_HEADER: [&str; 17] = [
    "index",
    "disclosure_id",
    "at",
    "kind",
    "requester_agency",
    "requester_role",
    "requester_person",
    "subject",
    "purpose",
    "lawful_basis",
    "reason",
    "outcome",
    "asked",
    "given",
    "refused",
    "policy_hash",
    "response_digest",
];

/// A spreadsheet runs a cell that starts with = + - @ as a formula; such text is exported with a leading '.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn csv_rows(rows: &[DisclosureView], header: bool) -> Result<Vec<u8>, StoreError> {
    let mut out = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Necessary).from_writer(Vec::new());
    let fail = |e: csv::Error| StoreError::Unavailable(format!("cannot write CSV: {e}"));
    if header {
        out.write_record(CSV_HEADER).map_err(fail)?;
    }
    for v in rows {
        let e = &v.entry;
        let joined = |items: Vec<String>| items.join("; ");
        out.write_record([
            v.index.to_string(),
            e.id.to_string(),
            e.at.to_rfc3339(),
            e.kind.as_str().to_owned(),
            e.requester.agency.to_string(),
            e.requester.role.to_string(),
            cell(e.requester.person.as_str()),
            e.subject.to_string(),
            e.purpose.to_string(),
            e.lawful_basis.to_string(),
            cell(e.reason.as_str()),
            e.outcome.as_str().to_owned(),
            joined(e.asked.iter().map(ToString::to_string).collect()),
            joined(e.given.iter().map(|g| format!("{} ({})", g.category, g.agency)).collect()),
            joined(e.refused.iter().map(|r| cell(&format!("{} ({}): {}", r.category, r.agency, r.why))).collect()),
            e.policy_hash.clone(),
            e.response_digest.clone(),
        ])
        .map_err(fail)?;
    }
    out.into_inner().map_err(|e| StoreError::Unavailable(format!("cannot write CSV: {e}")))
}

/// The whole result, one page at a time: memory stays flat however large the export.
fn stream(store: Store, filter: Filter, export: Export) -> HttpResponse {
    struct State {
        store: Store,
        filter: Filter,
        after: Option<i64>,
        first: bool,
        done: bool,
    }
    let state = State { store, filter, after: None, first: true, done: false };
    let body = futures_util::stream::try_unfold(state, move |mut state| async move {
        if state.done {
            return Ok::<_, actix_web::Error>(None);
        }
        let (filter, after) = (state.filter.clone(), state.after);
        let rows = state
            .store
            .run(move |conn| log::search(conn, &filter, after, EXPORT_PAGE))
            .await
            .map_err(ApiError::from)?;
        state.after = rows.last().map(|r| r.seq).or(state.after);
        let views = rows.iter().map(view).collect::<Result<Vec<_>, _>>().map_err(ApiError::from)?;
        let last = (rows.len() as i64) < EXPORT_PAGE;
        let mut chunk = Vec::new();
        match export {
            Export::Csv => chunk.extend(csv_rows(&views, state.first).map_err(ApiError::from)?),
            Export::Json => {
                if state.first {
                    chunk.push(b'[');
                }
                for (i, v) in views.iter().enumerate() {
                    if !(state.first && i == 0) {
                        chunk.push(b',');
                    }
                    chunk.extend(serde_json::to_vec(v).map_err(ApiError::internal)?);
                }
                if last {
                    chunk.push(b']');
                }
            }
        }
        state.first = false;
        state.done = last;
        Ok(Some((Bytes::from(chunk), state)))
    });
    let (content_type, file) = match export {
        Export::Csv => ("text/csv; charset=utf-8", "disclosures.csv"),
        Export::Json => ("application/json", "disclosures.json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .streaming(body)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// How many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// Disclosures made without consent, and refusals, that involve the DPO's agency and that no DPO of the agency
/// has reviewed yet, oldest first.
#[utoipa::path(
    tag = "dpo",
    params(QueueQuery),
    responses((status = 200, body = Vec<DisclosureView>), (status = 403, description = "not a DPO", body = ErrorEnvelope))
)]
#[get("/v1/disclosures/unreviewed")]
pub async fn unreviewed(
    identity: Identity,
    query: ApiQuery<QueueQuery>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<DisclosureView>>, ApiError> {
    dpo(&identity)?;
    let limit = query.0.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let agency = identity.agency.to_string();
    let rows = store.run(move |conn| log::unreviewed(conn, &agency, limit)).await?;
    Ok(web::Json(rows.iter().map(view).collect::<Result<Vec<_>, _>>()?))
}

/// One entry the DPO's agency is in. Any other id answers 404, whether or not it exists.
async fn scoped(store: &Store, identity: &Identity, raw: String) -> Result<LogRow, ApiError> {
    let not_found = || ApiError::not_found("no disclosure with that id involves your agency");
    let id = DisclosureId::parse(&raw).map_err(|_| not_found())?;
    let row = store.run(move |conn| log::find(conn, id.as_str())).await?.ok_or_else(not_found)?;
    if !row.agencies.contains(&format!(",{},", identity.agency)) {
        return Err(not_found());
    }
    Ok(row)
}

/// One disclosure the DPO's agency is in.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path)),
    responses((status = 200, body = DisclosureView), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
#[get("/v1/disclosures/{id}")]
pub async fn one(
    identity: Identity,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<web::Json<DisclosureView>, ApiError> {
    dpo(&identity)?;
    let row = scoped(&store, &identity, path.into_inner()).await?;
    Ok(web::Json(view(&row)?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[schema(value_type = String, example = "Checked: the s115 decision was endorsed and the sharing proportionate.")]
    pub comment: Narrative,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The review's own entry in the log.
    pub id: String,
    pub disclosure_id: String,
    pub reviewed_by: Actor,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// A DPO of an agency involved reviews a disclosure. The review is itself an entry of the log. The person who made
/// the disclosure cannot review it; each agency reviews a disclosure once.
#[utoipa::path(
    tag = "dpo",
    request_body = ReviewBody,
    params(("id" = String, Path)),
    responses(
        (status = 201, body = ReviewView),
        (status = 403, description = "not a DPO, or the person who made the disclosure", body = ErrorEnvelope),
        (status = 404, description = "no such disclosure involving the DPO's agency", body = ErrorEnvelope),
        (status = 409, description = "already reviewed by a DPO of this agency", body = ErrorEnvelope),
        (status = 503, description = "the review could not be logged", body = ErrorEnvelope),
    )
)]
#[post("/v1/disclosures/{id}/review")]
pub async fn review(
    identity: Identity,
    path: web::Path<String>,
    body: ApiJson<ReviewBody>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
) -> Result<HttpResponse, ApiError> {
    dpo(&identity)?;
    let row = scoped(&store, &identity, path.into_inner()).await?;
    let reviewed = view(&row)?.entry;
    if reviewed.kind == Kind::Review {
        return Err(ApiError::invalid("id", "that entry is itself a review"));
    }
    if reviewed.requester.person == identity.person && reviewed.requester.agency == identity.agency {
        return Err(ApiError::forbidden("you made this disclosure: another DPO must review it"));
    }
    let (id, agency) = (row.id.clone(), identity.agency.to_string());
    if store.run(move |conn| log::reviewed_by(conn, &id, &agency)).await? {
        return Err(ApiError::new(
            ErrorKind::Duplicate,
            format!("a DPO of {} has already reviewed this disclosure", identity.agency),
        ));
    }
    let at = Utc::now().trunc_subsecs(6);
    let entry = Entry {
        id: DisclosureId::new(),
        at,
        kind: Kind::Review,
        requester: Actor::from(&identity),
        subject: reviewed.subject.clone(),
        purpose: reviewed.purpose.clone(),
        lawful_basis: reviewed.lawful_basis.clone(),
        reason: body.0.comment.clone(),
        meeting: reviewed.meeting.clone(),
        policy_hash: reviewed.policy_hash.clone(),
        asked: Vec::new(),
        given: Vec::new(),
        refused: Vec::new(),
        agencies: Vec::new(),
        records: Vec::new(),
        outcome: reviewed.outcome,
        response_digest: String::new(),
        review: Some(Review { disclosure: reviewed.id.clone(), comment: body.0.comment.clone() }),
    };
    let answer = ReviewView {
        id: entry.id.to_string(),
        disclosure_id: reviewed.id.to_string(),
        reviewed_by: Actor::from(&identity),
        comment: body.0.comment.to_string(),
        at,
    };
    let bytes = serde_json::to_vec(&answer).map_err(ApiError::internal)?;
    let disclosed =
        crate::disclosure_log::commit_built(&writer, entry, actix_web::http::StatusCode::CREATED, bytes).await?;
    Ok(disclosed.into_response())
}

/// One line of a child's history, for a person to read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryLine {
    pub disclosure_id: String,
    pub when: DateTime<Utc>,
    /// Who asked, e.g. "Jess Taylor (social_worker, social_care)".
    pub who: String,
    pub kind: String,
    pub asked: Vec<String>,
    /// Given: category, from which agency, and on what ground.
    pub given: Vec<String>,
    /// Refused: category, agency, and why.
    pub refused: Vec<String>,
    pub purpose: String,
    pub basis: String,
    /// Why, in the requester's words.
    pub reason: String,
    pub outcome: String,
    /// The whole of it in one sentence.
    pub summary: String,
}

fn history_line(v: &DisclosureView) -> HistoryLine {
    let e = &v.entry;
    let who = format!("{} ({}, {})", e.requester.person, e.requester.role, e.requester.agency);
    let ground = |g: &crate::disclosure_log::GroundRef| match g {
        crate::disclosure_log::GroundRef::Consent(id) => format!("consent {id}"),
        crate::disclosure_log::GroundRef::Decision(id) => format!("decision not to seek consent {id}"),
        crate::disclosure_log::GroundRef::Meeting(id) => format!("core group meeting {id}"),
        crate::disclosure_log::GroundRef::NeedToKnow => "need-to-know policy (discovery, no content)".to_owned(),
    };
    let given: Vec<String> =
        e.given.iter().map(|g| format!("{} from {} on {}", g.category, g.agency, ground(&g.ground))).collect();
    let refused: Vec<String> =
        e.refused.iter().map(|r| format!("{} from {}: {}", r.category, r.agency, r.why)).collect();
    let asked: Vec<String> = e.asked.iter().map(ToString::to_string).collect();
    let summary = match (&e.kind, &e.review) {
        (Kind::Review, Some(reviewed)) => format!(
            "On {}, {who} reviewed disclosure {}: {}",
            e.at.format("%Y-%m-%d %H:%M UTC"),
            reviewed.disclosure,
            reviewed.comment
        ),
        _ => format!(
            "On {}, {who} asked for {} for {} on the basis {} because: {}. Given: {}. Refused: {}.",
            e.at.format("%Y-%m-%d %H:%M UTC"),
            if asked.is_empty() { "nothing".to_owned() } else { asked.join(", ") },
            e.purpose,
            e.lawful_basis,
            e.reason,
            if given.is_empty() { "nothing".to_owned() } else { given.join("; ") },
            if refused.is_empty() { "nothing".to_owned() } else { refused.join("; ") },
        ),
    };
    HistoryLine {
        disclosure_id: e.id.to_string(),
        when: e.at,
        who,
        kind: e.kind.as_str().to_owned(),
        asked,
        given,
        refused,
        purpose: e.purpose.to_string(),
        basis: e.lawful_basis.to_string(),
        reason: e.reason.to_string(),
        outcome: e.outcome.as_str().to_owned(),
        summary,
    }
}

/// A child's whole history with the DPO's agency — for a subject-access request: who, when, what, why, on what
/// basis — oldest first.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path, description = "the child's gateway id")),
    responses((status = 200, body = Vec<HistoryLine>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
#[get("/v1/subjects/{id}/disclosures")]
pub async fn history(
    identity: Identity,
    path: web::Path<String>,
    store: web::Data<Store>,
) -> Result<web::Json<Vec<HistoryLine>>, ApiError> {
    dpo(&identity)?;
    let subject = SubjectId::parse(&path.into_inner())
        .map_err(|_| ApiError::not_found("no child with that id is in the subject index"))?;
    let filter = Filter { scope: identity.agency.to_string(), subject: Some(subject.to_string()), ..Filter::default() };
    let rows = store
        .run(move |conn| {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = log::search(conn, &filter, after, EXPORT_PAGE)?;
                after = page.last().map(|r| r.seq);
                let done = (page.len() as i64) < EXPORT_PAGE;
                all.extend(page);
                if done {
                    return Ok(all);
                }
            }
        })
        .await?;
    let views = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(views.iter().map(history_line).collect()))
}
