//! What the log's columns say of an entry, derived once as the writer appends it (and hashed with it): which
//! agencies it involves, whose nodes sent what was not passed on, and whose DPOs review it (the queue's rule).

use std::collections::BTreeSet;

use sharegate_core::domain::AgencyName;

use super::entry::{Entry, Index, involved};

impl Index<String> {
    /// What the columns say of `entry`.
    pub fn of(entry: &Entry) -> Self {
        Self {
            id: entry.id.to_string(),
            at: entry.at.timestamp_micros(),
            kind: entry.kind.as_str().to_owned(),
            subject_id: entry.subject.to_string(),
            requester_agency: entry.requester.agency.to_string(),
            requester_person: entry.requester.person.to_string(),
            purpose: entry.purpose.to_string(),
            lawful_basis: entry.lawful_basis.to_string(),
            outcome: entry.outcome.as_str().to_owned(),
            agencies: involved_agencies(entry),
            reviews: entry.review.as_ref().map(|r| r.disclosure.to_string()),
            dropped_from: dropped_from(entry),
            waits_for: Some(delimited(super::queue::waits_for(entry))),
        }
    }
}

/// The `dropped_from` of an entry: the agencies whose node sent something that was not passed on.
fn dropped_from(entry: &Entry) -> Option<String> {
    let dropped: BTreeSet<&str> =
        entry.agencies.iter().filter(|a| !a.dropped.is_empty()).map(|a| a.agency.as_str()).collect();
    (!dropped.is_empty()).then(|| delimited(dropped))
}

/// The `agencies` an entry involves: its requester's, and every holder of a category asked, given or refused.
fn involved_agencies(entry: &Entry) -> String {
    delimited(involved(entry).map(AgencyName::as_str).collect())
}

/// Agencies as a column keeps them, `,a,b,`: "involving agency X" is then one `LIKE '%,X,%'`.
fn delimited(agencies: BTreeSet<&str>) -> String {
    format!(",{},", agencies.into_iter().collect::<Vec<_>>().join(","))
}
