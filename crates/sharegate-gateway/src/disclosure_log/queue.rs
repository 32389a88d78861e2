//! The review queue's rule, once: why an entry waits for the DPOs of an agency. The log's writer derives from it which
//! agencies' DPOs review each entry (the `waits_for` column, hashed with the entry), so the queue is a lookup; the
//! API and the console say why from the same rule.

use std::collections::BTreeSet;

use serde::Serialize;

use super::entry::{Entry, GroundRef, Kind, Outcome, involved};
use sharegate_core::domain::AgencyName;

/// Why an entry waits for a DPO's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    Refused,
    WithoutConsent,
    /// The DPO's own agency's node sent records the gateway did not pass on: sent beyond what was asked, about
    /// another child, or changed since it signed them.
    NotPassedOn,
    /// The DPO's agency's records were given on a consent the requester's own agency recorded, which the policy
    /// lets suffice for that category without the holder confirming it.
    ConsentRecordedByRequester,
    /// The DPO's agency's node refused the read: its reference for the child belongs to another child, so the
    /// link at the gateway is wrong.
    LinkMismatch,
    /// Shared under a core group meeting: reviewed with the rest of the meeting's sharing, as one thing
    /// (`POST /v1/meetings/{id}/review`), not one by one as sharing without consent.
    CoreGroupMeeting,
}

impl Waiting {
    /// Why `entry` waits for a DPO of `agency`: nothing for a review, a lookup or a meeting read (logged to be found,
    /// not reviewed one by one), nor for an agency the entry does not involve.
    pub fn of(entry: &Entry, agency: &AgencyName) -> Vec<Self> {
        let reviewed_one_by_one = matches!(entry.kind, Kind::Request | Kind::Discovery);
        if !reviewed_one_by_one || !involved(entry).any(|a| a == agency) {
            return Vec::new();
        }
        let part = entry.agencies.iter().find(|a| &a.agency == agency);
        let requester = &entry.requester.agency;
        let under_meeting = entry.meeting.is_some() && entry.purpose.as_str() == crate::decision::CORE_GROUP;
        let reasons = [
            (entry.outcome == Outcome::Refused, Self::Refused),
            (!under_meeting && entry.lawful_basis.as_str() != crate::decision::CONSENT, Self::WithoutConsent),
            (under_meeting && entry.outcome != Outcome::Refused, Self::CoreGroupMeeting),
            (part.is_some_and(|a| !a.dropped.is_empty()), Self::NotPassedOn),
            (
                requester != agency
                    && entry.given.iter().any(|g| {
                        &g.agency == agency
                            && matches!(g.ground, GroundRef::Consent(_))
                            && g.consent.as_ref().is_some_and(|c| &c.recorded_by == requester)
                    }),
                Self::ConsentRecordedByRequester,
            ),
            (part.is_some_and(|a| a.status == crate::broker::NodeFault::Mismatch.code()), Self::LinkMismatch),
        ];
        reasons.into_iter().filter_map(|(applies, why)| applies.then_some(why)).collect()
    }

    /// In words, as the console shows it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::WithoutConsent => "made without consent",
            Self::NotPassedOn => "your agency's node sent records that were not passed on",
            Self::ConsentRecordedByRequester => "given on a consent the requesting agency recorded itself",
            Self::LinkMismatch => "your agency's node says its reference belongs to another child",
            Self::CoreGroupMeeting => "shared under a core group meeting (review the meeting's sharing as one)",
        }
    }
}

/// The agencies whose DPOs review `entry`.
pub fn waits_for(entry: &Entry) -> BTreeSet<&str> {
    involved(entry).filter(|a| !Waiting::of(entry, a).is_empty()).map(AgencyName::as_str).collect()
}

#[cfg(test)]
mod tests;
