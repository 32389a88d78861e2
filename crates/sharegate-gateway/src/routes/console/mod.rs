//! The DPO web console: the DPO's tools as server-rendered pages, for a browser that holds the DPO's client
//! certificate — the review queue (grouped, reviewed several at a time), the search of the log (and its CSV
//! export), one disclosure with its review form and every agency's reviews, the incidents breaches opened with
//! Art. 33's clock, a child's history for a subject-access request. No scripts and no build step.
//!
//! The pages read through the same functions as the JSON API, so they see exactly what the API lets the DPO see
//! (entries their own agency is in; anything else is "not found"), and a review made here is the same log entry.
//!
//! A browser sends its client certificate with every request to the gateway, including requests another site makes
//! it send: `cross_site` refuses those (a review form posted from elsewhere among them). The pages forbid being
//! framed, scripts, and caching (they hold personal data).

mod casework;
mod charts;
mod pages;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use maud::Markup;
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::disclosure_log::VerdictKind;
use crate::disclosure_log::{FreshIndex, LogWriter};
use crate::incidents::Outcome;
use crate::register::GatewayKey;
use crate::routes::dpo::incidents::{self as incidents_api, CloseIncidentBody};
use crate::routes::dpo::reviews::{self, Finding, NotReviewable};
use crate::routes::dpo::{self, DisclosureQuery, DisclosureView, history_of, scoped, view};
use crate::routes::log::LogKey;
use crate::store::{Store, log};
use pages::{Choices, Reviewing};
use sharegate_core::domain::Narrative;
use sharegate_core::error::ApiError;
use sharegate_core::extract::{ApiForm, ApiQuery};
use sharegate_core::identity::{Dpo, Identity};

/// How many entries a page of search results or of the queue shows.
const PAGE: i64 = 50;

/// Registers the console under `/console`.
pub fn configure(config: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    config.service(
        web::scope("/console")
            .wrap(sharegate_core::pages::errors(|status, reason, message| {
                pages::error(status, reason, message).into_string()
            }))
            .wrap(sharegate_core::pages::headers())
            .route("", web::get().to(start))
            .route("/", web::get().to(start))
            .route("/find", web::post().to(casework::find))
            .route("/ask", web::post().to(casework::ask))
            .route("/discover", web::post().to(casework::discover))
            .route("/children", web::post().to(casework::register_child))
            .route("/children/{id}/link", web::post().to(casework::link))
            .route("/consents", web::post().to(casework::record_consent))
            .route("/meetings", web::post().to(casework::meetings::convene))
            .route("/meetings/{id}", web::get().to(casework::meetings::show))
            .route("/meetings/{id}/attendance", web::post().to(casework::meetings::attendance))
            .route("/meetings/{id}/views", web::post().to(casework::meetings::view))
            .route("/meetings/{id}/decisions", web::post().to(casework::meetings::decision))
            .route("/meetings/{id}/close", web::post().to(casework::meetings::close))
            .route("/decisions/{id}/endorse", web::post().to(casework::endorse))
            .route("/style.css", web::get().to(sharegate_core::pages::style))
            .route("/overview", web::get().to(overview))
            .route("/disclosures", web::get().to(search))
            .route("/disclosures/{id}", web::get().to(disclosure))
            .route("/disclosures/{id}/review", web::post().to(review))
            .route("/disclosures/{id}/proof", web::get().to(proof))
            .route("/reviews", web::post().to(review_several))
            .route("/incidents", web::get().to(incidents))
            .route("/incidents/{id}", web::get().to(incident))
            .route("/incidents/{id}/close", web::post().to(close_incident))
            .route("/policy", web::get().to(policy_changes))
            .route("/subjects", web::get().to(find_child))
            .route("/subjects/{id}", web::get().to(history))
            .route("/subjects/{id}/register", web::get().to(register))
            .default_service(web::to(not_found)),
    )
}

pub(super) fn page(markup: Markup) -> HttpResponse {
    sharegate_core::pages::page(markup.into_string())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("the console has no such page"))
}

