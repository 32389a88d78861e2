//! A DPO's reviews of the disclosures their agency is in: one, several chosen together, or a core group meeting's
//! sharing as one thing. Each disclosure reviewed is one entry of the log, with its verdict; a `breach` verdict opens
//! an incident (see [`super::incidents`]) that names every disclosure the same step found in breach.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::{scoped, view};
use crate::disclosure_log::{Entry, FreshIndex, Kind, LogWriter, Review, Verdict, VerdictKind};
use crate::register::Actor;
use crate::store::Store;
use crate::store::log::{self, LogRow};
use sharegate_core::domain::{DisclosureId, IncidentId, Narrative};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::ApiJson;
use sharegate_core::identity::{Dpo, Identity};

/// How many disclosures one bulk review may take: a page of the console's queue, with room to spare.
pub const MOST_AT_ONCE: usize = 200;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"verdict": "appropriate", "comment": "Checked: the sharing was proportionate and its ground in force."}))]
pub struct ReviewBody {
    /// `appropriate`, `concern`, or `breach` (which opens an incident: UK GDPR Art. 33's 72 hours start).
    pub verdict: VerdictKind,
    #[schema(value_type = String, example = "Checked: the s115 decision was endorsed and the sharing proportionate.")]
    pub comment: Narrative,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "disclosures": ["dis_0192f3a4b5c6d7e8f9a0b1c2d3e4f5a6", "dis_0192f3a4b5c6d7e8f9a0b1c2d3e4f5a7"],
    "verdict": "appropriate",
    "comment": "Refusals for want of consent: correct."
}))]
pub struct BulkReviewBody {
    /// The disclosures to review, each involving the DPO's agency and not yet reviewed by it (at most 200).
    #[schema(value_type = Vec<String>)]
    pub disclosures: Vec<String>,
    pub verdict: VerdictKind,
    #[schema(value_type = String)]
    pub comment: Narrative,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The review's own entry in the log.
    pub id: String,
    pub disclosure_id: String,
    pub reviewed_by: Actor,
    pub verdict: VerdictKind,
    /// For a breach: the incident it opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewsWritten {
    /// The reviews written, one log entry for each disclosure.
    pub reviews: Vec<ReviewView>,
    /// For a breach: the one incident that names them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// Why a DPO may not review an entry (besides their agency having reviewed it already, which the writer checks).
pub(crate) enum NotReviewable {
    IsAReview,
    OwnDisclosure,
}

/// Whether `identity` may review `entry`: not a review itself, and not a disclosure they made.
pub(crate) fn reviewable(identity: &Identity, entry: &Entry) -> Result<(), NotReviewable> {
    if entry.kind == Kind::Review {
        Err(NotReviewable::IsAReview)
    } else if entry.requester.is(identity) {
        Err(NotReviewable::OwnDisclosure)
    } else {
        Ok(())
    }
}

/// One step of review: the verdict and comment every disclosure it takes is given. A breach's incident is made once
/// for the step, so that one incident names every disclosure the step found in breach.
pub(crate) struct Finding {
    verdict: Verdict,
    comment: Narrative,
}

impl Finding {
    pub(crate) fn new(kind: VerdictKind, comment: Narrative) -> Self {
        let verdict = match kind {
            VerdictKind::Appropriate => Verdict::Appropriate,
            VerdictKind::Concern => Verdict::Concern,
            VerdictKind::Breach => Verdict::Breach(IncidentId::new()),
        };
        Self { verdict, comment }
    }

