//! Core group meetings' rules (¶26, ¶32): who convenes one, who records attendance and decisions, who endorses and
//! closes, and what an invited agency may add. Each change is a sealed event appended after its rule passes against
//! the meeting as it stands, under the write lock. To an agency not invited a meeting does not exist. The API
//! (`routes::meetings`) and the console call these and only shape the answer.

use std::collections::BTreeSet;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::CORE_GROUP;
use crate::decision::policy::Vocabulary;
use crate::disclosure_log::{self, Disclosed, Kind, ReadWhy};
use crate::meetings::{Agreeing, Conveners, Dissent, FORMAT, Meeting, MeetingEvent};
use crate::register::{Actor, GatewayKey};
use crate::services::sharing::{Sharing, named_child, no_such_child};
use crate::store::meetings::{self as events, EventRow, load};
use crate::store::{Store, subjects, write_transaction};
use sharegate_core::domain::{
    AgencyName, DisclosureId, EventId, LawfulBasis, MeetingId, Narrative, Purpose, SubjectId, SubjectKey,
};
use sharegate_core::error::{ApiError, ErrorKind};
use sharegate_core::identity::{COORDINATOR, Coordinator, Identity, MANAGER, Manager};

/// The basis core group sharing rests on.
pub const S47: &str = "children_act_1989_s47";

pub fn not_found() -> ApiError {
    ApiError::not_found("no such meeting")
}

/// The meeting, for an agency it invites. To any other agency it does not exist — the same 404 as an unknown id — so
/// no answer tells an outsider that a core group is meeting about a child, who coordinates it, or whether it closed.
pub fn invited_to(meeting: Option<Meeting>, agency: &AgencyName) -> Result<Meeting, ApiError> {
    meeting.filter(|m| m.invited.contains(agency)).ok_or_else(not_found)
}

pub fn meeting_id(raw: &str) -> Result<MeetingId, ApiError> {
    MeetingId::parse(raw).map_err(|_| not_found())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject": "9434765919",
    "scheduled_for": "2030-01-14T10:00:00Z",
    "invited": ["police", "health", "education"]
}))]
pub struct MeetingBody {
    /// The child: gateway id or NHS number.
    pub subject: String,
    pub scheduled_for: DateTime<Utc>,
    #[schema(example = json!(["police", "health", "education", "social_care"]))]
    pub invited: Vec<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingsQuery {
    /// Only this child's meetings: gateway id or NHS number.
    pub subject: Option<String>,
    /// `open` or `closed`.
    pub state: Option<String>,
}

/// A meeting in a list: when, about whom, who is invited, whether it is closed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingSummary {
    pub id: String,
    #[schema(value_type = String)]
    pub subject: SubjectId,
    pub scheduled_for: DateTime<Utc>,
    #[schema(value_type = Vec<String>)]
    pub invited: BTreeSet<AgencyName>,
    #[schema(value_type = String)]
    pub coordinating_agency: AgencyName,
    pub closed_at: Option<DateTime<Utc>>,
}

impl MeetingSummary {
    fn of(m: &Meeting) -> Self {
        Self {
            id: m.id.clone(),
            subject: m.subject.clone(),
            scheduled_for: m.scheduled_for,
            invited: m.invited.clone(),
            coordinating_agency: m.coordinator.agency.clone(),
            closed_at: m.closed_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attended": ["police", "education"], "apologies": ["health"]}))]
pub struct AttendanceBody {
    #[serde(default)]
    pub attended: Vec<String>,
    /// Agencies that sent apologies.
    #[serde(default)]
    pub apologies: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "text": "Lily is up to date with her immunisations and growing as expected; no concerns about her health.",
    "absent": true
}))]
pub struct ViewBody {
    #[schema(value_type = String)]
    pub text: Narrative,
    /// Given by someone who cannot attend.
    #[serde(default)]
    pub absent: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingDecisionBody, example = json!({
    "text": "The school nurse will see Lily weekly and report any injury to social care the same day.",
    "agreed_by": ["social_care", "education"],
    "agreeing": [{"agency": "education", "name": "Dana Example"}],
    "dissent": [{"agency": "police", "reason": "A joint visit should come first."}]
}))]
pub struct DecisionBody {
    #[schema(value_type = String)]
    pub text: Narrative,
    /// The agencies that agreed.
    pub agreed_by: Vec<String>,
    /// The people who agreed (optional): each of an agency in `agreed_by`.
    #[serde(default)]
    pub agreeing: Vec<Agreeing>,
    #[serde(default)]
    pub dissent: Vec<Dissent>,
}

