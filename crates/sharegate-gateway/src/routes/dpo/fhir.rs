//! The log in FHIR R4 for a DPO's audit tooling: one disclosure as a Bundle of BALP AuditEvents with the consents
//! that grounded it (`GET /v1/disclosures/{id}/fhir`), and the whole filtered log as one (`format=fhir`, in
//! `export`). See `crate::fhir` for the mapping.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, get, web};
use serde_json::Value;

use super::scoped;
use crate::disclosure_log::{FreshIndex, LoggedEntry};
use crate::fhir;
use crate::store::log::LogRow;
use crate::store::{AnyConnection, Store, StoreError, register};
use sharegate_core::domain::{AgencyName, ConsentId};
use sharegate_core::error::{ApiError, ErrorEnvelope};
use sharegate_core::identity::Dpo;

/// FHIR's JSON media type.
pub(super) const FHIR_JSON: &str = "application/fhir+json";

/// The FHIR resources of `rows`: each entry's AuditEvents, then each consent that grounded a grant and that
/// `agency` is part of, once across calls sharing `seen`. A consent `agency` is not part of stays a reference only:
/// who gave it and what it covers are not the DPO's to read.
pub(super) fn resources(
    conn: &mut AnyConnection,
    rows: &[LogRow],
    agency: &AgencyName,
    seen: &mut BTreeSet<ConsentId>,
) -> Result<Vec<Value>, StoreError> {
    let mut out = Vec::new();
    for row in rows {
        let logged: LoggedEntry = serde_json::from_str(&row.canonical).map_err(|e| {
            StoreError::Corrupt(format!("entry {} cannot be read: {e}; run `sharegate log verify`", row.columns.seq))
        })?;
        out.extend(fhir::audit_events(&logged.entry));
        for id in fhir::consents_of(&logged.entry) {
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(record) = register::find_consent(conn, id)? {
                let consent = &record.0.entry;
                if consent.scope.involves(agency) || &consent.recorded_by.agency == agency {
                    out.push(fhir::consent(&record));
                }
            }
        }
    }
    Ok(out)
}

/// One disclosure the DPO's agency is in, as a FHIR R4 Bundle: the decision (BALP AuthZ), a Privacy Disclosure for
/// each agency whose node answered, and the consents that grounded it which the agency is part of.
#[utoipa::path(
    tag = "dpo",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "a FHIR R4 Bundle (collection) of AuditEvents and Consents", content_type = "application/fhir+json", body = Object),
        (status = 403, description = "not a DPO", body = ErrorEnvelope),
        (status = 404, description = "no disclosure with that id involves the DPO's agency", body = ErrorEnvelope),
    )
)]
#[get("/v1/disclosures/{id}/fhir")]
pub async fn one(
    Dpo(identity): Dpo,
    path: web::Path<String>,
    store: web::Data<Store>,
    _: FreshIndex,
) -> Result<HttpResponse, ApiError> {
    let row = scoped(&store, &identity, path.into_inner()).await?;
    let agency = identity.agency.clone();
    let resources = store.run(move |conn| resources(conn, &[row], &agency, &mut BTreeSet::new())).await?;
    Ok(HttpResponse::Ok().content_type(FHIR_JSON).json(fhir::bundle(resources)))
}
