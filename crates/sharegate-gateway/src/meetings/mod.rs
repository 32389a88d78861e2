//! Core group meetings (¶26, ¶32): a coordinator invites agencies, records who attended and who sent apologies,
//! gathers the written views of those who could not come, records joint decisions — who agreed, who dissented and
//! why — and a manager's endorsement, and closes the meeting. Sharing for purpose `core_group` names a meeting: only
//! an invited agency, only while it is open.
//!
//! A meeting is the events that make it, each sealed by the gateway binding its author; [`Meeting`] is their fold.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::MeetingStanding;
use crate::register::Actor;
use sharegate_core::domain::{AgencyName, EventId, MeetingId, Narrative, PersonName, SubjectId};

pub const FORMAT: &str = "sharegate-meeting-event-v1";

/// The agencies whose coordinators may convene a core group meeting (the gateway's `meeting_conveners`). A meeting is
/// a ground for sharing under purpose `core_group`, so convening one is not left to whichever agency gives someone
/// the role `coordinator`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conveners(pub BTreeSet<AgencyName>);

/// How long before its time a meeting's sharing opens (the gateway's `meeting_opens_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpensBefore(pub chrono::Duration);

/// An agency that disagreed with a decision, and why; and who of it, where the coordinator names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dissent {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    /// The person who dissented. Left out of the sealed text when not named, so dissents sealed before people were
    /// recorded read and verify as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub name: Option<PersonName>,
    #[schema(value_type = String)]
    pub reason: Narrative,
}

/// A person who agreed to a decision, as the coordinator records them (¶26: who agreed): their agency and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreeing {
    #[schema(value_type = String)]
    pub agency: AgencyName,
    #[schema(value_type = String)]
    pub name: PersonName,
}

/// What happened at or around a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum MeetingEvent {
    Created {
        #[schema(value_type = String)]
        meeting: MeetingId,
        #[schema(value_type = String)]
        subject: SubjectId,
        scheduled_for: DateTime<Utc>,
        #[schema(value_type = Vec<String>)]
        invited: BTreeSet<AgencyName>,
        by: Actor,
        at: DateTime<Utc>,
    },
    Attendance {
        #[schema(value_type = String)]
        id: EventId,
        #[schema(value_type = String)]
        meeting: MeetingId,
        #[schema(value_type = Vec<String>)]
        attended: BTreeSet<AgencyName>,
        #[schema(value_type = Vec<String>)]
        apologies: BTreeSet<AgencyName>,
        by: Actor,
        at: DateTime<Utc>,
    },
    View {
        #[schema(value_type = String)]
        id: EventId,
        #[schema(value_type = String)]
        meeting: MeetingId,
        #[schema(value_type = String)]
        text: Narrative,
        /// Given by someone who could not attend (¶32).
        absent: bool,
        by: Actor,
        at: DateTime<Utc>,
    },
    Decision {
        #[schema(value_type = String)]
        id: EventId,
        #[schema(value_type = String)]
        meeting: MeetingId,
        #[schema(value_type = String)]
        text: Narrative,
        #[schema(value_type = Vec<String>)]
        agreed_by: BTreeSet<AgencyName>,
        /// The people who agreed, each of an agency in `agreed_by`. Left out of the sealed text when there are none,
        /// so decisions sealed before people were recorded read and verify as they were.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        agreeing: Vec<Agreeing>,
        dissent: Vec<Dissent>,
        by: Actor,
        at: DateTime<Utc>,
    },
    Endorsement {
        #[schema(value_type = String)]
        id: EventId,
        #[schema(value_type = String)]
        meeting: MeetingId,
        #[schema(value_type = String)]
        decision: EventId,
        #[schema(value_type = Option<String>)]
        comment: Option<Narrative>,
        by: Actor,
        at: DateTime<Utc>,
    },
    Closed {
        #[schema(value_type = String)]
        id: EventId,
        #[schema(value_type = String)]
        meeting: MeetingId,
        /// Why a manager closed it with decisions still unendorsed. Left out of the sealed text when not given, so
        /// closings sealed before it was asked read and verify as they were.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<String>)]
        reason: Option<Narrative>,
        by: Actor,
        at: DateTime<Utc>,
    },
}

impl MeetingEvent {
    /// The event's own id (a meeting's creation is named by the meeting).
    pub fn id(&self) -> String {
        match self {
            Self::Created { meeting, .. } => meeting.to_string(),
            Self::Attendance { id, .. }
            | Self::View { id, .. }
            | Self::Decision { id, .. }
            | Self::Endorsement { id, .. }
            | Self::Closed { id, .. } => id.to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Attendance { .. } => "attendance",
            Self::View { .. } => "view",
            Self::Decision { .. } => "decision",
            Self::Endorsement { .. } => "endorsement",
            Self::Closed { .. } => "closed",
        }
    }

    /// Who recorded the event.
    pub fn by(&self) -> &Actor {
        match self {
            Self::Created { by, .. }
            | Self::Attendance { by, .. }
            | Self::View { by, .. }
            | Self::Decision { by, .. }
            | Self::Endorsement { by, .. }
            | Self::Closed { by, .. } => by,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Created { at, .. }
            | Self::Attendance { at, .. }
            | Self::View { at, .. }
            | Self::Decision { at, .. }
            | Self::Endorsement { at, .. }
            | Self::Closed { at, .. } => *at,
        }
    }
}

