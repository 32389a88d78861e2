//! Subject-access packs (¶28; UK GDPR Art. 15): a child's history with one agency — who saw what of the child's
//! records, or asked for them, when and why — written for the family in words ("the school", "to keep Lily safe"),
//! not codes. The agency's DPO drafts a pack from the disclosure log, marks what must be withheld (third-party
//! information: a passage, or words in one) with why, and releases it: the release is itself a logged disclosure,
//! and both what the family was given and what was withheld, and why, are kept.
//!
//! A pack is the events that make it, each sealed by the gateway binding the DPO: drafted, marked, released.

pub mod words;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::disclosure_log::{Entry, Kind, Outcome};
use crate::register::{Actor, GivenBy};
use sharegate_core::domain::{AccessPackId, AgencyName, DisclosureId, Narrative, SubjectId};

/// The text a pack event's signature covers is this line, then the event as compact JSON.
pub const FORMAT: &str = "sharegate-access-pack-event-v1";

/// One thing that happened, in words for the family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Passage {
    /// The log entry it tells of.
    #[schema(value_type = String)]
    pub disclosure_id: DisclosureId,
    pub text: String,
}

/// What a DPO withholds from a passage: some words of it, or the whole passage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    /// The passage's index (from 0).
    pub passage: usize,
    /// The words withheld, exactly as they stand in the passage; none for the whole passage.
    pub words: Option<String>,
    /// Why, e.g. "it names a neighbour who gave information in confidence".
    #[schema(value_type = String)]
    pub why: Narrative,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum PackEvent {
    Drafted {
        #[schema(value_type = String)]
        pack: AccessPackId,
        #[schema(value_type = String)]
        subject: SubjectId,
        /// The agency whose history it is: the DPO's.
        #[schema(value_type = String)]
        agency: AgencyName,
        /// Who asked to see the records.
        requested_by: GivenBy,
        passages: Vec<Passage>,
        at: DateTime<Utc>,
        by: Actor,
    },
    Marked {
        #[schema(value_type = String)]
        pack: AccessPackId,
        withheld: Withheld,
        at: DateTime<Utc>,
        by: Actor,
    },
    Released {
        #[schema(value_type = String)]
        pack: AccessPackId,
        /// The log entry of the release.
        #[schema(value_type = String)]
        disclosure: DisclosureId,
        /// The passages as the family was given them.
        passages: Vec<String>,
        withheld: Vec<Withheld>,
        at: DateTime<Utc>,
        by: Actor,
    },
}

impl PackEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Drafted { .. } => "drafted",
            Self::Marked { .. } => "marked",
            Self::Released { .. } => "released",
        }
    }
}

/// A release, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Release {
    #[schema(value_type = String)]
    pub disclosure: DisclosureId,
    pub passages: Vec<String>,
    pub withheld: Vec<Withheld>,
    pub at: DateTime<Utc>,
    pub by: Actor,
}

/// A pack as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Pack {
    #[schema(value_type = String)]
    pub id: AccessPackId,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    #[schema(value_type = String)]
    pub agency: AgencyName,
    pub requested_by: GivenBy,
    pub passages: Vec<Passage>,
    pub drafted_at: DateTime<Utc>,
    pub drafted_by: Actor,
    /// What the DPO has marked to withhold, in the order marked.
    pub withheld: Vec<Withheld>,
    /// Once released: what the family was given.
    pub released: Option<Release>,
}

/// Why a mark cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("passage {0} is not in this pack")]
    NoSuchPassage(usize),
    #[error("passage {passage} does not hold the words '{words}' exactly")]
    WordsNotInPassage { passage: usize, words: String },
}

impl Pack {
    /// Folds a pack's events, in order; none if they do not begin with its drafting.
    pub fn from_events(events: &[PackEvent]) -> Option<Self> {
        let (first, rest) = events.split_first()?;
        let PackEvent::Drafted { pack, subject, agency, requested_by, passages, at, by } = first.clone() else {
            return None;
        };
        let mut folded = Self {
            id: pack,
            subject,
            agency,
            requested_by,
            passages,
            drafted_at: at,
            drafted_by: by,
            withheld: Vec::new(),
            released: None,
        };
        for event in rest {
            match event.clone() {
                PackEvent::Marked { withheld, .. } => folded.withheld.push(withheld),
                PackEvent::Released { disclosure, passages, withheld, at, by, .. } => {
                    folded.released = Some(Release { disclosure, passages, withheld, at, by });
                }
                PackEvent::Drafted { .. } => {}
            }
        }
        Some(folded)
    }

