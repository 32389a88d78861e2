//! The DPO's tools: query and export the disclosure log, a child's whole history (for a subject-access request),
//! and the review queue of disclosures made without consent and refusals. A DPO sees only entries in which their
//! own agency asked or was asked; everyone else gets 403.

pub mod access_packs;
mod export;
pub mod fhir;
pub mod incidents;
pub mod overview;
pub mod reviews;
mod subject_history;

pub use subject_history::{HistoryLine, history};
pub(crate) use subject_history::{entries_of, history_of};

use crate::disclosure_log::FreshIndex;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::disclosure_log::{Entry, GroundKind, Kind, LoggedEntry, Outcome, VerdictKind};
use crate::store::log::{self, Filter, LogRow};
use crate::store::{Store, StoreError};
use sharegate_core::domain::{AgencyName, DisclosureId, MeetingId, SubjectId};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiQuery;
use sharegate_core::identity::{Dpo, Identity};

const PAGE: i64 = 100;
const MAX_PAGE: i64 = 1000;
pub(super) const EXPORT_PAGE: i64 = 500;

/// An entry as a DPO reads it: its place in the log and the entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisclosureView {
    /// The entry's position in the log.
    pub index: i64,
    #[serde(flatten)]
    pub entry: Entry,
    /// In the review queue: why the entry waits for the DPO's agency. Left out elsewhere.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
    /// In the review queue, for sharing under a meeting: how many of the meeting's disclosures on this page the
    /// line stands for (review them together with `POST /v1/meetings/{id}/review`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_disclosures: Option<usize>,
}

pub(crate) fn view(row: &LogRow) -> Result<DisclosureView, StoreError> {
    let logged: LoggedEntry = serde_json::from_str(&row.canonical).map_err(|e| {
        StoreError::Corrupt(format!("entry {} cannot be read: {e}; run `sharegate log verify`", row.columns.seq))
    })?;
    Ok(DisclosureView { index: row.columns.seq, entry: logged.entry, waiting: Vec::new(), meeting_disclosures: None })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DisclosureQuery {
    /// The child: gateway id or NHS number.
    pub subject: Option<String>,
    /// An agency that asked or was asked.
    pub agency: Option<String>,
    /// Part of the requester's name, in any case (`hugh` finds Tom Hughes).
    pub person: Option<String>,
    pub purpose: Option<String>,
    pub basis: Option<String>,
    /// `granted`, `partial` or `refused`.
    pub decision: Option<String>,
    /// `request`, `discovery`, `review`, `lookup` or `meeting_read`.
    pub kind: Option<String>,
    /// `true`: only answers in which your agency's node sent records that were not passed on.
    pub not_passed_on: Option<bool>,
    /// `true`: only entries a DPO of your agency has reviewed; `false`: only those none has.
    pub reviewed: Option<bool>,
    /// Only entries a DPO of your agency reviewed with this verdict: `appropriate`, `concern` or `breach`.
    pub verdict: Option<String>,
    /// Only entries with a grant on this kind of ground: `consent`, `decision`, `meeting` or `need_to_know`.
    pub ground: Option<String>,
    /// Only entries made under this core group meeting.
    pub meeting: Option<String>,
    /// Only entries whose reason (for a review: its comment) contains this text, in any case.
    pub reason: Option<String>,
    /// From this time (RFC 3339), or the start of this date (UTC), inclusive.
    #[serde(default, deserialize_with = "sharegate_core::domain::time::optional")]
    #[param(value_type = Option<String>, example = "2026-11-01")]
    pub from: Option<DateTime<Utc>>,
    /// Until this time, or the start of this date (UTC), exclusive.
    #[serde(default, deserialize_with = "sharegate_core::domain::time::optional")]
    #[param(value_type = Option<String>, example = "2026-12-01")]
    pub to: Option<DateTime<Utc>>,
    /// `csv`, `json`, or `fhir` (a FHIR R4 Bundle of IHE BALP AuditEvents and the Consents): the whole result,
    /// streamed. Without it, one page.
    pub format: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Export {
    Csv,
    Json,
    /// One FHIR R4 Bundle of AuditEvents and Consents (see `crate::fhir`).
    Fhir,
}

/// The `subject` filter as a gateway id: an NHS number is looked up, and one the index does not hold becomes an id
/// no entry has, so the answer is the same empty one as for a child without entries of the DPO's agency.
pub(crate) async fn subject_as_id(store: &Store, q: &mut DisclosureQuery) -> Result<(), ApiError> {
    let Some(raw) = q.subject.as_deref() else { return Ok(()) };
    if let Ok(sharegate_core::domain::SubjectKey::Nhs(_)) = sharegate_core::domain::SubjectKey::parse(raw) {
        let id = crate::services::sharing::named_child(store, raw).await?.unwrap_or_default();
        q.subject = Some(id.to_string());
    }
    Ok(())
}

pub(crate) fn filter(
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
    let outcomes = <Outcome as strum::VariantArray>::VARIANTS.iter().map(|o| o.as_str()).collect::<Vec<_>>();
    let outcome = one_of("decision", &q.decision, &outcomes)?;
    let kinds = <Kind as strum::VariantArray>::VARIANTS.iter().map(|k| k.as_str()).collect::<Vec<_>>();
    let kind = one_of("kind", &q.kind, &kinds)?;
    let export = match one_of("format", &q.format, &["csv", "json", "fhir"])?.as_deref() {
        Some("csv") => Some(Export::Csv),
        Some("fhir") => Some(Export::Fhir),
        Some(_) => Some(Export::Json),
        None => None,
    };
    let verdicts = VerdictKind::ALL.map(VerdictKind::as_str);
    let verdict = one_of("verdict", &q.verdict, &verdicts)?.and_then(|v| v.parse::<VerdictKind>().ok());
    let grounds = GroundKind::ALL.map(GroundKind::as_str);
    let ground = one_of("ground", &q.ground, &grounds)?.and_then(|g| g.parse::<GroundKind>().ok());
    let meeting = q
        .meeting
        .as_deref()
        .map(|m| MeetingId::parse(m).map_err(|e| ApiError::invalid("meeting", format!("meeting {e}"))))
        .transpose()?;
    let typed = |field: &str, value: &Option<String>| -> Result<Option<String>, ApiError> {
        match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) if v.chars().count() > 200 => {
                Err(ApiError::invalid(field, format!("{field} is longer than 200 characters")))
            }
            Some(v) => Ok(Some(v.to_owned())),
        }
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
            person: typed("person", &q.person)?,
            purpose: purpose.map(String::from),
            basis: basis.map(String::from),
            outcome,
            kind,
            not_passed_on: q.not_passed_on.unwrap_or(false),
            from: q.from.map(|t| t.naive_utc()),
            to: q.to.map(|t| t.naive_utc()),
            reviewed: q.reviewed,
            verdict: verdict.map(VerdictKind::in_text),
            ground: ground.map(GroundKind::in_text),
            meeting: meeting.map(String::from),
            reason: typed("reason", &q.reason)?,
        },
        export,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisclosurePage {
    pub disclosures: Vec<DisclosureView>,
    /// How many entries match, on every page together.
    pub total: i64,
    /// Pass as `after` for the next page; none when this is the last.
    pub next: Option<i64>,
}

/// The disclosure log, filtered: one page (keyset: new entries never repeat or skip), or with `format=csv|json|fhir` the
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
    Dpo(identity): Dpo,
    query: ApiQuery<DisclosureQuery>,
    vocabulary: web::Data<Vocabulary>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let mut query = query;
    subject_as_id(&store, &mut query.0).await?;
    let (filter, export) = filter(&identity, &query.0, &vocabulary)?;
    if let Some(export) = export {
        return Ok(export::stream(store.get_ref().clone(), filter, export));
    }
    let limit = query.0.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let after = query.0.after;
    let (rows, total) = store
        .run(move |conn| Ok((log::search(conn, &filter, after, limit)?, log::count_matching(conn, &filter)?)))
        .await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.columns.seq) } else { None };
    let disclosures = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(DisclosurePage { disclosures, total, next }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// How many (default 100, at most 1000).
    pub limit: Option<i64>,
    /// The `index` of the last entry of the previous page.
    pub after: Option<i64>,
}

