//! Streamed exports of the log: CSV a spreadsheet opens (a header, quoted fields, formulas exported as text), a
//! JSON array, or a FHIR R4 Bundle, one page at a time so memory stays flat however large the export.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;

use std::collections::{BTreeMap, BTreeSet};

use super::{DisclosureView, EXPORT_PAGE, Export, fhir, view};
use crate::disclosure_log::{GroundRef, Review, Verdict};
use crate::store::log::{self, Filter, LogRow};
use crate::store::{AnyConnection, Store, StoreError};
use sharegate_core::domain::{AgencyName, ConsentId};
use sharegate_core::error::ApiError;

/// The columns of a CSV export, in order.
const CSV_HEADER: [&str; 21] = [
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
    // Added after the columns above, so that a spreadsheet built on them keeps working.
    "meeting",
    "grounds",
    "rules",
    // A review's verdict; for any other entry, the verdict of the exporting agency's review of it (empty: none).
    "verdict",
];

/// A verdict as a cell names it: `appropriate`, `concern` or `breach:inc_…`.
fn verdict(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Breach(incident) => format!("breach:{incident}"),
        other => other.kind().as_str().to_owned(),
    }
}

/// The verdicts of `agency`'s reviews of the entries in `rows`, by the reviewed entry's id.
fn verdicts_of(
    conn: &mut AnyConnection,
    agency: &str,
    rows: &[LogRow],
) -> Result<BTreeMap<String, String>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.columns.id.as_str()).collect();
    let mut found = BTreeMap::new();
    for review in log::reviews_by(conn, agency, &ids)? {
        let entry = view(&review)?.entry;
        if let Some(Review { disclosure, verdict: Some(v), .. }) = &entry.review {
            found.insert(disclosure.to_string(), verdict(v));
        }
    }
    Ok(found)
}

/// A grant's ground as a cell names it: `consent:con_…`, `decision:dec_…`, `meeting:mtg_…` or `need_to_know`.
fn ground(ground: &GroundRef) -> String {
    match ground {
        GroundRef::Consent(id) => format!("consent:{id}"),
        GroundRef::Decision(id) => format!("decision:{id}"),
        GroundRef::Meeting(id) => format!("meeting:{id}"),
        GroundRef::NeedToKnow => "need_to_know".to_owned(),
    }
}

/// A spreadsheet runs a cell that starts with = + - @ as a formula; such text is exported with a leading '.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

fn csv_rows(rows: &[DisclosureView], verdicts: &BTreeMap<String, String>, header: bool) -> Result<Vec<u8>, StoreError> {
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
            e.meeting.as_ref().map(ToString::to_string).unwrap_or_default(),
            joined(e.given.iter().map(|g| format!("{} ({}): {}", g.category, g.agency, ground(&g.ground))).collect()),
            joined(
                e.given
                    .iter()
                    .map(|g| (&g.category, &g.agency, &g.rule))
                    .chain(e.refused.iter().map(|r| (&r.category, &r.agency, &r.rule)))
                    .map(|(category, agency, rule)| {
                        format!("{category} ({agency}): {}", rule.as_deref().unwrap_or("no rule matched"))
                    })
                    .collect(),
            ),
            match &e.review {
                Some(review) => review.verdict.as_ref().map(verdict).unwrap_or_default(),
                None => verdicts.get(e.id.as_str()).cloned().unwrap_or_default(),
            },
        ])
        .map_err(fail)?;
    }
    out.into_inner().map_err(|e| StoreError::Unavailable(format!("cannot write CSV: {e}")))
}

/// The whole result, one page at a time: memory stays flat however large the export.
pub(super) fn stream(store: Store, filter: Filter, export: Export) -> HttpResponse {
    struct State {
        store: Store,
        filter: Filter,
        after: Option<i64>,
        first: bool,
        done: bool,
        /// FHIR: the consents already written, and whether the bundle's `entry` array is open.
        consents: BTreeSet<ConsentId>,
        entries: bool,
    }
    let state =
        State { store, filter, after: None, first: true, done: false, consents: BTreeSet::new(), entries: false };
    let body = futures_util::stream::try_unfold(state, move |mut state| async move {
        if state.done {
            return Ok::<_, actix_web::Error>(None);
        }
        let (filter, after) = (state.filter.clone(), state.after);
        let (rows, verdicts) = state
            .store
            .run(move |conn| {
                let rows = log::search(conn, &filter, after, EXPORT_PAGE)?;
                let verdicts = match export {
                    Export::Csv => verdicts_of(conn, &filter.scope, &rows)?,
                    Export::Json | Export::Fhir => BTreeMap::new(),
                };
                Ok((rows, verdicts))
            })
            .await
            .map_err(ApiError::from)?;
        state.after = rows.last().map(|r| r.columns.seq).or(state.after);
        let last = (rows.len() as i64) < EXPORT_PAGE;
        let mut chunk = Vec::new();
        match export {
            Export::Csv => {
                let views = rows.iter().map(view).collect::<Result<Vec<_>, _>>().map_err(ApiError::from)?;
                chunk.extend(csv_rows(&views, &verdicts, state.first).map_err(ApiError::from)?);
            }
            Export::Json => {
                if state.first {
                    chunk.push(b'[');
                }
                for (i, row) in rows.iter().enumerate() {
                    if !(state.first && i == 0) {
                        chunk.push(b',');
                    }
                    chunk.extend(serde_json::to_vec(&view(row).map_err(ApiError::from)?).map_err(ApiError::internal)?);
                }
                if last {
                    chunk.push(b']');
                }
            }
            Export::Fhir => {
                if state.first {
                    chunk.extend(br#"{"resourceType":"Bundle","type":"collection""#);
                }
                let agency = AgencyName::parse(&state.filter.scope).map_err(ApiError::internal)?;
                let mut seen = std::mem::take(&mut state.consents);
                let (resources, written) = state
                    .store
                    .run(move |conn| Ok((fhir::resources(conn, &rows, &agency, &mut seen)?, seen)))
                    .await
                    .map_err(ApiError::from)?;
                state.consents = written;
                // FHIR allows no empty array: `entry` opens with the first resource, if there is one.
                for resource in resources {
                    chunk.extend(if state.entries { &b","[..] } else { &br#","entry":["#[..] });
                    state.entries = true;
                    chunk.extend(br#"{"resource":"#);
                    chunk.extend(serde_json::to_vec(&resource).map_err(ApiError::internal)?);
                    chunk.push(b'}');
                }
                if last {
                    chunk.extend(if state.entries { &b"]}"[..] } else { &b"}"[..] });
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
        Export::Fhir => (fhir::FHIR_JSON, "disclosures.fhir.json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .streaming(body)
}
