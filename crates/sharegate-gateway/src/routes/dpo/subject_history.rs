//! A child's whole history with the DPO's agency, in sentences a person can read (for a subject-access request).

use crate::disclosure_log::FreshIndex;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DisclosureView, EXPORT_PAGE, view};
use crate::disclosure_log::{GroundRef, Kind};
use crate::store::Store;
use crate::store::log::{self, Filter};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::identity::{Dpo, Identity};

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
        GroundRef::Consent(id) => format!("consent {id}"),
        GroundRef::Decision(id) => format!("decision not to seek consent {id}"),
        GroundRef::Meeting(id) => format!("core group meeting {id}"),
        GroundRef::NeedToKnow => "need-to-know policy (discovery, no content)".to_owned(),
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
    params(("id" = String, Path, description = "the child: gateway id or NHS number")),
    responses((status = 200, body = Vec<HistoryLine>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope))
)]
#[get("/v1/subjects/{id}/disclosures")]
pub async fn history(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<web::Json<Vec<HistoryLine>>, ApiError> {
    Ok(web::Json(history_of(&store, &identity, &path.into_inner()).await?))
}

/// The history of the child with gateway id `raw` with the DPO's agency, oldest first.
pub(crate) async fn history_of(store: &Store, identity: &Identity, raw: &str) -> Result<Vec<HistoryLine>, ApiError> {
    // An NHS number the index does not hold has no history with any agency: the same empty answer as an id
    // without entries of the DPO's agency, so the answer says nothing of whether the child is in the index.
    let Some(subject) = crate::services::sharing::named_child(store, raw).await? else { return Ok(Vec::new()) };
    let views = entries_of(store, identity, &subject).await?;
    Ok(views.iter().map(history_line).collect())
}

/// Every log entry about `subject` that involves the DPO's agency, oldest first.
pub(crate) async fn entries_of(
    store: &Store,
    identity: &Identity,
    subject: &sharegate_core::domain::SubjectId,
) -> Result<Vec<DisclosureView>, ApiError> {
    let filter = Filter { scope: identity.agency.to_string(), subject: Some(subject.to_string()), ..Filter::default() };
    let rows = store
        .run(move |conn| {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = log::search(conn, &filter, after, EXPORT_PAGE)?;
                after = page.last().map(|r| r.columns.seq);
                let done = (page.len() as i64) < EXPORT_PAGE;
                all.extend(page);
                if done {
                    return Ok(all);
                }
            }
        })
        .await?;
    Ok(rows.iter().map(view).collect::<Result<Vec<_>, _>>()?)
}
