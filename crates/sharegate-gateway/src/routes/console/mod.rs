//! The DPO web console: the DPO's tools as server-rendered pages, for a browser that holds the DPO's client
//! certificate — the review queue, the search of the log (and its CSV export), one disclosure with its review form,
//! a child's history for a subject-access request. No scripts and no build step.
//!
//! The pages read through the same functions as the JSON API, so they see exactly what the API lets the DPO see
//! (entries their own agency is in; anything else is "not found"), and a review made here is the same log entry.
//!
//! A browser sends its client certificate with every request to the gateway, including requests another site makes
//! it send: `cross_site` refuses those (a review form posted from elsewhere among them). The pages forbid being
//! framed, scripts, and caching (they hold personal data).

mod pages;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::ContentType;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate, TimeZone, Utc};
use maud::Markup;
use serde::{Deserialize, Serialize};

use crate::decision::policy::Vocabulary;
use crate::disclosure_log::{FreshIndex, LogWriter};
use crate::routes::dpo::{self, DisclosureQuery, NotReviewable, history_of, scoped, view};
use crate::routes::log::LogKey;
use crate::store::{Store, log};
use pages::{Choices, Reviewing};
use sharegate_core::domain::Narrative;
use sharegate_core::error::ApiError;
use sharegate_core::extract::{ApiForm, ApiQuery};
use sharegate_core::identity::Dpo;

/// How many entries a page of search results or of the queue shows.
const PAGE: i64 = 50;

/// Registers the console under `/console`.
pub fn configure(config: &mut web::ServiceConfig) -> &mut web::ServiceConfig {
    config.service(
        web::scope("/console")
            .wrap(ErrorHandlers::new().default_handler(error_page))
            .wrap(
                DefaultHeaders::new()
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                         base-uri 'none'",
                    ))
                    .add((header::CACHE_CONTROL, "no-store"))
                    // Not `no-referrer`: with it a browser sends its own forms with `Origin: null`. Within the
                    // console the addresses (which hold children's ids) stay; to any other site none is sent.
                    .add((header::REFERRER_POLICY, "same-origin"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::X_FRAME_OPTIONS, "DENY")),
            )
            .route("", web::get().to(queue))
            .route("/", web::get().to(queue))
            .route("/style.css", web::get().to(style))
            .route("/disclosures", web::get().to(search))
            .route("/disclosures/{id}", web::get().to(disclosure))
            .route("/disclosures/{id}/review", web::post().to(review))
            .route("/disclosures/{id}/proof", web::get().to(proof))
            .route("/policy", web::get().to(policy_changes))
            .route("/subjects", web::get().to(find_child))
            .route("/subjects/{id}", web::get().to(history))
            .default_service(web::to(not_found)),
    )
}

fn page(markup: Markup) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).body(markup.into_string())
}

/// Any error answered under `/console` becomes a page saying what the JSON API would have said.
fn error_page<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = response.status();
    let message = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map_or_else(|| status.canonical_reason().unwrap_or("error").to_owned(), |e| e.message().to_owned());
    let html = pages::error(status.as_u16(), status.canonical_reason().unwrap_or(""), &message).into_string();
    let response = response.map_body(|head, _| {
        head.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        EitherBody::right(BoxBody::new(html))
    });
    Ok(ErrorHandlerResponse::Response(response))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("the console has no such page"))
}

async fn style() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(pages::STYLE)
}

/// The policy changes the log holds, the latest first (as `GET /v1/policy/changes` gives them).
async fn policy_changes(Dpo(identity): Dpo, store: web::Data<Store>, _: FreshIndex) -> Result<HttpResponse, ApiError> {
    let changes = crate::disclosure_log::policy_change::latest(&store, None, PAGE).await?;
    Ok(page(pages::policy_changes(&identity, &changes)))
}

/// Where a page of the queue starts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueuePage {
    after: Option<i64>,
}

async fn queue(
    Dpo(identity): Dpo,
    query: ApiQuery<QueuePage>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let (agency, after) = (identity.agency.to_string(), query.0.after);
    let (rows, checkpoint) = store
        .run(move |conn| Ok((log::unreviewed(conn, &agency, after, PAGE)?, log::latest_checkpoint(conn)?)))
        .await?;
    let next =
        (rows.len() as i64 == PAGE).then(|| rows.last().map(|r| format!("/console?after={}", r.columns.seq))).flatten();
    let waiting = dpo::waiting(&rows, &identity.agency)?;
    Ok(page(pages::queue(&identity, &waiting, next.as_deref(), checkpoint.as_ref())))
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
    pub(super) from: String,
    pub(super) to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<i64>,
}

fn given(field: &str) -> Option<String> {
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
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect();
        pairs.extend(query.not_passed_on.map(|only| ("not_passed_on", only.to_string())));
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
    let rows = store.run(move |conn| log::search(conn, &filter, after, PAGE)).await?;
    let found = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
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
    Ok(page(pages::search(&identity, &form, &choices, &found, next.as_deref(), &csv)))
}

async fn disclosure(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let row = scoped(&store, &identity, path.into_inner()).await?;
    let shown = view(&row)?;
    let (id, agency) = (row.columns.id.clone(), identity.agency.to_string());
    let reviews = store.run(move |conn| log::reviews_of(conn, &id, &agency)).await?;
    let reviews = reviews.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    let reviewing = match dpo::reviewable(&identity, &shown.entry) {
        Err(NotReviewable::IsAReview) => Reviewing::IsAReview,
        Ok(()) | Err(NotReviewable::OwnDisclosure) if !reviews.is_empty() => Reviewing::Done,
        Err(NotReviewable::OwnDisclosure) => Reviewing::OwnDisclosure,
        Ok(()) => Reviewing::Form,
    };
    Ok(page(pages::disclosure(&identity, &shown, &reviews, reviewing)))
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
    comment: Narrative,
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
    dpo::record_review(&dpo, disclosure.clone(), form.0.comment, &store, &writer).await?;
    // See Other: the browser shows the disclosure (its id checked by now), with its review; a reload posts nothing.
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/console/disclosures/{disclosure}")))
        .finish())
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

#[cfg(test)]
mod tests;