/// The policy changes the log holds, the latest first (as `GET /v1/policy/changes` gives them).
async fn policy_changes(Dpo(identity): Dpo, store: web::Data<Store>, _: FreshIndex) -> Result<HttpResponse, ApiError> {
    let changes = crate::disclosure_log::policy_change::latest(&store, None, PAGE).await?;
    Ok(page(pages::policy_changes(&identity, &changes)))
}

/// Where a page of the queue starts, and how it is grouped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueuePage {
    after: Option<i64>,
    #[serde(default)]
    group: Grouping,
}

/// How the queue's page is grouped: in log order (the oldest first), or by child, requester or meeting — each group
/// with its oldest entry first, the group whose oldest entry waits longest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub(super) enum Grouping {
    #[default]
    None,
    Child,
    Requester,
    Meeting,
}

impl Grouping {
    const ALL: [Grouping; 4] = [Grouping::None, Grouping::Child, Grouping::Requester, Grouping::Meeting];

    /// The key an entry is grouped under, and the group's heading.
    fn key(self, v: &DisclosureView, children: &Children) -> Option<(String, String)> {
        let e = &v.entry;
        match self {
            Grouping::None => None,
            Grouping::Child => {
                Some((e.subject.to_string(), format!("Child: {}", pages::child(children, e.subject.as_str()))))
            }
            Grouping::Requester => Some((
                format!("{}/{}", e.requester.agency, e.requester.person),
                format!("Asked by {} ({}, {})", e.requester.person, e.requester.role, e.requester.agency),
            )),
            Grouping::Meeting => Some(match &e.meeting {
                Some(m) => (m.to_string(), format!("Core group meeting {m}")),
                None => (String::new(), "Not under a meeting".to_owned()),
            }),
        }
    }

    /// The page's entries in groups (one untitled group when not grouped), the longest-waiting group first.
    fn apply(self, waiting: Vec<DisclosureView>, children: &Children) -> Vec<pages::Group> {
        let mut groups: Vec<(String, pages::Group)> = Vec::new();
        for v in waiting {
            let (key, title) = self.key(&v, children).unwrap_or_default();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, group)) => group.entries.push(v),
                None => groups.push((key, pages::Group { title, entries: vec![v] })),
            }
        }
        // Entries come oldest first, so each group's first entry is its oldest, and the groups are already in the
        // order of their oldest entries.
        groups.into_iter().map(|(_, g)| g).collect()
    }
}

/// The names and NHS numbers of the children a page's entries are about, by gateway id.
pub(super) type Children = std::collections::BTreeMap<String, crate::store::subjects::Known>;

async fn children_of<'a>(
    store: &Store,
    views: impl IntoIterator<Item = &'a DisclosureView>,
) -> Result<Children, ApiError> {
    children(store, views.into_iter().map(|v| v.entry.subject.to_string())).await
}

/// The names and NHS numbers of the children with these gateway ids: one query.
pub(super) async fn children(store: &Store, ids: impl IntoIterator<Item = String>) -> Result<Children, ApiError> {
    let ids: Vec<String> = ids.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    Ok(store
        .run(move |conn| crate::store::subjects::known(conn, &ids.iter().map(String::as_str).collect::<Vec<_>>()))
        .await?)
}

/// Each role's start page: a DPO's review queue; for everyone else, their casework.
async fn start(
    identity: Identity,
    query: ApiQuery<QueuePage>,
    sharing: web::Data<crate::services::sharing::Sharing>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    fresh: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    if identity.works_cases() {
        casework::start(identity, &sharing, &store, &key).await
    } else {
        queue(Dpo::of(identity)?, query, store, fresh).await
    }
}