    fn incident(&self) -> Option<String> {
        match &self.verdict {
            Verdict::Breach(incident) => Some(incident.to_string()),
            _ => None,
        }
    }
}

/// The log entry of `identity`'s review of the entry in `row`, and the answer that describes it; refused when the
/// entry is itself a review or `identity` made the disclosure. (Once per agency is checked by the log's writer as
/// it appends: see `disclosure_log::AppendError::AlreadyReviewed`.)
fn review_entry(identity: &Identity, row: &LogRow, finding: &Finding) -> Result<(Entry, ReviewView), ApiError> {
    let reviewed = view(row)?.entry;
    match reviewable(identity, &reviewed) {
        Ok(()) => {}
        Err(NotReviewable::IsAReview) => {
            return Err(ApiError::invalid("id", format!("{} is itself a review", reviewed.id)));
        }
        Err(NotReviewable::OwnDisclosure) => {
            return Err(ApiError::forbidden(format!(
                "you made disclosure {}: another DPO must review it",
                reviewed.id
            )));
        }
    }
    let (id, at) = (DisclosureId::new(), Utc::now().trunc_subsecs(6));
    let answer = ReviewView {
        id: id.to_string(),
        disclosure_id: reviewed.id.to_string(),
        reviewed_by: Actor::from(identity),
        verdict: finding.verdict.kind(),
        incident: finding.incident(),
        comment: finding.comment.to_string(),
        at,
    };
    let entry = Entry {
        id,
        at,
        kind: Kind::Review,
        requester: Actor::from(identity),
        subject: reviewed.subject,
        purpose: reviewed.purpose,
        lawful_basis: reviewed.lawful_basis,
        reason: finding.comment.clone(),
        meeting: reviewed.meeting,
        policy_hash: reviewed.policy_hash,
        asked: Vec::new(),
        given: Vec::new(),
        refused: Vec::new(),
        agencies: Vec::new(),
        records: Vec::new(),
        outcome: reviewed.outcome,
        response_digest: String::new(),
        review: Some(Review {
            disclosure: reviewed.id,
            comment: finding.comment.clone(),
            verdict: Some(finding.verdict.clone()),
        }),
    };
    Ok((entry, answer))
}

/// A DPO of an agency involved reviews a disclosure, with a verdict. The review is itself an entry of the log. The
/// person who made the disclosure cannot review it; each agency reviews a disclosure once.
#[utoipa::path(
    tag = "dpo",
    request_body = ReviewBody,
    params(("id" = String, Path)),
    responses(
        (status = 201, body = ReviewView),
        (status = 400, description = "no verdict or comment, or the entry is itself a review", body = ErrorEnvelope),
        (status = 403, description = "not a DPO, or the person who made the disclosure", body = ErrorEnvelope),
        (status = 404, description = "no such disclosure involving the DPO's agency", body = ErrorEnvelope),
        (status = 409, description = "already reviewed by a DPO of this agency", body = ErrorEnvelope),
        (status = 503, description = "the review could not be logged", body = ErrorEnvelope),
    )
)]
#[post("/v1/disclosures/{id}/review")]
pub async fn review(
    dpo: Dpo,
    path: web::Path<String>,
    body: ApiJson<ReviewBody>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let finding = Finding::new(body.0.verdict, body.0.comment);
    let disclosed = record_review(&dpo, path.into_inner(), &finding, &store, &writer).await?;
    Ok(disclosed.into_response())
}

/// `dpo` reviews the disclosure with id `raw`: the review's entry is committed, and its answer handed back.
pub(crate) async fn record_review(
    Dpo(identity): &Dpo,
    raw: String,
    finding: &Finding,
    store: &Store,
    writer: &LogWriter,
) -> Result<crate::disclosure_log::Disclosed, ApiError> {
    let row = scoped(store, identity, raw).await?;
    let (entry, answer) = review_entry(identity, &row, finding)?;
    let bytes = serde_json::to_vec(&answer).map_err(ApiError::internal)?;
    crate::disclosure_log::commit_built(writer, entry, actix_web::http::StatusCode::CREATED, bytes).await
}

