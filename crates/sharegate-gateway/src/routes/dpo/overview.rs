//! The DPO's overview of their agency's part of the log over a period: counts by kind, outcome, purpose, lawful basis
//! and requesting agency, disclosures made without consent week by week, and the review queue's size and age. The
//! console draws it as charts, each with the table it is drawn from.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::FreshIndex;
use crate::store::Store;
use crate::store::log::{self, Tallies};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::extract::ApiQuery;
use sharegate_core::identity::{Dpo, Identity};

/// The period shown when none is asked for: the last twelve weeks.
const DEFAULT_PERIOD: Duration = Duration::weeks(12);
/// The longest period one overview covers: two years of weeks.
const LONGEST_PERIOD: Duration = Duration::weeks(104);
/// How far the queue is counted; beyond it the overview says "at least".
const QUEUE_COUNTED: i64 = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// From this time (RFC 3339), or the start of this date (UTC); default: twelve weeks before `to`.
    #[serde(default, deserialize_with = "sharegate_core::domain::time::optional")]
    #[param(value_type = Option<String>, example = "2026-09-01")]
    pub from: Option<DateTime<Utc>>,
    /// Until this time, or the start of this date (UTC), exclusive; default: now.
    #[serde(default, deserialize_with = "sharegate_core::domain::time::optional")]
    #[param(value_type = Option<String>, example = "2026-12-01")]
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Week {
    /// The Monday the week starts on (UTC).
    pub starting: NaiveDate,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueueState {
    /// How many entries wait for the agency's review (counted as far as 10,000).
    pub waiting: i64,
    /// Whether more wait than were counted.
    pub at_least: bool,
    /// When the entry that has waited longest was made.
    pub oldest: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Every kind of entry the agency is in, reviews included.
    pub by_kind: Vec<Count>,
    /// The rest count every entry but reviews.
    pub by_outcome: Vec<Count>,
    pub by_purpose: Vec<Count>,
    pub by_lawful_basis: Vec<Count>,
    pub by_requesting_agency: Vec<Count>,
    /// Requests answered with records on a basis other than consent, week by week (every week of the period).
    pub shared_without_consent: Vec<Week>,
    /// The review queue now.
    pub queue: QueueState,
}

/// The Monday of `day`'s week.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// `times` counted by their week, for every week from `from`'s to the one before `to` (zeros included).
fn weekly(times: &[chrono::NaiveDateTime], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Week> {
    let mut weeks = Vec::new();
    let mut start = monday(from.date_naive());
    while start.and_time(chrono::NaiveTime::MIN).and_utc() < to {
        weeks.push(Week { starting: start, count: 0 });
        start = start + Days::new(7);
    }
    for t in times {
        if let Some(week) = weeks.iter_mut().find(|w| w.starting == monday(t.date())) {
            week.count += 1;
        }
    }
    weeks
}

fn counts(tally: Vec<(String, i64)>) -> Vec<Count> {
    tally.into_iter().map(|(name, count)| Count { name, count }).collect()
}

/// The overview of `identity`'s agency for the period `query` asks for.
pub(crate) async fn of_agency(store: &Store, identity: &Identity, query: &OverviewQuery) -> Result<Overview, ApiError> {
    let to = query.to.unwrap_or_else(Utc::now);
    let from = query.from.unwrap_or(to - DEFAULT_PERIOD);
    if to <= from {
        return Err(ApiError::invalid("to", "to must be after from"));
    }
    if to - from > LONGEST_PERIOD {
        return Err(ApiError::invalid("from", "an overview covers at most two years (104 weeks)"));
    }
    let agency = identity.agency.to_string();
    let (tallies, waiting) = store
        .run(move |conn| {
            let tallies = log::tallies(conn, &agency, from.naive_utc(), to.naive_utc())?;
            Ok((tallies, log::unreviewed(conn, &agency, None, QUEUE_COUNTED + 1)?))
        })
        .await?;
    let Tallies { by_kind, by_outcome, by_purpose, by_basis, by_requester, shared_without_consent } = tallies;
    let counted = i64::try_from(waiting.len()).unwrap_or(i64::MAX);
    Ok(Overview {
        from,
        to,
        by_kind: counts(by_kind),
        by_outcome: counts(by_outcome),
        by_purpose: counts(by_purpose),
        by_lawful_basis: counts(by_basis),
        by_requesting_agency: counts(by_requester),
        shared_without_consent: weekly(&shared_without_consent, from, to),
        queue: QueueState {
            waiting: counted.min(QUEUE_COUNTED),
            at_least: counted > QUEUE_COUNTED,
            oldest: waiting.first().map(|r| r.columns.at.and_utc()),
        },
    })
}

/// The DPO's agency's part of the log over a period, counted: by kind, outcome, purpose, lawful basis and
/// requesting agency; disclosures without consent week by week; the review queue's size and oldest entry.
#[utoipa::path(
    tag = "dpo",
    params(OverviewQuery),
    responses(
        (status = 200, body = Overview),
        (status = 400, description = "a period that ends before it starts, or longer than two years", body = ErrorEnvelope),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
    )
)]
#[get("/v1/overview")]
pub async fn overview(
    Dpo(identity): Dpo,
    query: ApiQuery<OverviewQuery>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(of_agency(&store, &identity, &query.0).await?))
}

#[cfg(test)]
mod tests;