async fn queue(
    Dpo(identity): Dpo,
    query: ApiQuery<QueuePage>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let QueuePage { after, group } = query.0;
    let agency = identity.agency.to_string();
    let (rows, checkpoint) = store
        .run(move |conn| Ok((log::unreviewed(conn, &agency, after, PAGE)?, log::latest_checkpoint(conn)?)))
        .await?;
    let next = (rows.len() as i64 == PAGE)
        .then(|| {
            rows.last().map(|r| {
                let mut link = format!("/console?after={}", r.columns.seq);
                if group != Grouping::None {
                    link.push_str(&format!("&group={}", <&str>::from(group)));
                }
                link
            })
        })
        .flatten();
    let waiting = dpo::waiting(&rows, &identity.agency)?;
    let children = children_of(&store, &waiting).await?;
    let groups = group.apply(waiting, &children);
    let shown = pages::Queue { groups: &groups, group, next: next.as_deref(), checkpoint: checkpoint.as_ref() };
    Ok(page(pages::queue(&identity, &shown, &children, Utc::now())))
}

/// The overview's period as the form sends it: dates, `to` inclusive; empty for the last twelve weeks.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PeriodForm {
    from: String,
    to: String,
}

async fn overview(
    Dpo(identity): Dpo,
    form: ApiQuery<PeriodForm>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
    let to = date("to", &form.0.to)?
        .map(|d| d.checked_add_days(Days::new(1)).ok_or_else(|| ApiError::invalid("to", "to is too late")))
        .transpose()?
        .map(midnight);
    let from = date("from", &form.0.from)?.map(midnight);
    let query = dpo::overview::OverviewQuery { from, to };
    let shown = dpo::overview::of_agency(&store, &identity, &query).await?;
    Ok(page(pages::overview(&identity, &shown, Utc::now())))
}

/// The search form as the browser sends it: every field present, the unused ones empty.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SearchForm {
    pub(super) subject: String,
    pub(super) agency: String,
    pub(super) person: String,
    pub(super) purpose: String,
    pub(super) basis: String,
    pub(super) decision: String,
    pub(super) kind: String,
    /// `true` when the box is ticked.
    pub(super) not_passed_on: String,
    /// `yes`, `no`, or empty for either.
    pub(super) reviewed: String,
    pub(super) verdict: String,
    pub(super) ground: String,
    pub(super) meeting: String,
    pub(super) reason: String,
    pub(super) from: String,
    pub(super) to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<i64>,
}

/// A form's field, unless left empty.
pub(super) fn given(field: &str) -> Option<String> {
    let field = field.trim();
    (!field.is_empty()).then(|| field.to_owned())
}

fn date(field: &str, value: &str) -> Result<Option<NaiveDate>, ApiError> {
    given(value)
        .map(|v| {
            NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, format!("{field} must be a date (YYYY-MM-DD)")))
        })
        .transpose()
}

impl SearchForm {
    /// The same query the JSON API takes: the dates as the start of `from` and the end of `to`, in UTC.
    fn query(&self) -> Result<DisclosureQuery, ApiError> {
        let midnight = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN));
        let from = date("from", &self.from)?.map(midnight);
        let to = date("to", &self.to)?
            .map(|d| d.checked_add_days(Days::new(1)).ok_or_else(|| ApiError::invalid("to", "to is too late")))
            .transpose()?
            .map(midnight);
        Ok(DisclosureQuery {
            subject: given(&self.subject),
            agency: given(&self.agency),
            person: given(&self.person),
            purpose: given(&self.purpose),
            basis: given(&self.basis),
            decision: given(&self.decision),
            kind: given(&self.kind),
            not_passed_on: match given(&self.not_passed_on).as_deref() {
                None => None,
                Some("true") => Some(true),
                Some(_) => return Err(ApiError::invalid("not_passed_on", "not_passed_on is true or absent")),
            },
            reviewed: match given(&self.reviewed).as_deref() {
                None => None,
                Some("yes") => Some(true),
                Some("no") => Some(false),
                Some(_) => return Err(ApiError::invalid("reviewed", "reviewed is yes, no or empty")),
            },
            verdict: given(&self.verdict),
            ground: given(&self.ground),
            meeting: given(&self.meeting),
            reason: given(&self.reason),
            from,
            to,
            format: None,
            after: self.after,
            limit: Some(PAGE),
        })
    }

    /// The JSON API's query string for the whole result as CSV.
    fn csv_link(query: &DisclosureQuery) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("subject", &query.subject),
            ("agency", &query.agency),
            ("person", &query.person),
            ("purpose", &query.purpose),
            ("basis", &query.basis),
            ("decision", &query.decision),
            ("kind", &query.kind),
            ("verdict", &query.verdict),
            ("ground", &query.ground),
            ("meeting", &query.meeting),
            ("reason", &query.reason),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect();
        pairs.extend(query.not_passed_on.map(|only| ("not_passed_on", only.to_string())));
        pairs.extend(query.reviewed.map(|reviewed| ("reviewed", reviewed.to_string())));
        pairs.extend(query.from.map(|t| ("from", t.to_rfc3339())));
        pairs.extend(query.to.map(|t| ("to", t.to_rfc3339())));
        pairs.push(("format", "csv".to_owned()));
        format!("/v1/disclosures?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    }
}

