//! Incidents (UK GDPR Art. 33): a personal-data breach an agency's DPO found on review. An incident is opened by
//! the review entries of the disclosure log whose verdict is `breach` and names it — so it is in the tamper-evident
//! log with the finding, and cannot be opened without one — and stays open until a DPO of the same agency closes it
//! with an outcome and a note (a closure sealed by the gateway, once). Art. 33 gives the controller 72 hours from
//! becoming aware of a breach to report it to the ICO, or to decide that it need not: the clock starts at the review.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::{Entry, Verdict};
use crate::register::Actor;
use sharegate_core::domain::{AgencyName, DisclosureId, IncidentId, Narrative, SubjectId};

/// The text a closure's signature covers is this line, then the closure as compact JSON.
pub const FORMAT: &str = "sharegate-incident-closure-v1";

/// Art. 33(1): "not later than 72 hours after having become aware of it".
pub const TO_DECIDE: Duration = Duration::hours(72);

/// How an incident was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[schema(as = IncidentOutcome)]
pub enum Outcome {
    /// Reported to the ICO (the note gives its reference).
    ReportedToIco,
    /// A breach, but unlikely to result in a risk to the child's or anyone's rights: recorded, not reported
    /// (Art. 33(5) still asks for the facts, effects and remedial action — the note).
    NotReportable,
    /// Looked into: not a breach after all.
    NotABreach,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::ReportedToIco, Outcome::NotReportable, Outcome::NotABreach];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// In words, for the console.
    pub fn describe(self) -> &'static str {
        match self {
            Outcome::ReportedToIco => "reported to the ICO",
            Outcome::NotReportable => "a breach, not reportable (recorded)",
            Outcome::NotABreach => "not a breach after all",
        }
    }
}

/// An incident's closing, as sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = IncidentClosure)]
pub struct Closure {
    #[schema(value_type = String)]
    pub incident: IncidentId,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub outcome: Outcome,
    /// What was done and why: the ICO's reference, or why the breach is not reportable.
    #[schema(value_type = String)]
    pub note: Narrative,
    pub at: DateTime<Utc>,
    pub by: Actor,
}

/// One disclosure an incident names: the review that found it in breach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = IncidentDisclosure)]
pub struct Found {
    #[schema(value_type = String)]
    pub disclosure: DisclosureId,
    /// The review's own entry.
    #[schema(value_type = String)]
    pub review: DisclosureId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
}

/// Whether an incident still waits for its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = IncidentState)]
pub enum State {
    /// Open, and within 72 hours of being opened.
    Open,
    /// Open, and past its 72 hours.
    Overdue,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Incident {
    #[schema(value_type = String)]
    pub id: IncidentId,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    /// When the review that found the breach was made: Art. 33's clock starts here.
    pub opened_at: DateTime<Utc>,
    pub opened_by: Actor,
    /// The reviewer's finding.
    pub finding: String,
    /// The disclosures found in breach.
    pub disclosures: Vec<Found>,
    /// 72 hours after it was opened: by when to report it to the ICO or decide that it need not be.
    pub decide_by: DateTime<Utc>,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
}

impl Incident {
    /// The incidents the breach reviews `reviews` open (in log order, all by DPOs of one agency), with their closures;
    /// open ones first, the nearest deadline first, then the closed ones, the latest first.
    pub fn from_reviews(reviews: &[Entry], closures: &[Closure], now: DateTime<Utc>) -> Vec<Incident> {
        let mut incidents: Vec<Incident> = Vec::new();
        for entry in reviews {
            let Some(review) = &entry.review else { continue };
            let Some(Verdict::Breach(id)) = &review.verdict else { continue };
            let found = Found {
                disclosure: review.disclosure.clone(),
                review: entry.id.clone(),
                subject: entry.subject.clone(),
            };
            match incidents.iter_mut().find(|i| &i.id == id) {
                Some(incident) => incident.disclosures.push(found),
                None => incidents.push(Incident {
                    id: id.clone(),
                    agency: entry.requester.agency.clone(),
                    opened_at: entry.at,
                    opened_by: entry.requester.clone(),
                    finding: review.comment.to_string(),
                    disclosures: vec![found],
                    decide_by: entry.at + TO_DECIDE,
                    state: State::Open,
                    closed: None,
                }),
            }
        }
        for incident in &mut incidents {
            incident.closed = closures.iter().find(|c| c.incident == incident.id).cloned();
            incident.state = match (&incident.closed, now > incident.decide_by) {
                (Some(_), _) => State::Closed,
                (None, true) => State::Overdue,
                (None, false) => State::Open,
            };
        }
        incidents.sort_by(|a, b| match (&a.closed, &b.closed) {
            (None, None) => a.decide_by.cmp(&b.decide_by),
            (Some(x), Some(y)) => y.at.cmp(&x.at),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
        });
        incidents
    }

    /// The time left to decide (negative once overdue), for an open incident.
    pub fn time_left(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.closed.is_none().then(|| self.decide_by - now)
    }
}

/// "41 h 12 min left" or "overdue by 3 h 5 min".
pub fn clock(left: Duration) -> String {
    let minutes = left.num_minutes().abs();
    let said = format!("{} h {} min", minutes / 60, minutes % 60);
    if left >= Duration::zero() { format!("{said} left") } else { format!("overdue by {said}") }
}

#[cfg(test)]
mod tests;