    /// Folds a pack's events as stored, sealed; none if there are none.
    pub fn from_sealed(sealed: &[String]) -> Result<Option<Self>, String> {
        let events = sealed
            .iter()
            .map(|text| sharegate_protocol::seal::open::<PackEvent>(text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("a subject-access pack cannot be read: {e}"))?;
        Ok(Self::from_events(&events))
    }

    /// Checks that a mark names a passage of this pack and words that stand in it.
    pub fn check(&self, withheld: &Withheld) -> Result<(), MarkError> {
        let passage = self.passages.get(withheld.passage).ok_or(MarkError::NoSuchPassage(withheld.passage))?;
        match &withheld.words {
            Some(words) if !passage.text.contains(words.as_str()) => {
                Err(MarkError::WordsNotInPassage { passage: withheld.passage, words: words.clone() })
            }
            _ => Ok(()),
        }
    }

    /// The passages as the family is given them: each marked passage left out, each marked run of words replaced by
    /// "[withheld]", a note in place of a whole passage withheld.
    pub fn redacted(&self) -> Vec<String> {
        self.passages
            .iter()
            .enumerate()
            .map(|(i, passage)| {
                let marks = self.withheld.iter().filter(|w| w.passage == i);
                let mut text = passage.text.clone();
                for mark in marks {
                    match &mark.words {
                        None => return "[This passage is withheld; the list at the end says why.]".to_owned(),
                        Some(words) => text = text.replace(words.as_str(), "[withheld]"),
                    }
                }
                text
            })
            .collect()
    }
}

/// The passage telling of `entry`, for the family of the child named `child`; none for what is not the child's
/// records seen or asked for (a DPO's review, an earlier release of a pack).
pub fn passage(entry: &Entry, child: &str) -> Option<Passage> {
    let when = entry.at.format("On %-d %B %Y at %H:%M").to_string();
    let who = format!(
        "{}, {} at {}",
        entry.requester.person,
        words::role(entry.requester.role.as_str()),
        words::agency(entry.requester.agency.as_str())
    );
    let why = words::purpose(entry.purpose.as_str(), child);
    let basis = words::basis(entry.lawful_basis.as_str());
    let reason = format!("The reason they gave: “{}”", entry.reason.as_str().trim_end_matches('.'));
    let categories = |categories: Vec<&sharegate_core::domain::Category>| {
        let mut named: Vec<String> = categories.into_iter().map(words::category).collect();
        named.dedup();
        words::list(&named)
    };
    let text = match entry.kind {
        Kind::Request => {
            let mut text = format!(
                "{when}, {who}, asked for {child}'s {} {why}, {basis}. {reason}.",
                categories(entry.asked.iter().collect())
            );
            if !entry.given.is_empty() {
                text.push_str(&format!(
                    " They were given the {}.",
                    categories(entry.given.iter().map(|g| &g.category).collect())
                ));
            }
            if !entry.refused.is_empty() {
                let whys: Vec<String> = entry.refused.iter().map(|r| r.why.trim_end_matches('.').to_owned()).collect();
                text.push_str(&format!(
                    " They were not given the {}: {}.",
                    categories(entry.refused.iter().map(|r| &r.category).collect()),
                    whys.join("; ")
                ));
            }
            if entry.outcome == Outcome::Refused && entry.given.is_empty() && entry.refused.is_empty() {
                text.push_str(" Nothing was given.");
            }
            text
        }
        Kind::Discovery => format!(
            "{when}, {who}, asked which services hold records about {child} {why}, {basis}. {reason}. They were told \
             which services hold records, not what the records say."
        ),
        Kind::Lookup => {
            format!("{when}, {who}, looked {child} up in the list of children the services know, {why}. {reason}.")
        }
        Kind::MeetingRead => {
            format!("{when}, {who}, read the record of a meeting of the professionals who support {child}. {reason}.")
        }
        Kind::Review | Kind::SubjectAccess => return None,
    };
    Some(Passage { disclosure_id: entry.id.clone(), text })
}

#[cfg(test)]
mod tests;