async fn search(
    Dpo(identity): Dpo,
    form: ApiQuery<SearchForm>,
    vocabulary: web::Data<Vocabulary>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let form = form.0;
    let mut query = form.query()?;
    dpo::subject_as_id(&store, &mut query).await?;
    let (filter, _) = dpo::filter(&identity, &query, &vocabulary)?;
    let after = query.after;
    let (rows, total) = store
        .run(move |conn| Ok((log::search(conn, &filter, after, PAGE)?, log::count_matching(conn, &filter)?)))
        .await?;
    let entries = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    let next = (rows.len() as i64 == PAGE).then(|| rows.last().map(|r| r.columns.seq)).flatten().map(|after| {
        let next = SearchForm { after: Some(after), ..form.clone() };
        format!("/console/disclosures?{}", serde_urlencoded::to_string(&next).unwrap_or_default())
    });
    let choices = Choices {
        agencies: vocabulary.agencies.iter().map(|a| a.as_str()).collect(),
        purposes: vocabulary.purposes.iter().map(|p| p.as_str()).collect(),
        bases: vocabulary.lawful_bases.iter().map(|b| b.as_str()).collect(),
    };
    let csv = SearchForm::csv_link(&query);
    let children = children_of(&store, &entries).await?;
    let found = pages::Found { entries: &entries, children: &children, total, next: next.as_deref(), csv: &csv };
    Ok(page(pages::search(&identity, &form, &choices, &found)))
}

async fn disclosure(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let row = scoped(&store, &identity, path.into_inner()).await?;
    let shown = view(&row)?;
    let id = row.columns.id.clone();
    // Every agency's reviews: each DPO involved sees what the others found.
    let reviews = store.run(move |conn| log::all_reviews_of(conn, &id)).await?;
    let reviews = reviews.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    let ours = |r: &&DisclosureView| r.entry.requester.agency == identity.agency;
    let reviewing = match reviews::reviewable(&identity, &shown.entry) {
        Err(NotReviewable::IsAReview) => Reviewing::IsAReview,
        Ok(()) | Err(NotReviewable::OwnDisclosure) if reviews.iter().any(|r| ours(&r)) => Reviewing::Done,
        Err(NotReviewable::OwnDisclosure) => Reviewing::OwnDisclosure,
        Ok(()) => Reviewing::Form,
    };
    let children = children_of(&store, [&shown]).await?;
    Ok(page(pages::disclosure(&identity, &shown, &reviews, reviewing, &children)))
}

