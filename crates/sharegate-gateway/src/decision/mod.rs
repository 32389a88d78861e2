//! The decision (step 4 of a request's way through): for each category asked, may this requester see it, and on
//! what ground? Pure: no I/O, no clock, no randomness — `decide()` is a function of (policy, identity, request,
//! consent state, meeting, now).
//!
//! Two things must both hold for a category to be shared:
//! 1. need-to-know: the policy allows this role in this agency to see this category for this purpose on this basis;
//! 2. a ground for this child: an active consent covering the category, the requester's agency and the purpose
//!    (basis `consent`); for a core group, an open meeting the requester's agency is invited to; otherwise a recorded
//!    decision not to seek consent on this basis, covering the same, endorsed by a manager where the rule says so.
//!
//! A refusal says why in words a practitioner understands, and never whether any record exists.

pub mod cases;
pub mod consent;
pub mod diff;
mod index;
pub mod policy;
mod rule;
pub mod shared;
pub mod synthetic;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use self::consent::{Consent, ConsentBy, SubjectConsents};
use self::policy::{Policy, Rule};
use sharegate_core::domain::{AgencyName, Category, ConsentId, DecisionId, LawfulBasis, MeetingId, Purpose};
use sharegate_core::identity::Identity;

/// The basis `consent`: the only one that does not need a recorded decision.
pub const CONSENT: &str = "consent";
/// The purpose whose ground is the meeting itself.
pub const CORE_GROUP: &str = "core_group";

/// What is asked, already parsed against the closed lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRequest {
    pub categories: BTreeSet<Category>,
    pub purpose: Purpose,
    pub lawful_basis: LawfulBasis,
    pub meeting: Option<MeetingId>,
}

/// What the meetings register says about the meeting a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingStanding {
    /// The meeting is open and the requester's agency is invited, among these agencies: only their records are
    /// shared under it.
    Invited(BTreeSet<AgencyName>),
    /// The requester's agency is invited, and the meeting has closed.
    Closed,
    /// The requester's agency is invited; sharing under the meeting opens at this time.
    NotYetOpen(DateTime<Utc>),
    /// No such meeting for this child, or none that invites the requester's agency.
    Unknown,
}

/// Why a category may be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ground {
    Consent(ConsentId, ConsentBy),
    Decision(DecisionId),
    Meeting(MeetingId),
}

impl Ground {
    /// For a grant on consent: whose consent it was, and why it counts.
    pub fn consent_by(&self) -> Option<&ConsentBy> {
        match self {
            Self::Consent(_, by) => Some(by),
            Self::Decision(_) | Self::Meeting(_) => None,
        }
    }
}

/// Why a category may not be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No rule gives this role this category for this purpose on this basis.
    NotNeedToKnow,
    /// A rule forbids it; its reason is given.
    Forbidden {
        reason: String,
    },
    NoConsent,
    /// A consent covers it, but another agency than the holder recorded it and the holder has not confirmed it.
    ConsentUnconfirmed {
        consent: ConsentId,
        recorded_by: AgencyName,
    },
    NoDecision,
    AwaitingEndorsement(DecisionId),
    MeetingRequired,
    MeetingUnknown,
    MeetingClosed,
    MeetingNotYetOpen(DateTime<Utc>),
    /// The meeting does not invite the agency that holds the category: its records are not shared under it.
    HolderNotInvited,
}

/// The answer for one category (held by one agency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub category: Category,
    /// The agency that holds records of this category.
    pub agency: AgencyName,
    /// The policy rule that decided need-to-know, as `policy.csv:LINE (p, …)`; none when no rule matched.
    pub rule: Option<String>,
    pub result: Result<Ground, Refusal>,
}

impl Outcome {
    /// The refusal in words a practitioner understands, naming the rule; never whether records exist.
    pub fn why(&self, request: &ShareRequest) -> Option<String> {
        let refusal = self.result.as_ref().err()?;
        let (category, purpose, basis) = (&self.category, &request.purpose, &request.lawful_basis);
        Some(match refusal {
            Refusal::NotNeedToKnow => {
                format!("need-to-know policy does not let your role see {category} for {purpose} on the basis {basis}")
            }
            Refusal::Forbidden { reason } => format!("need-to-know policy forbids this: {reason}"),
            Refusal::NoConsent => format!("no active consent covers sharing {category} with your agency for {purpose}"),
            Refusal::ConsentUnconfirmed { consent, recorded_by } => format!(
                "the consent {consent} was recorded by {recorded_by}: {holder} must confirm it before it covers {holder}'s records (¶33)",
                holder = self.agency
            ),
            Refusal::NoDecision => format!(
                "no recorded decision not to seek consent on the basis {basis} covers sharing {category} with your agency for {purpose} (¶34)"
            ),
            Refusal::AwaitingEndorsement(id) => {
                format!(
                    "the decision not to seek consent {id} must be endorsed by a manager of the deciding agency first"
                )
            }
            Refusal::MeetingRequired => "sharing for a core group needs the meeting's id".to_owned(),
            Refusal::MeetingUnknown => {
                "there is no core group meeting with that id for this child that your agency is invited to".to_owned()
            }
            Refusal::MeetingClosed => "this core group meeting is closed: nothing more is shared under it".to_owned(),
            Refusal::MeetingNotYetOpen(opens) => format!(
                "sharing for this core group meeting opens on {}: nothing is shared under it before then",
                opens.format("%-d %B %Y at %H:%M UTC")
            ),
            Refusal::HolderNotInvited => format!(
                "this core group meeting does not invite {holder}: {holder}'s records are not shared under it",
                holder = self.agency
            ),
        })
    }
}