/// The meetings as practitioners act on them: the store they live in, the key that seals their events, the closed
/// lists their agencies come from.
pub struct Meetings<'a> {
    pub store: &'a Store,
    pub key: &'a GatewayKey,
    pub vocabulary: &'a Vocabulary,
}

impl Meetings<'_> {
    /// A coordinator of an agency that convenes core group meetings (`meeting_conveners`) creates one for a child.
    pub async fn create(
        &self,
        Coordinator(identity): &Coordinator,
        conveners: &Conveners,
        body: MeetingBody,
    ) -> Result<Meeting, ApiError> {
        if !conveners.0.contains(&identity.agency) {
            let agencies = conveners.0.iter().map(AgencyName::as_str).collect::<Vec<_>>().join(" or ");
            return Err(ApiError::forbidden(if agencies.is_empty() {
                "no agency convenes core group meetings through this gateway".to_owned()
            } else {
                format!("only a core group coordinator of {agencies} creates meetings")
            }));
        }
        let key_of =
            SubjectKey::parse(&body.subject).map_err(|e| ApiError::invalid("subject", format!("subject {e}")))?;
        let mut invited = self.agencies("invited", &body.invited)?;
        if invited.is_empty() {
            return Err(ApiError::invalid("invited", "invite at least one agency"));
        }
        invited.insert(identity.agency.clone());
        if body.scheduled_for < Utc::now() {
            return Err(ApiError::invalid(
                "scheduled_for",
                "scheduled_for is in the past: a meeting is scheduled ahead",
            ));
        }
        let subject = self.store.run(move |conn| subjects::find(conn, &key_of)).await?.ok_or_else(no_such_child)?;
        let id = MeetingId::new();
        let event = MeetingEvent::Created {
            meeting: id.clone(),
            subject: subject.id,
            scheduled_for: body.scheduled_for.trunc_subsecs(6),
            invited,
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let row = self.row(&id, &event)?;
        self.store
            .run(move |conn| {
                events::insert(conn, &row)?;
                load(conn, &id)
            })
            .await?
            .ok_or_else(not_found)
    }

    /// The meetings `identity`'s agency is invited to — for a coordinator, those their agency convenes — oldest
    /// first.
    pub async fn list(&self, identity: &Identity, query: MeetingsQuery) -> Result<Vec<MeetingSummary>, ApiError> {
        let MeetingsQuery { subject, state } = query;
        let closed = match state.as_deref() {
            None => None,
            Some("open") => Some(false),
            Some("closed") => Some(true),
            Some(_) => return Err(ApiError::invalid("state", "state is open or closed")),
        };
        let subject = match subject {
            Some(raw) => {
                SubjectKey::parse(&raw).map_err(|e| ApiError::invalid("subject", format!("subject {e}")))?;
                // A child the index does not hold has no meetings: the same empty list as any other.
                let Some(id) = named_child(self.store, &raw).await? else { return Ok(Vec::new()) };
                Some(id)
            }
            None => None,
        };
        let agency = identity.agency.clone();
        let convenes_only = identity.role.as_str() == COORDINATOR;
        self.store
            .run(move |conn| {
                let mut found = Vec::new();
                for id in events::meeting_ids(conn)? {
                    let Ok(id) = MeetingId::parse(&id) else { continue };
                    let Some(m) = load(conn, &id)? else { continue };
                    let theirs = m.invited.contains(&agency) && (!convenes_only || m.coordinator.agency == agency);
                    let wanted = subject.as_ref().is_none_or(|s| &m.subject == s)
                        && closed.is_none_or(|c| m.closed_at.is_some() == c);
                    if theirs && wanted {
                        found.push(MeetingSummary::of(&m));
                    }
                }
                Ok(found)
            })
            .await
            .map_err(ApiError::from)
    }

    /// The meeting as it stands, for an invited agency. What it says of the child (views, decisions) is disclosed,
    /// so the read is a logged disclosure under the meeting before anything is answered.
    pub async fn read(
        &self,
        identity: &Identity,
        raw: &str,
        sharing: &Sharing,
    ) -> Result<(Meeting, Disclosed), ApiError> {
        let id = meeting_id(raw)?;
        let lookup = id.clone();
        let meeting = invited_to(self.store.run(move |conn| load(conn, &lookup)).await?, &identity.agency)?;
        let body = serde_json::to_vec(&meeting).map_err(ApiError::internal)?;
        let why = ReadWhy {
            purpose: Purpose::parse(CORE_GROUP).map_err(ApiError::internal)?,
            lawful_basis: LawfulBasis::parse(S47).map_err(ApiError::internal)?,
            reason: Narrative::parse(&format!("Read the core group meeting {id}")).map_err(ApiError::internal)?,
            meeting: Some(id),
            policy_hash: sharing.policy.current().hash.clone(),
        };
        let (log, subject) = (&sharing.log, &meeting.subject);
        let disclosed =
            disclosure_log::commit_read(log, DisclosureId::new(), Kind::MeetingRead, identity, subject, why, body)
                .await?;
        Ok((meeting, disclosed))
    }

    /// The coordinator records who attended and who sent apologies.
    pub async fn attendance(&self, identity: &Identity, raw: &str, body: AttendanceBody) -> Result<Meeting, ApiError> {
        let id = meeting_id(raw)?;
        let attended = self.agencies("attended", &body.attended)?;
        let apologies = self.agencies("apologies", &body.apologies)?;
        if let Some(both) = attended.intersection(&apologies).next() {
            return Err(ApiError::invalid("apologies", format!("{both} cannot both attend and send apologies")));
        }
        let event = MeetingEvent::Attendance {
            id: EventId::new(),
            meeting: id.clone(),
            attended: attended.clone(),
            apologies: apologies.clone(),
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let identity = identity.clone();
        self.append(id, event, move |m| {
            coordinator_of(m, &identity)?;
            open(m)?;
            invited_only("attended", &attended, m)?;
            invited_only("apologies", &apologies, m)
        })
        .await
    }

    /// An invited practitioner gives a written view (¶32), marked when given in absence (not by an agency that
    /// attended). After the meeting closes a view is still taken, as a late addendum; none is ever edited.
    pub async fn add_view(
        &self,
        identity: &Identity,
        raw: &str,
        body: ViewBody,
    ) -> Result<(EventId, Meeting), ApiError> {
        let id = meeting_id(raw)?;
        let event_id = EventId::new();
        let event = MeetingEvent::View {
            id: event_id.clone(),
            meeting: id.clone(),
            text: body.text,
            absent: body.absent,
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let (absent, agency) = (body.absent, identity.agency.clone());
        let meeting = self
            .append(id, event, move |m| {
                if absent && m.attended.contains(&agency) {
                    return Err(ApiError::invalid(
                        "absent",
                        format!("{agency} attended this meeting: its view is not one given in absence"),
                    ));
                }
                Ok(())
            })
            .await?;
        Ok((event_id, meeting))
    }

    /// The coordinator records a joint decision (¶26): who agreed (agencies, and the people where named), who
    /// dissented and why. It stands flagged in the pack until a manager endorses it.
    pub async fn record_decision(
        &self,
        identity: &Identity,
        raw: &str,
        body: DecisionBody,
    ) -> Result<(EventId, Meeting), ApiError> {
        let id = meeting_id(raw)?;
        let agreed_by = self.agencies("agreed_by", &body.agreed_by)?;
        if agreed_by.is_empty() {
            return Err(ApiError::invalid("agreed_by", "a joint decision names the agencies that agreed"));
        }
        if let Some((n, person)) = body.agreeing.iter().enumerate().find(|(_, p)| !agreed_by.contains(&p.agency)) {
            return Err(ApiError::invalid(
                format!("agreeing[{n}].agency"),
                format!(
                    "{} of {} is named as agreeing, but {} is not in agreed_by",
                    person.name, person.agency, person.agency
                ),
            ));
        }
        let dissenting: BTreeSet<AgencyName> = body.dissent.iter().map(|d| d.agency.clone()).collect();
        if let Some(both) = agreed_by.intersection(&dissenting).next() {
            return Err(ApiError::invalid("dissent", format!("{both} cannot both agree and dissent")));
        }
        let event_id = EventId::new();
        let agreeing = body.agreeing.clone();
        let event = MeetingEvent::Decision {
            id: event_id.clone(),
            meeting: id.clone(),
            text: body.text,
            agreed_by: agreed_by.clone(),
            agreeing: body.agreeing,
            dissent: body.dissent,
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let identity = identity.clone();
        let meeting = self
            .append(id, event, move |m| {
                coordinator_of(m, &identity)?;
                open(m)?;
                invited_only("agreed_by", &agreed_by, m)?;
                if let Some((n, person)) = agreeing.iter().enumerate().find(|(_, p)| m.apologies.contains(&p.agency)) {
                    return Err(ApiError::invalid(
                        format!("agreeing[{n}].agency"),
                        format!("{} sent apologies: no one of it agreed in person", person.agency),
                    ));
                }
                invited_only("dissent", &dissenting, m)
            })
            .await?;
        Ok((event_id, meeting))
    }

    /// A manager of the coordinating agency endorses a decision; not the person who recorded it.
    pub async fn endorse(
        &self,
        Manager(identity): &Manager,
        raw_meeting: &str,
        raw_decision: &str,
        comment: Option<Narrative>,
    ) -> Result<Meeting, ApiError> {
        let id = meeting_id(raw_meeting)?;
        let no_decision = || ApiError::not_found("no such decision in this meeting");
        let decided = EventId::parse(raw_decision).map_err(|_| no_decision())?;
        let event = MeetingEvent::Endorsement {
            id: EventId::new(),
            meeting: id.clone(),
            decision: decided.clone(),
            comment,
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let identity = identity.clone();
        self.append(id, event, move |m| {
            let found = m.decisions.iter().find(|d| d.id == decided.as_str()).ok_or_else(no_decision)?;
            if identity.agency != m.coordinator.agency {
                return Err(ApiError::forbidden(format!(
                    "only a manager of {} may endorse the meeting's decisions",
                    m.coordinator.agency
                )));
            }
            if found.by.is(&identity) {
                return Err(ApiError::forbidden("you recorded this decision: another manager must endorse it"));
            }
            if found.endorsed_by.is_some() {
                return Err(ApiError::new(ErrorKind::Duplicate, "this decision has already been endorsed"));
            }
            Ok(())
        })
        .await
    }

    /// The coordinator closes the meeting: nothing more is shared under it. While a decision awaits its endorsement
    /// it stays open, unless a manager of the coordinating agency closes it saying why (¶26).
    pub async fn close(&self, identity: &Identity, raw: &str, reason: Option<Narrative>) -> Result<Meeting, ApiError> {
        let id = meeting_id(raw)?;
        let overriding = reason.is_some();
        let event = MeetingEvent::Closed {
            id: EventId::new(),
            meeting: id.clone(),
            reason,
            by: Actor::from(identity),
            at: Utc::now().trunc_subsecs(6),
        };
        let identity = identity.clone();
        self.append(id, event, move |m| {
            let manager = identity.role.as_str() == MANAGER && identity.agency == m.coordinator.agency;
            if !manager {
                coordinator_of(m, &identity)?;
            }
            open(m)?;
            let waiting: Vec<&str> =
                m.decisions.iter().filter(|d| d.needs_endorsement).map(|d| d.id.as_str()).collect();
            match (waiting.is_empty(), manager, overriding) {
                (true, _, _) | (false, true, true) => Ok(()),
                (false, true, false) => Err(ApiError::invalid(
                    "reason",
                    "decisions await endorsement: say why the meeting closes without it",
                )),
                (false, false, _) => Err(ApiError::new(
                    ErrorKind::Duplicate,
                    format!(
                        "decisions await a manager's endorsement ({}): endorse them first, or a manager of {} closes \
                         the meeting saying why",
                        waiting.join(", "),
                        m.coordinator.agency
                    ),
                )),
            }
        })
        .await
    }

    /// Seals `event` and appends it, after `check` passes against the meeting as it stands at that moment, under the
    /// write lock (so two closes, or an endorsement racing a close, cannot both pass). The event's author must be of
    /// an invited agency: for anyone else there is no such meeting.
    async fn append(
        &self,
        id: MeetingId,
        event: MeetingEvent,
        check: impl FnOnce(&Meeting) -> Result<(), ApiError> + Send + 'static,
    ) -> Result<Meeting, ApiError> {
        let author = event.by().agency.clone();
        let row = self.row(&id, &event)?;
        let outcome = self
            .store
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let Ok(meeting) = invited_to(load(conn, &id)?, &author) else { return Ok(Err(not_found())) };
                    if let Err(refused) = check(&meeting) {
                        return Ok(Err(refused));
                    }
                    events::insert(conn, &row)?;
                    Ok(Ok(load(conn, &id)?))
                })
            })
            .await?;
        outcome?.ok_or_else(not_found)
    }

    /// The sealed row of `event` in meeting `id`.
    fn row(&self, id: &MeetingId, event: &MeetingEvent) -> Result<EventRow, ApiError> {
        let sealed = sharegate_protocol::seal::seal(FORMAT, event, &self.key.0).map_err(ApiError::internal)?;
        Ok(EventRow {
            id: event.id(),
            meeting_id: id.to_string(),
            kind: event.kind().to_owned(),
            at: event.at().naive_utc(),
            sealed: sealed.canonical,
            signature: sealed.signature,
        })
    }

    fn agencies(&self, field: &str, names: &[String]) -> Result<BTreeSet<AgencyName>, ApiError> {
        names
            .iter()
            .enumerate()
            .map(|(i, a)| {
                self.vocabulary.parse_agency(a).map_err(|why| ApiError::invalid(format!("{field}[{i}]"), why))
            })
            .collect()
    }
}

fn coordinator_of(meeting: &Meeting, identity: &Identity) -> Result<(), ApiError> {
    if identity.role.as_str() == COORDINATOR && identity.agency == meeting.coordinator.agency {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only a coordinator of {} may do this for the meeting",
            meeting.coordinator.agency
        )))
    }
}

fn open(meeting: &Meeting) -> Result<(), ApiError> {
    match meeting.closed_at {
        Some(_) => Err(ApiError::new(ErrorKind::Duplicate, "the meeting is closed")),
        None => Ok(()),
    }
}

fn invited_only(field: &str, named: &BTreeSet<AgencyName>, meeting: &Meeting) -> Result<(), ApiError> {
    match named.iter().find(|a| !meeting.invited.contains(*a)) {
        Some(outsider) => Err(ApiError::invalid(field, format!("{outsider} is not invited to this meeting"))),
        None => Ok(()),
    }
}