/// What waits for the DPO's agency's review, oldest first: entries that involve it and are not reviews — made
/// without consent, refused, or in which its own node sent records that were not passed on — that no DPO of the
/// agency has reviewed yet.
#[utoipa::path(
    tag = "dpo",
    params(QueueQuery),
    responses((status = 200, body = Vec<DisclosureView>), (status = 403, description = "not a DPO", body = ErrorEnvelope))
)]
#[get("/v1/disclosures/unreviewed")]
pub async fn unreviewed(
    Dpo(identity): Dpo,
    query: ApiQuery<QueueQuery>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<web::Json<Vec<DisclosureView>>, ApiError> {
    let limit = query.0.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let agency = identity.agency.to_string();
    let after = query.0.after;
    let rows = store.run(move |conn| log::unreviewed(conn, &agency, after, limit)).await?;
    Ok(web::Json(one_line_per_meeting(waiting(&rows, &identity.agency)?)))
}

/// A meeting's sharing is reviewed as one thing: of the entries that wait only as sharing under a meeting, the page
/// keeps the first of each meeting and says how many of the meeting's disclosures it stands for.
fn one_line_per_meeting(views: Vec<DisclosureView>) -> Vec<DisclosureView> {
    let only_meeting = |v: &DisclosureView| v.waiting == [Waiting::CoreGroupMeeting];
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for v in views.iter().filter(|v| only_meeting(v)) {
        if let Some(m) = &v.entry.meeting {
            *counts.entry(m.to_string()).or_default() += 1;
        }
    }
    let mut shown = std::collections::BTreeSet::new();
    views
        .into_iter()
        .filter_map(|mut v| match (&v.entry.meeting, only_meeting(&v)) {
            (Some(m), true) => {
                let m = m.to_string();
                v.meeting_disclosures = counts.get(&m).copied();
                shown.insert(m).then_some(v)
            }
            _ => Some(v),
        })
        .collect()
}

pub use crate::disclosure_log::Waiting;

/// The review queue's entries as a DPO of `agency` reads them: each with why it waits.
pub(crate) fn waiting(rows: &[LogRow], agency: &AgencyName) -> Result<Vec<DisclosureView>, StoreError> {
    rows.iter()
        .map(|row| {
            let mut shown = view(row)?;
            shown.waiting = Waiting::of(&shown.entry, agency);
            Ok(shown)
        })
        .collect()
}

/// One entry the DPO's agency is in. Any other id answers 404, whether or not it exists.
pub(crate) async fn scoped(store: &Store, identity: &Identity, raw: String) -> Result<LogRow, ApiError> {
    let not_found = || ApiError::not_found("no disclosure with that id involves your agency");
    let id = DisclosureId::parse(&raw).map_err(|_| not_found())?;
    let row = store.run(move |conn| log::find(conn, id.as_str())).await?.ok_or_else(not_found)?;
    if !row.columns.agencies.contains(&format!(",{},", identity.agency)) {
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
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<web::Json<DisclosureView>, ApiError> {
    let row = scoped(&store, &identity, path.into_inner()).await?;
    Ok(web::Json(view(&row)?))
}