/// The whole decision, with the policy version that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub policy_hash: String,
    pub outcomes: Vec<Outcome>,
}

impl Decision {
    pub fn granted(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_ok())
    }

    pub fn refused(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }
}

/// A decided request: the only thing the broker accepts as permission to fetch. Only [`authorize`] makes one.
#[derive(Debug, Clone)]
pub struct Authorized {
    decision: Decision,
    request: ShareRequest,
}

impl Authorized {
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    pub fn request(&self) -> &ShareRequest {
        &self.request
    }

    /// The categories that may be fetched, by the agency that holds them.
    pub fn allowed_by_agency(&self) -> std::collections::BTreeMap<AgencyName, BTreeSet<Category>> {
        let mut allowed: std::collections::BTreeMap<AgencyName, BTreeSet<Category>> = Default::default();
        for outcome in self.decision.granted() {
            allowed.entry(outcome.agency.clone()).or_default().insert(outcome.category.clone());
        }
        allowed
    }
}

/// Decides `request` and wraps the decision as the permission the later steps need.
pub fn authorize(
    policy: &Policy,
    requester: &Identity,
    request: ShareRequest,
    consents: &SubjectConsents,
    meeting: Option<&MeetingStanding>,
    now: DateTime<Utc>,
) -> Authorized {
    let decision = decide(policy, requester, &request, consents, meeting, now);
    Authorized { decision, request }
}

/// Decides every category of `request` for `requester`.
pub fn decide(
    policy: &Policy,
    requester: &Identity,
    request: &ShareRequest,
    consents: &SubjectConsents,
    meeting: Option<&MeetingStanding>,
    now: DateTime<Utc>,
) -> Decision {
    let outcomes = request
        .categories
        .iter()
        .map(|category| {
            let verdict = policy.evaluate(
                requester.role.as_str(),
                requester.agency.as_str(),
                category.as_str(),
                request.purpose.as_str(),
                request.lawful_basis.as_str(),
            );
            let result = match verdict.rule {
                Some(rule) if !verdict.allowed => Err(Refusal::Forbidden { reason: rule.reason.clone() }),
                None => Err(Refusal::NotNeedToKnow),
                Some(rule) => ground(rule, requester, request, category, consents, meeting, now),
            };
            Outcome {
                category: category.clone(),
                agency: category.holder().clone(),
                rule: verdict.rule.map(Rule::reference),
                result,
            }
        })
        .collect();
    Decision { policy_hash: policy.hash.clone(), outcomes }
}

/// Need-to-know allows it (by `rule`); is there a ground for this child?
fn ground(
    rule: &Rule,
    requester: &Identity,
    request: &ShareRequest,
    category: &Category,
    consents: &SubjectConsents,
    meeting: Option<&MeetingStanding>,
    now: DateTime<Utc>,
) -> Result<Ground, Refusal> {
    let recipient = &requester.agency;
    let purpose = &request.purpose;
    if request.lawful_basis.as_str() == CONSENT {
        let holder = category.holder();
        let covering: Vec<&Consent> = consents
            .consents
            .iter()
            .filter(|c| c.active_at(now) && c.scope.covers(category, recipient, purpose))
            .collect();
        let counted = covering.iter().find_map(|c| {
            let standing = c.standing(holder, recipient, rule.requester_consent_suffices)?;
            Some(Ground::Consent(c.id.clone(), ConsentBy { recorded_by: c.recorded_by.clone(), standing }))
        });
        return match (counted, covering.first()) {
            (Some(ground), _) => Ok(ground),
            (None, Some(claim)) => {
                Err(Refusal::ConsentUnconfirmed { consent: claim.id.clone(), recorded_by: claim.recorded_by.clone() })
            }
            (None, None) => Err(Refusal::NoConsent),
        };
    }
    if purpose.as_str() == CORE_GROUP {
        let id = request.meeting.clone().ok_or(Refusal::MeetingRequired)?;
        return match meeting {
            Some(MeetingStanding::Invited(invited)) if invited.contains(category.holder()) => Ok(Ground::Meeting(id)),
            Some(MeetingStanding::Invited(_)) => Err(Refusal::HolderNotInvited),
            Some(MeetingStanding::Closed) => Err(Refusal::MeetingClosed),
            Some(MeetingStanding::NotYetOpen(opens)) => Err(Refusal::MeetingNotYetOpen(*opens)),
            Some(MeetingStanding::Unknown) | None => Err(Refusal::MeetingUnknown),
        };
    }
    let covering: Vec<_> = consents
        .decisions
        .iter()
        .filter(|d| {
            d.lawful_basis == request.lawful_basis
                && d.validity.contains(now)
                && d.scope.covers(category, recipient, purpose)
        })
        .collect();
    let usable = covering.iter().find(|d| !rule.needs_endorsement || d.is_endorsed());
    match (usable, covering.first()) {
        (Some(decision), _) => Ok(Ground::Decision(decision.id.clone())),
        (None, Some(pending)) => Err(Refusal::AwaitingEndorsement(pending.id.clone())),
        (None, None) => Err(Refusal::NoDecision),
    }
}

#[cfg(test)]
mod tests;
