//! A disclosure entry: who asked, about whom, what was asked, given and refused (and why, by which rule), purpose,
//! basis, reason, the consent, decision or meeting that grounded each grant, the policy, each agency's part, and
//! the digest of the exact answer sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AgencyName, Category, ConsentId, DecisionId, DisclosureId, LawfulBasis, MeetingId, Narrative, Purpose, RecordId,
    SubjectId,
};
use crate::redaction::{AgencyReport, Dropped};
use crate::register::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `POST /v1/requests`: records.
    Request,
    /// `GET /v1/subjects/{id}/holders`: which agencies hold what, no content.
    Discovery,
    /// `POST /v1/disclosures/{id}/review`: a DPO's review of a disclosure.
    Review,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Discovery => "discovery",
            Self::Review => "review",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    /// Something was given, and something refused or missing.
    Partial,
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Partial => "partial",
            Self::Refused => "refused",
        }
    }
}

/// What grounded a grant: the consent, the decision not to seek consent, or the core group meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroundRef {
    #[schema(value_type = String)]
    Consent(ConsentId),
    #[schema(value_type = String)]
    Decision(DecisionId),
    #[schema(value_type = String)]
    Meeting(MeetingId),
    /// Discovery: need-to-know policy alone lets the requester learn who holds what (no content).
    NeedToKnow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Given {
    #[schema(value_type = String)]
    pub category: Category,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub ground: GroundRef,
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refused {
    #[schema(value_type = String)]
    pub category: Category,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub why: String,
    pub rule: Option<String>,
}

/// One agency's part, as the entry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgencyPart {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub status: String,
    pub records: usize,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<Dropped, usize>,
}

impl From<&AgencyReport> for AgencyPart {
    fn from(report: &AgencyReport) -> Self {
        Self {
            agency: report.agency.clone(),
            status: report.status.to_owned(),
            records: report.records,
            dropped: report.dropped.clone(),
        }
    }
}

/// An entry as hashed into the log: its position, the leaf hash of the entry before it (empty for the first), and
/// the entry. Its canonical text is compact JSON in this field order; its leaf hash is H(0x00 ‖ that text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedEntry {
    pub seq: u64,
    pub prev: String,
    pub entry: Entry,
}

/// [`LoggedEntry`] borrowed, for writing: the same canonical text without copying the entry.
#[derive(Serialize)]
pub(super) struct LoggedEntryRef<'a> {
    pub seq: u64,
    pub prev: &'a str,
    pub entry: &'a Entry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[schema(value_type = String)]
    pub id: DisclosureId,
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub requester: Actor,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    #[schema(value_type = String)]
    pub purpose: Purpose,
    #[schema(value_type = String)]
    pub lawful_basis: LawfulBasis,
    #[schema(value_type = String)]
    pub reason: Narrative,
    #[schema(value_type = Option<String>)]
    pub meeting: Option<MeetingId>,
    pub policy_hash: String,
    #[schema(value_type = Vec<String>)]
    pub asked: Vec<Category>,
    pub given: Vec<Given>,
    pub refused: Vec<Refused>,
    pub agencies: Vec<AgencyPart>,
    /// The ids of the records given.
    #[schema(value_type = Vec<String>)]
    pub records: Vec<RecordId>,
    pub outcome: Outcome,
    /// SHA-256 of the exact answer body sent.
    pub response_digest: String,
    /// For a review entry: which disclosure was reviewed, and the DPO's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

/// A DPO's review of a disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    #[schema(value_type = String)]
    pub disclosure: DisclosureId,
    #[schema(value_type = String)]
    pub comment: Narrative,
}
