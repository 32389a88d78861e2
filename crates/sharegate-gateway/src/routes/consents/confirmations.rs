//! A holding agency confirms a consent another agency recorded (issue 30): until then, for its records, the consent
//! is only a claim.

use actix_web::{HttpResponse, post, web};
use chrono::{SubsecRound, Utc};
use serde::Deserialize;

use super::{ConsentView, consent_view, rows};
use crate::register::entries::CONFIRMATION_FORMAT;
use crate::register::{Actor, ConfirmationEntry};
use crate::register::{GatewayKey, seal};
use crate::store::Store;
use crate::store::register::{ConsentRecord, Signed};
use sharegate_core::domain::{ConsentId, Narrative};
use sharegate_core::error::{ApiError, ErrorEnvelope, ErrorKind};
use sharegate_core::extract::OptionalJson;
use sharegate_core::identity::Identity;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// How the agency knows: e.g. the family confirmed it to us, our own consent form's reference.
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
}

/// A practitioner or manager of a holding agency confirms a consent another agency recorded (¶33): from then on it
/// covers that agency's records too. Until confirmed, for that agency's records the consent is only a claim. A
/// consent the caller's agency holds nothing under, recorded itself, or cannot see answers as the register says.
#[utoipa::path(
    tag = "consent register",
    request_body(content = ConfirmBody, description = "optional: the body may be empty"),
    params(("id" = String, Path, description = "the consent")),
    responses(
        (status = 200, body = ConsentView),
        (status = 403, description = "a data-protection officer: practitioners and managers confirm", body = ErrorEnvelope),
        (status = 404, description = "no such consent covering the caller's agency's records", body = ErrorEnvelope),
        (status = 409, description = "already confirmed by this agency, recorded by it, or withdrawn", body = ErrorEnvelope),
    )
)]
#[post("/v1/consents/{id}/confirm")]
pub async fn confirm_consent(
    identity: Identity,
    path: web::Path<String>,
    body: OptionalJson<ConfirmBody>,
    key: web::Data<GatewayKey>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("no consent with that id covers your agency's records");
    let id = ConsentId::parse(&path.into_inner()).map_err(|_| not_found())?;
    if !identity.works_cases() {
        return Err(ApiError::forbidden("a practitioner or manager of the holding agency confirms a consent"));
    }
    let now = Utc::now().trunc_subsecs(6);
    let entry = ConfirmationEntry {
        consent: id.clone(),
        agency: identity.agency.clone(),
        confirmed_at: now,
        comment: body.0.comment,
        confirmed_by: Actor::from(&identity),
    };
    let sealed = seal(CONFIRMATION_FORMAT, &entry, &key)?;
    let agency = identity.agency.clone();
    let confirmed = store
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                let Some((consent, withdrawal)) = rows::find_consent(conn, &id)? else {
                    return Ok(Confirmed::Missing);
                };
                // Only a holder of a category it covers confirms it; to anyone else it is not theirs to see.
                if !consent.entry.scope.categories.iter().any(|c| c.holder() == &agency) {
                    return Ok(Confirmed::Missing);
                }
                if consent.entry.recorded_by.agency == agency {
                    return Ok(Confirmed::RecordedByYou);
                }
                if withdrawal.is_some() {
                    return Ok(Confirmed::Withdrawn);
                }
                let mut confirmations = rows::confirmations_of(conn, &id)?;
                if confirmations.iter().any(|c| c.entry.agency == agency) {
                    return Ok(Confirmed::AlreadyThere);
                }
                rows::insert_confirmation(conn, &entry, &sealed)?;
                confirmations.push(Signed { entry, signature: sealed.signature });
                Ok(Confirmed::Done(Box::new((consent, withdrawal)), confirmations))
            })
        })
        .await?;
    let duplicate = |message: &str| ApiError::new(ErrorKind::Duplicate, message);
    match confirmed {
        Confirmed::Done(record, confirmations) => {
            Ok(HttpResponse::Ok().json(consent_view(*record, &confirmations, now)))
        }
        Confirmed::Missing => Err(not_found()),
        Confirmed::RecordedByYou => Err(duplicate("your agency recorded this consent: it already covers your records")),
        Confirmed::Withdrawn => Err(duplicate("this consent has been withdrawn: there is nothing to confirm")),
        Confirmed::AlreadyThere => Err(duplicate("your agency has already confirmed this consent")),
    }
}

enum Confirmed {
    Done(Box<ConsentRecord>, Vec<Signed<ConfirmationEntry>>),
    Missing,
    RecordedByYou,
    Withdrawn,
    AlreadyThere,
}