/// A written view, as the pack shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct View {
    pub id: String,
    pub text: String,
    pub absent: bool,
    /// Given after the meeting closed: a late addendum, kept beside the rest and marked (never an edit).
    pub late: bool,
    pub by: Actor,
    pub at: DateTime<Utc>,
    /// The gateway's signature over the view as given.
    pub signature: String,
}

/// A decision, with its endorsement if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: String,
    pub text: String,
    #[schema(value_type = Vec<String>)]
    pub agreed_by: BTreeSet<AgencyName>,
    /// The people who agreed, where the coordinator named them.
    pub agreeing: Vec<Agreeing>,
    pub dissent: Vec<Dissent>,
    pub by: Actor,
    pub at: DateTime<Utc>,
    pub endorsed_by: Option<Actor>,
    /// What the endorsing manager said, if anything.
    pub endorsement_comment: Option<String>,
    /// Shown, not hidden: a decision still lacking the manager's endorsement it needs.
    pub needs_endorsement: bool,
    pub signature: String,
}

/// A meeting as its events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: String,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    pub scheduled_for: DateTime<Utc>,
    #[schema(value_type = Vec<String>)]
    pub invited: BTreeSet<AgencyName>,
    /// Who created it: its coordinator.
    pub coordinator: Actor,
    #[schema(value_type = Vec<String>)]
    pub attended: BTreeSet<AgencyName>,
    #[schema(value_type = Vec<String>)]
    pub apologies: BTreeSet<AgencyName>,
    pub views: Vec<View>,
    pub decisions: Vec<Decision>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Why a manager closed it with decisions unendorsed, if so.
    #[schema(value_type = Option<String>)]
    pub closed_because: Option<Narrative>,
}

impl Meeting {
    /// Folds a meeting's events (in order, with their signatures). None if they do not begin with its creation.
    pub fn from_events(events: &[(MeetingEvent, String)]) -> Option<Self> {
        let (first, rest) = events.split_first()?;
        let MeetingEvent::Created { meeting, subject, scheduled_for, invited, by, .. } = &first.0 else { return None };
        let mut m = Meeting {
            id: meeting.to_string(),
            subject: subject.clone(),
            scheduled_for: *scheduled_for,
            invited: invited.clone(),
            coordinator: by.clone(),
            attended: BTreeSet::new(),
            apologies: BTreeSet::new(),
            views: Vec::new(),
            decisions: Vec::new(),
            closed_at: None,
            closed_because: None,
        };
        let mut endorsements: BTreeMap<String, (Actor, Option<Narrative>)> = BTreeMap::new();
        for (event, signature) in rest {
            match event {
                MeetingEvent::Created { .. } => {}
                MeetingEvent::Attendance { attended, apologies, .. } => {
                    m.attended.clone_from(attended);
                    m.apologies.clone_from(apologies);
                }
                MeetingEvent::View { id, text, absent, by, at, .. } => m.views.push(View {
                    id: id.to_string(),
                    text: text.to_string(),
                    absent: *absent,
                    late: m.closed_at.is_some(),
                    by: by.clone(),
                    at: *at,
                    signature: signature.clone(),
                }),
                MeetingEvent::Decision { id, text, agreed_by, agreeing, dissent, by, at, .. } => {
                    m.decisions.push(Decision {
                        id: id.to_string(),
                        text: text.to_string(),
                        agreed_by: agreed_by.clone(),
                        agreeing: agreeing.clone(),
                        dissent: dissent.clone(),
                        by: by.clone(),
                        at: *at,
                        endorsed_by: None,
                        endorsement_comment: None,
                        needs_endorsement: true,
                        signature: signature.clone(),
                    })
                }
                MeetingEvent::Endorsement { decision, by, comment, .. } => {
                    endorsements.insert(decision.to_string(), (by.clone(), comment.clone()));
                }
                MeetingEvent::Closed { at, reason, .. } => {
                    m.closed_at = Some(*at);
                    m.closed_because.clone_from(reason);
                }
            }
        }
        for decision in &mut m.decisions {
            let (by, comment) = endorsements.remove(&decision.id).unzip();
            decision.endorsed_by = by;
            decision.endorsement_comment = comment.flatten().map(String::from);
            decision.needs_endorsement = decision.endorsed_by.is_none();
        }
        Some(m)
    }

    /// The agencies that sent apologies and gave no written view (¶32: the views of those who cannot attend).
    pub fn silent_apologies(&self) -> Vec<AgencyName> {
        self.apologies.iter().filter(|a| !self.views.iter().any(|v| &v.by.agency == *a)).cloned().collect()
    }

    /// Where a requester of `agency`, asking about `subject` at `now`, stands with this meeting. A meeting about
    /// another child, or one that does not invite the agency, is unknown to it: a refusal does not say the meeting
    /// exists. Sharing opens `opens.0` before the meeting's time and ends when it closes.
    pub fn standing(
        &self,
        agency: &AgencyName,
        subject: &SubjectId,
        now: DateTime<Utc>,
        opens: OpensBefore,
    ) -> MeetingStanding {
        if &self.subject != subject || !self.invited.contains(agency) {
            MeetingStanding::Unknown
        } else if self.closed_at.is_some() {
            MeetingStanding::Closed
        } else if now < self.scheduled_for - opens.0 {
            MeetingStanding::NotYetOpen(self.scheduled_for - opens.0)
        } else {
            MeetingStanding::Invited(self.invited.clone())
        }
    }
}

#[cfg(test)]
mod tests;
