//! The consent state of one child, as `decide()` sees it: consents (¶33) and decisions not to seek consent with
//! their lawful basis and endorsement (¶34, ¶26). The register itself (who recorded what, signed) is in
//! `crate::register`; this is the part decisions read.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use sharegate_core::domain::{AgencyName, Category, ConsentId, DecisionId, LawfulBasis, PersonName, Purpose};

/// What a consent or a decision covers: sharing these categories with these agencies for these purposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub categories: BTreeSet<Category>,
    pub recipients: BTreeSet<AgencyName>,
    pub purposes: BTreeSet<Purpose>,
}

impl Scope {
    pub fn covers(&self, category: &Category, recipient: &AgencyName, purpose: &Purpose) -> bool {
        self.categories.contains(category) && self.recipients.contains(recipient) && self.purposes.contains(purpose)
    }
}

/// A period `[from, until)`; `until` none means open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

impl Validity {
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.from <= now && self.until.is_none_or(|until| now < until)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: ConsentId,
    pub scope: Scope,
    pub validity: Validity,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The agency whose practitioner recorded it.
    pub recorded_by: AgencyName,
    /// The holding agencies that confirmed it (when another agency recorded it).
    pub confirmed_by: BTreeSet<AgencyName>,
}

/// Whose word a consent rests on, for one holder's records: who recorded it, and why that counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentBy {
    #[schema(value_type = String)]
    pub recorded_by: AgencyName,
    pub standing: ConsentStanding,
}

/// Why a consent counts for a holder's records. A consent recorded by any other agency is a claim until the holder
/// confirms it — unless the policy lets the requester's own record suffice for that category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStanding {
    /// The holding agency recorded it.
    RecordedByHolder,
    /// Another agency recorded it and the holding agency confirmed it.
    ConfirmedByHolder,
    /// The requester's own agency recorded it, and the policy lets that suffice for this category; the holder's
    /// DPO reviews each grant made on it.
    RecordedByRequester,
}

impl Consent {
    /// Counts only while valid at `now` and not withdrawn by then.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.validity.contains(now) && self.withdrawn_at.is_none_or(|withdrawn| now < withdrawn)
    }

    /// Whether it counts for `holder`'s records asked by `requester`, and why; none while it is only a claim.
    /// `requester_may_record`: the deciding rule lets a consent the requester's agency recorded suffice.
    pub fn standing(
        &self,
        holder: &AgencyName,
        requester: &AgencyName,
        requester_may_record: bool,
    ) -> Option<ConsentStanding> {
        if &self.recorded_by == holder {
            Some(ConsentStanding::RecordedByHolder)
        } else if self.confirmed_by.contains(holder) {
            Some(ConsentStanding::ConfirmedByHolder)
        } else if requester_may_record && &self.recorded_by == requester {
            Some(ConsentStanding::RecordedByRequester)
        } else {
            None
        }
    }
}

/// Who did something, as their certificate named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub agency: AgencyName,
    pub person: PersonName,
}

/// A recorded decision not to seek consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDecision {
    pub id: DecisionId,
    pub lawful_basis: LawfulBasis,
    pub scope: Scope,
    pub validity: Validity,
    pub decided_by: Person,
    /// The manager of the deciding agency who endorsed it, if anyone has.
    pub endorsed_by: Option<Person>,
}

impl ConsentDecision {
    /// Endorsed by someone else of the deciding agency. The register already refuses anything else; this check
    /// keeps a decision from counting even if a store were altered.
    pub fn is_endorsed(&self) -> bool {
        self.endorsed_by
            .as_ref()
            .is_some_and(|by| by.agency == self.decided_by.agency && by.person != self.decided_by.person)
    }
}

/// One child's consents and decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectConsents {
    pub consents: Vec<Consent>,
    pub decisions: Vec<ConsentDecision>,
}
