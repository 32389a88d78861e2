//! The register's entries as sealed: each names its kind (`format`), the child, and who recorded it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_security::confusable_detection::skeleton;

use crate::decision::consent::{Consent, ConsentDecision, Person, Scope, Validity};
use sharegate_core::domain::{
    AgencyName, Category, ChildName, ConsentId, DecisionId, LawfulBasis, LocalRef, Narrative, NoticeId, PersonName,
    Purpose, Role, SubjectId,
};
use sharegate_core::identity::Identity;

pub const CONSENT_FORMAT: &str = "sharegate-consent-v1";
pub const WITHDRAWAL_FORMAT: &str = "sharegate-consent-withdrawal-v1";
pub const DECISION_FORMAT: &str = "sharegate-consent-decision-v1";
pub const ENDORSEMENT_FORMAT: &str = "sharegate-consent-endorsement-v1";
pub const CONFIRMATION_FORMAT: &str = "sharegate-consent-confirmation-v1";
pub const PRIVACY_NOTICE_FORMAT: &str = "sharegate-privacy-notice-v1";

/// Who recorded an entry, from their certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    #[schema(value_type = String)]
    pub role: Role,
    #[schema(value_type = String)]
    pub person: PersonName,
    pub serial: String,
}

impl From<&Identity> for Actor {
    fn from(id: &Identity) -> Self {
        Self { agency: id.agency.clone(), role: id.role.clone(), person: id.person.clone(), serial: id.serial.clone() }
    }
}

impl Actor {
    /// Whether `identity` is this actor, for separation of duties: the same agency, and the same certificate or a
    /// name that can be taken for the same (a person's renewed certificate has another serial; names with invisible
    /// characters are refused at the door, and look-alike letters — a Cyrillic "о" for an "o", "rn" for "m", another
    /// case — are folded here, so two certificates cannot pass for two people by either). Folding errs towards one
    /// person: two real colleagues whose names differ only so would each need a third to endorse them.
    pub fn is(&self, identity: &Identity) -> bool {
        self.agency == identity.agency
            && (self.serial == identity.serial || confusable(self.person.as_str(), identity.person.as_str()))
    }

    fn person(&self) -> Person {
        Person { agency: self.agency.clone(), person: self.person.clone() }
    }
}

/// Whether two names can be taken for one another: equal once case is folded and each is mapped to its UTS #39
/// confusable skeleton.
fn confusable(a: &str, b: &str) -> bool {
    let fold = |s: &str| skeleton(&s.to_lowercase()).collect::<String>().to_lowercase();
    fold(a) == fold(b)
}

/// Who gave consent: the young person, or someone with parental responsibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    YoungPerson,
    Parent,
    Guardian,
    SpecialGuardian,
    LocalAuthority,
    OtherWithParentalResponsibility,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GivenBy {
    #[schema(value_type = String, example = "Sarah Example")]
    pub name: ChildName,
    pub relationship: Relationship,
}

/// Sharing these categories with these agencies for these purposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeEntry {
    #[schema(value_type = Vec<String>)]
    pub categories: BTreeSet<Category>,
    #[schema(value_type = Vec<String>)]
    pub recipients: BTreeSet<AgencyName>,
    #[schema(value_type = Vec<String>)]
    pub purposes: BTreeSet<Purpose>,
}

impl ScopeEntry {
    /// Whether `agency` is part of this scope: a recipient, or the holder of a category it covers.
    pub fn involves(&self, agency: &AgencyName) -> bool {
        self.recipients.contains(agency) || self.categories.iter().any(|c| c.holder() == agency)
    }
}

impl From<&ScopeEntry> for Scope {
    fn from(s: &ScopeEntry) -> Self {
        Scope { categories: s.categories.clone(), recipients: s.recipients.clone(), purposes: s.purposes.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentEntry {
    #[schema(value_type = String)]
    pub id: ConsentId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    pub given_by: GivenBy,
    #[serde(flatten)]
    pub scope: ScopeEntry,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Actor,
    /// How it was obtained (¶33). Absent from consents recorded before it was asked, which read "not recorded".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_obtained: Option<HowObtained>,
    /// The reference of the agency's own consent form (¶33: "using the respective agency's documentation").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "CF-2026-0412")]
    pub form_reference: Option<LocalRef>,
    /// When the young person gave it: who judged them competent to (Gillick competence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competence: Option<Competence>,
}

/// How a consent was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HowObtained {
    InPerson,
    Telephone,
    InWriting,
    Electronic,
}

impl HowObtained {
    pub fn words(self) -> &'static str {
        match self {
            Self::InPerson => "in person",
            Self::Telephone => "by telephone",
            Self::InWriting => "in writing",
            Self::Electronic => "electronically",
        }
    }
}

/// A young person judged competent to give consent themselves (Gillick), and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Competence {
    #[schema(value_type = String, example = "Dr Amira Khan")]
    pub assessed_by: PersonName,
    /// What the judgement rested on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Narrative>,
}