/// The entry's inclusion proof against the latest checkpoint, checked here and shown with what checks it elsewhere.
async fn proof(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    key: web::Data<LogKey>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let proof = crate::routes::log::scoped_proof(&identity, path.into_inner(), &store, &key, &writer).await?;
    let holds = proof.holds(&key.0);
    Ok(page(pages::proof(&identity, &proof, holds)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewForm {
    verdict: VerdictKind,
    comment: Narrative,
}

pub(super) fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

async fn review(
    dpo: Dpo,
    path: web::Path<String>,
    form: ApiForm<ReviewForm>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let disclosure = path.into_inner();
    let ReviewForm { verdict, comment } = form.0;
    reviews::record_review(&dpo, disclosure.clone(), &Finding::new(verdict, comment), &store, &writer).await?;
    // See Other: the browser shows the disclosure (its id checked by now), with its review; a reload posts nothing.
    Ok(see_other(format!("/console/disclosures/{disclosure}")))
}

/// The queue's form: the ticked entries (none ticked sends no `disclosure` at all), one verdict, one comment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeveralForm {
    #[serde(default)]
    disclosure: Vec<String>,
    verdict: VerdictKind,
    comment: Narrative,
    /// The queue's grouping, to return to it.
    #[serde(default)]
    group: Grouping,
}

async fn review_several(
    dpo: Dpo,
    form: ApiForm<SeveralForm>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let SeveralForm { disclosure, verdict, comment, group } = form.0;
    let written = reviews::review_several(&dpo, disclosure, &Finding::new(verdict, comment), &store, &writer).await?;
    Ok(see_other(match written.incident {
        Some(incident) => format!("/console/incidents/{incident}"),
        None if group == Grouping::None => "/console".to_owned(),
        None => format!("/console?group={}", <&str>::from(group)),
    }))
}

async fn incidents(Dpo(identity): Dpo, store: web::Data<Store>, _: FreshIndex) -> Result<HttpResponse, ApiError> {
    let found = incidents_api::of_agency(&store, &identity, None).await?;
    Ok(page(pages::incidents(&identity, &found, Utc::now())))
}

async fn incident(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let found = incidents_api::one_of_agency(&store, &identity, &path.into_inner()).await?;
    let children = children(&store, found.disclosures.iter().map(|d| d.subject.to_string())).await?;
    Ok(page(pages::incident(&identity, &found, &children, Utc::now())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseForm {
    outcome: Outcome,
    note: Narrative,
}

async fn close_incident(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    form: ApiForm<CloseForm>,
    store: web::Data<Store>,
    key: web::Data<GatewayKey>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let CloseForm { outcome, note } = form.0;
    let closed =
        incidents_api::close_incident(&identity, &path.into_inner(), CloseIncidentBody { outcome, note }, &store, &key)
            .await?;
    Ok(see_other(format!("/console/incidents/{}", closed.id)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChildQuery {
    nhs_number: sharegate_core::domain::NhsNumber,
}

/// A child's history by NHS number, as a DPO answering a subject-access request knows the child: read from the
/// DPO's agency's entries, never from the subject index (being in the index is itself a safeguarding signal).
async fn find_child(
    Dpo(identity): Dpo,
    query: ApiQuery<ChildQuery>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let nhs = query.0.nhs_number.to_string();
    let lines = history_of(&store, &identity, &nhs).await?;
    Ok(page(pages::history(&identity, &nhs, &lines)))
}

async fn history(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let subject = path.into_inner();
    let lines = history_of(&store, &identity, &subject).await?;
    Ok(page(pages::history(&identity, &subject, &lines)))
}

/// A child's consent register as the DPO's agency is part of it: consents with their confirmations and withdrawals,
/// decisions not to seek consent with their reasons and endorsements, and the privacy notices given (as
/// `GET /v1/subjects/{id}/consents` gives them).
async fn register(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    vocabulary: web::Data<Vocabulary>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let register = crate::services::register::Register { store: &store, key: &key, vocabulary: &vocabulary };
    let subject = path.into_inner();
    let shown = register.of_child(&identity, &subject).await?;
    let known = children(&store, [subject.clone()]).await?;
    Ok(page(pages::register(&identity, &subject, &known, &shown, Utc::now())))
}

#[cfg(test)]
mod tests;