/// A DPO reviews several disclosures in one step, with one verdict and comment: one log entry each. Every one is
/// checked before any is written — each must involve the DPO's agency, not be their own, and not be reviewed by
/// their agency yet — so a refused step writes nothing. A breach opens one incident naming them all.
#[utoipa::path(
    tag = "dpo",
    request_body = BulkReviewBody,
    responses(
        (status = 201, body = ReviewsWritten),
        (status = 400, description = "no disclosures, too many, one named twice, or one that is itself a review", body = ErrorEnvelope),
        (status = 403, description = "not a DPO, or one of the disclosures is the DPO's own", body = ErrorEnvelope),
        (status = 404, description = "one of them does not involve the DPO's agency (the message names it)", body = ErrorEnvelope),
        (status = 409, description = "one of them is reviewed by the DPO's agency already", body = ErrorEnvelope),
        (status = 503, description = "the reviews could not all be logged: those in the log are reviewed", body = ErrorEnvelope),
    )
)]
#[post("/v1/reviews")]
pub async fn bulk(
    dpo: Dpo,
    body: ApiJson<BulkReviewBody>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let BulkReviewBody { disclosures, verdict, comment } = body.0;
    let written = review_several(&dpo, disclosures, &Finding::new(verdict, comment), &store, &writer).await?;
    Ok(HttpResponse::Created().json(written))
}

/// Checks every disclosure of a bulk review, then writes one review entry for each.
pub(crate) async fn review_several(
    Dpo(identity): &Dpo,
    disclosures: Vec<String>,
    finding: &Finding,
    store: &Store,
    writer: &LogWriter,
) -> Result<ReviewsWritten, ApiError> {
    if disclosures.is_empty() {
        return Err(ApiError::invalid("disclosures", "choose at least one disclosure to review"));
    }
    if disclosures.len() > MOST_AT_ONCE {
        return Err(ApiError::invalid(
            "disclosures",
            format!("at most {MOST_AT_ONCE} disclosures in one review, not {}", disclosures.len()),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = disclosures.iter().find(|d| !seen.insert(d.as_str())) {
        return Err(ApiError::invalid("disclosures", format!("{twice} is named twice")));
    }
    let mut built = Vec::with_capacity(disclosures.len());
    for raw in disclosures {
        let row = scoped(store, identity, raw.clone()).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => ApiError::not_found(format!("no disclosure {raw} involves your agency")),
            _ => e,
        })?;
        let (id, agency) = (row.columns.id.clone(), identity.agency.to_string());
        if store.run(move |conn| log::reviewed_by(conn, &id, &agency)).await? {
            return Err(ApiError::new(
                ErrorKind::Duplicate,
                format!("a DPO of {} has already reviewed {raw}: nothing was written", identity.agency),
            ));
        }
        built.push(review_entry(identity, &row, finding)?);
    }
    let mut reviews = Vec::with_capacity(built.len());
    for (entry, answer) in built {
        crate::disclosure_log::write(writer, entry).await?;
        reviews.push(answer);
    }
    Ok(ReviewsWritten { reviews, incident: finding.incident() })
}

/// A DPO reviews a core group meeting's sharing as one thing: every disclosure made under the meeting that involves
/// their agency and that their agency has not reviewed gets a review entry (one each, the same verdict and comment).
/// The disclosures they made themselves are left for another DPO.
#[utoipa::path(
    tag = "dpo",
    request_body = ReviewBody,
    params(("id" = String, Path, description = "the meeting")),
    responses(
        (status = 201, body = ReviewsWritten),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "nothing under that meeting waits for the DPO's agency", body = ErrorEnvelope),
        (status = 503, description = "the reviews could not be logged", body = ErrorEnvelope),
    )
)]
#[post("/v1/meetings/{id}/review")]
pub async fn review_meeting(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    body: ApiJson<ReviewBody>,
    store: web::Data<Store>,
    writer: web::Data<LogWriter>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let nothing = || ApiError::not_found("nothing shared under that meeting waits for your agency's review");
    let meeting = sharegate_core::domain::MeetingId::parse(&path.into_inner()).map_err(|_| nothing())?;
    let agency = identity.agency.to_string();
    let rows = store.run(move |conn| log::unreviewed_under_meeting(conn, &agency, meeting.as_str())).await?;
    let finding = Finding::new(body.0.verdict, body.0.comment);
    let mut reviews = Vec::new();
    for row in &rows {
        let Ok((entry, answer)) = review_entry(&identity, row, &finding) else { continue };
        crate::disclosure_log::write(&writer, entry).await?;
        reviews.push(answer);
    }
    if reviews.is_empty() {
        return Err(nothing());
    }
    Ok(HttpResponse::Created().json(ReviewsWritten { reviews, incident: finding.incident() }))
}
