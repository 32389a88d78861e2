//! `GET /v1/notifications`: the owning agency is told. As NHS CP-IS tells a local authority whenever its
//! child-protection information is viewed, an agency's people and systems read here every answer in which another
//! agency received what the agency's node answered — its records, or which categories it holds — in log order, from
//! a cursor they keep.
//!
//! A feed the agency polls, not calls the gateway makes to the agency. It is read from the disclosure log, which
//! holds every entry durably before its answer is sent: a notification cannot be lost to a crash of the gateway, and
//! an answer never waits on an agency's system being up. The cursor is the agency's own, so a poller that stops or
//! restarts picks up where it last processed: at least once, in log order (so in order for each child). The gateway
//! keeps no delivery state and calls out to no one, and an agency whose network admits no calls in is told too.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::{FreshIndex, GroundRef, Kind, LoggedEntry, Outcome};
use crate::redaction::ANSWERED;
use crate::store::log::{self, LogRow};
use crate::store::{Store, StoreError, subjects};
use sharegate_core::domain::{AgencyName, Category, SubjectId};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiQuery;
use sharegate_core::identity::Identity;

const PAGE: i64 = 100;
const MAX_PAGE: i64 = 1000;

/// The kinds of entry in which a node answers for another agency: records, or what it holds.
const TOLD: [Kind; 2] = [Kind::Request, Kind::Discovery];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// The `next` of the last page processed; without it, from the start of the log.
    pub after: Option<i64>,
    /// How many entries of the log to look through (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// One answer in which another agency received what the caller's agency's node answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Notification {
    /// The entry's position in the log.
    pub index: i64,
    /// The disclosure: the agency's DPO reads the whole entry at `GET /v1/disclosures/{id}`.
    pub disclosure_id: String,
    pub at: DateTime<Utc>,
    /// `request` (records were sent) or `discovery` (only which categories the agency holds, and how many records).
    pub kind: Kind,
    /// The child's gateway id.
    pub subject: String,
    /// The agency's own reference for the child, as linked now; absent if it has unlinked it since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_ref: Option<String>,
    pub requester_agency: String,
    pub requester_role: String,
    pub purpose: String,
    pub lawful_basis: String,
    /// The agency's categories the requester was given.
    pub categories: Vec<String>,
    /// What grounded each grant: a consent, a decision not to seek it, a meeting, or need-to-know alone.
    pub grounds: Vec<GroundRef>,
    /// For a request, the agency's records passed on; for a discovery, how many it was told the agency holds.
    pub records: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Pass as `after` next time, once these are processed. It moves past entries looked through that were not
    /// for the agency, so it may be ahead of the last notification; absent only while the log holds nothing for it.
    pub next: Option<i64>,
}

/// Every answer in which another agency received what the caller's agency's node answered, in log order. Any of
/// the agency's people may read it (their agency's records, not the requester's reasons: the DPO has those).
#[utoipa::path(
    tag = "notifications",
    params(NotificationQuery),
    responses(
        (status = 200, body = NotificationPage),
        (status = 400, description = "`after` or `limit` is not a number", body = ErrorEnvelope),
    )
)]
#[get("/v1/notifications")]
pub async fn notifications(
    identity: Identity,
    query: ApiQuery<NotificationQuery>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<web::Json<NotificationPage>, ApiError> {
    let limit = query.0.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let after = query.0.after;
    let agency = identity.agency;
    let page = store
        .run(move |conn| {
            let kinds = TOLD.map(Kind::as_str);
            let rows = log::asked_of(conn, agency.as_str(), &kinds, Outcome::Refused.as_str(), after, limit)?;
            let next = rows.last().map(|r| r.columns.seq).or(after);
            let mut notifications = Vec::new();
            for row in &rows {
                if let Some(mut told) = notification(row, &agency)? {
                    let subject = SubjectId::parse(&told.subject)
                        .map_err(|e| StoreError::Corrupt(format!("entry {}: subject {e}", row.columns.seq)))?;
                    told.local_ref = subjects::link_of(conn, &subject, &agency)?.map(|r| r.to_string());
                    notifications.push(told);
                }
            }
            Ok(NotificationPage { notifications, next })
        })
        .await?;
    Ok(web::Json(page))
}

/// The notification `row` makes for `agency`: one if its node answered (what it sent or holds went to the
/// requester), none if it was not asked, did not know the child, or failed.
fn notification(row: &LogRow, agency: &AgencyName) -> Result<Option<Notification>, StoreError> {
    let logged: LoggedEntry = serde_json::from_str(&row.canonical).map_err(|e| {
        StoreError::Corrupt(format!("entry {} cannot be read: {e}; run `sharegate log verify`", row.columns.seq))
    })?;
    let entry = logged.entry;
    let Some(part) = entry.agencies.iter().find(|p| &p.agency == agency && p.status == ANSWERED) else {
        return Ok(None);
    };
    let given: Vec<_> = entry.given.iter().filter(|g| &g.agency == agency).collect();
    if given.is_empty() {
        return Ok(None);
    }
    let mut grounds: Vec<GroundRef> = Vec::new();
    for g in &given {
        if !grounds.contains(&g.ground) {
            grounds.push(g.ground.clone());
        }
    }
    Ok(Some(Notification {
        index: row.columns.seq,
        disclosure_id: entry.id.to_string(),
        at: entry.at,
        kind: entry.kind,
        subject: entry.subject.to_string(),
        local_ref: None,
        requester_agency: entry.requester.agency.to_string(),
        requester_role: entry.requester.role.to_string(),
        purpose: entry.purpose.to_string(),
        lawful_basis: entry.lawful_basis.to_string(),
        categories: given.iter().map(|g| Category::to_string(&g.category)).collect(),
        grounds,
        records: part.records,
    }))
}