impl ConsentEntry {
    /// How it was obtained, in words, as a DPO reads it: "how obtained: not recorded" when it was not said.
    pub fn how_obtained_words(&self) -> String {
        let how = self.how_obtained.map_or("not recorded", HowObtained::words);
        let form = self.form_reference.as_ref().map(|f| format!("; consent form {f}")).unwrap_or_default();
        let competent = self
            .competence
            .as_ref()
            .map(|c| format!("; the young person judged competent by {}", c.assessed_by))
            .unwrap_or_default();
        format!("how obtained: {how}{form}{competent}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalEntry {
    #[schema(value_type = String)]
    pub consent: ConsentId,
    pub withdrawn_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub reason: Narrative,
    pub recorded_by: Actor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionEntry {
    #[schema(value_type = String)]
    pub id: DecisionId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    #[schema(value_type = String)]
    pub lawful_basis: LawfulBasis,
    /// Why consent is not sought (¶34), in words.
    #[schema(value_type = String)]
    pub reasons: Narrative,
    #[serde(flatten)]
    pub scope: ScopeEntry,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub decided_at: DateTime<Utc>,
    pub decided_by: Actor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndorsementEntry {
    #[schema(value_type = String)]
    pub decision: DecisionId,
    pub endorsed_at: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
    pub endorsed_by: Actor,
}

/// A holding agency confirms a consent another agency recorded: it too has the family's consent to share its
/// records so (¶33). Until then, for that agency's records, the consent is only a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationEntry {
    #[schema(value_type = String)]
    pub consent: ConsentId,
    /// The holding agency that confirms it.
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub confirmed_at: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub comment: Option<Narrative>,
    pub confirmed_by: Actor,
}

/// ¶13: an agency gave the family (or the child, where old enough) its privacy notice — that it keeps records, why,
/// and how to see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyNoticeEntry {
    #[schema(value_type = String)]
    pub id: NoticeId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    /// The agency whose notice it is: the recorder's.
    #[schema(value_type = String)]
    pub agency: AgencyName,
    /// Who was given it: the young person, or a parent or carer.
    pub given_to: GivenBy,
    pub given_at: DateTime<Utc>,
    pub how: HowObtained,
    /// Which notice, as the agency names its versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "PN-2026-v3")]
    pub notice_reference: Option<LocalRef>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Actor,
}

impl ConsentEntry {
    /// The consent as decisions see it, withdrawn if a withdrawal is given, confirmed by the agencies whose
    /// confirmations are given.
    pub fn to_consent<'c>(
        &self,
        withdrawal: Option<&WithdrawalEntry>,
        confirmations: impl Iterator<Item = &'c ConfirmationEntry>,
    ) -> Consent {
        Consent {
            id: self.id.clone(),
            scope: (&self.scope).into(),
            validity: Validity { from: self.valid_from, until: self.valid_until },
            withdrawn_at: withdrawal.map(|w| w.withdrawn_at),
            recorded_by: self.recorded_by.agency.clone(),
            confirmed_by: confirmations.filter(|c| c.consent == self.id).map(|c| c.agency.clone()).collect(),
        }
    }
}

impl DecisionEntry {
    pub fn to_decision(&self, endorsement: Option<&EndorsementEntry>) -> ConsentDecision {
        ConsentDecision {
            id: self.id.clone(),
            lawful_basis: self.lawful_basis.clone(),
            scope: (&self.scope).into(),
            validity: Validity { from: self.valid_from, until: self.valid_until },
            decided_by: self.decided_by.person(),
            endorsed_by: endorsement.map(|e| e.endorsed_by.person()),
        }
    }
}

#[cfg(test)]
mod tests;
