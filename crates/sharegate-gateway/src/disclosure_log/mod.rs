//! The disclosure log (step 7): every answer — granted, partial, refused, and every discovery — is written down
//! with who asked, about whom, what, why, on what basis, under which policy, and the digest of the exact answer,
//! and committed BEFORE the answer is sent. If it cannot be written, nothing is disclosed (503).
//!
//! Only [`commit`] turns a decided and redacted request into a [`Disclosed`] answer: no other code can make one.
//!
//! The log is append-only and tamper-evident: each entry carries the previous entry's hash, and a Merkle tree over
//! the entries (RFC 9162) gives signed checkpoints and inclusion proofs ([`merkle`], [`checkpoint`]). One writer
//! appends with group commit ([`writer`]); `sharegate log verify` re-derives everything ([`verify`]).

pub mod checkpoint;
mod columns;
mod entry;
pub mod indexer;
pub mod merkle;
pub mod note;
pub mod policy_change;
pub mod proof;
mod queue;
pub mod tiles;
pub mod verify;
pub mod witness;
pub mod writer;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The log's index brought up to date before a handler runs. A handler that reads the index (DPO search, the review
/// queue, a child's history, proofs, the console) takes one, so that it never reads an index older than the log was
/// when the request came in — the reader's own entries included (the index is built behind the writer). Taken as
/// the handler's last parameter: actix extracts in order, so a caller refused by identity, role or input costs the
/// index nothing.
pub struct FreshIndex;

impl actix_web::FromRequest for FreshIndex {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let writer = request.app_data::<actix_web::web::Data<LogWriter>>().cloned();
        Box::pin(async move {
            let writer = writer.ok_or_else(|| ApiError::internal("the server has no log writer"))?;
            writer.caught_up().await.map_err(ApiError::store_unavailable)?;
            Ok(Self)
        })
    }
}

pub use checkpoint::CheckpointPolicy;
pub use entry::{
    AgencyPart, Entry, Given, GroundKind, GroundRef, Index, Kind, LoggedEntry, Outcome, Refused, Review, Verdict,
    VerdictKind,
};
pub use queue::Waiting;
pub use writer::{AppendError, LogError, LogWriter};

/// A review entry with awkward text in it, for unit tests.
#[cfg(test)]
pub(crate) use entry::tests::sample;

use crate::broker::{Held, NodeFault};
use crate::decision::{Authorized, Ground};
use crate::redaction::{AgencyReport, Redacted};
use crate::register::Actor;
use sharegate_core::domain::{AgencyName, DisclosureId, Narrative, Subject, SubjectId};
use sharegate_core::error::{ApiError, ErrorKind};
use sharegate_core::identity::Identity;

/// An answer whose entry is committed: the only thing a sharing endpoint can send.
#[derive(Debug)]
pub struct Disclosed {
    id: DisclosureId,
    status: StatusCode,
    body: Vec<u8>,
}

impl Disclosed {
    pub fn id(&self) -> &DisclosureId {
        &self.id
    }

    /// The answer exactly as logged (its digest is in the entry).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(self.status).content_type("application/json").body(self.body)
    }
}

/// A refused category as the requester sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefusedView {
    pub category: String,
    pub agency: String,
    pub why: String,
}

/// `200`: what may be seen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Granted<'a> {
    #[schema(value_type = String)]
    pub disclosure_id: &'a DisclosureId,
    #[schema(value_type = Vec<sharegate_protocol::record::SignedRecord>)]
    pub records: &'a [sharegate_protocol::record::SignedRecord],
    /// Some agency's part is missing or was cut; see `agencies`.
    pub partial: bool,
    #[schema(value_type = Vec<AgencyReport>)]
    pub agencies: &'a [AgencyReport],
    /// Categories asked for and given, each with the ground it was given on (and, on consent, whose consent).
    pub granted: Vec<Given>,
    /// Categories asked for and refused, with why.
    pub refused: Vec<RefusedView>,
    /// The need-to-know policy that decided.
    pub policy: &'a str,
}

/// `403`: nothing may be seen. Not an error: an answer, logged like a grant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Refusal<'a> {
    #[schema(value_type = String)]
    pub disclosure_id: &'a DisclosureId,
    pub refused: Vec<RefusedView>,
}

/// Everything a request's answer is made from.
pub struct Request<'a> {
    pub id: DisclosureId,
    pub requester: &'a Identity,
    pub subject: &'a Subject,
    pub reason: &'a Narrative,
    pub authorized: &'a Authorized,
    pub redacted: Redacted,
}

fn digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn refused_views(authorized: &Authorized) -> Vec<RefusedView> {
    let request = authorized.request();
    authorized
        .decision()
        .refused()
        .map(|o| RefusedView {
            category: o.category.to_string(),
            agency: o.agency.to_string(),
            why: o.why(request).unwrap_or_default(),
        })
        .collect()
}

/// What a decided request gave, on which ground (and, on consent, whose consent).
fn given(authorized: &Authorized) -> Vec<Given> {
    authorized
        .decision()
        .granted()
        .filter_map(|o| {
            let ground = o.result.as_ref().ok()?;
            Some(Given {
                category: o.category.clone(),
                agency: o.agency.clone(),
                ground: ground.into(),
                rule: o.rule.clone(),
                consent: ground.consent_by().cloned(),
            })
        })
        .collect()
}

/// Who asked about whom, why, and what was decided: what every decided disclosure's entry starts from.
struct Decided<'a> {
    id: &'a DisclosureId,
    requester: &'a Identity,
    subject: &'a Subject,
    reason: &'a Narrative,
    authorized: &'a Authorized,
}

/// The parts of an entry that any decided disclosure has: who, whom, why, what was asked, given and refused.
fn decided_entry(kind: Kind, decided: Decided<'_>, agencies: &[AgencyReport], outcome: Outcome) -> Entry {
    let Decided { id, requester, subject, reason, authorized } = decided;
    let (decision, request) = (authorized.decision(), authorized.request());
    Entry {
        id: id.clone(),
        at: Utc::now().trunc_subsecs(6),
        kind,
        requester: Actor::from(requester),
        subject: subject.id.clone(),
        purpose: request.purpose.clone(),
        lawful_basis: request.lawful_basis.clone(),
        reason: reason.clone(),
        meeting: request.meeting.clone(),
        policy_hash: decision.policy_hash.clone(),
        asked: request.categories.iter().cloned().collect(),
        given: given(authorized),
        refused: decision
            .refused()
            .map(|o| Refused {
                category: o.category.clone(),
                agency: o.agency.clone(),
                why: o.why(request).unwrap_or_default(),
                rule: o.rule.clone(),
            })
            .collect(),
        agencies: agencies.iter().map(AgencyPart::from).collect(),
        records: Vec::new(),
        outcome,
        response_digest: String::new(),
        review: None,
    }
}

/// Builds the answer, writes its entry (with the answer's digest), and only then hands the answer back.
pub async fn commit(log: &LogWriter, request: Request<'_>) -> Result<Disclosed, ApiError> {
    let authorized = request.authorized;
    let decision = authorized.decision();
    let granted_any = decision.granted().next().is_some();
    let refused = refused_views(authorized);
    let (status, body) = if granted_any {
        let answer = Granted {
            disclosure_id: &request.id,
            records: request.redacted.records(),
            partial: request.redacted.partial(),
            agencies: request.redacted.agencies(),
            granted: given(authorized),
            refused: refused.clone(),
            policy: &decision.policy_hash,
        };
        (StatusCode::OK, serde_json::to_vec(&answer).map_err(ApiError::internal)?)
    } else {
        let answer = Refusal { disclosure_id: &request.id, refused: refused.clone() };
        (StatusCode::FORBIDDEN, serde_json::to_vec(&answer).map_err(ApiError::internal)?)
    };
    let outcome = match (granted_any, refused.is_empty(), request.redacted.partial()) {
        (false, ..) => Outcome::Refused,
        (true, true, false) => Outcome::Granted,
        (true, ..) => Outcome::Partial,
    };
    let decided = Decided {
        id: &request.id,
        requester: request.requester,
        subject: request.subject,
        reason: request.reason,
        authorized,
    };
    let mut entry = decided_entry(Kind::Request, decided, request.redacted.agencies(), outcome);
    entry.records = request.redacted.records().iter().map(|r| r.record.id.clone()).collect();
    entry.response_digest = digest(&body);
    write(log, entry).await?;
    Ok(Disclosed { id: request.id, status, body })
}

/// One agency that holds records about the child in categories the requester could be granted: no content.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Holder {
    pub agency: String,
    /// Categories in which the agency holds records about the child.
    pub categories: Vec<String>,
}

/// `200` to a discovery: who holds what, among the categories the requester could be granted now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Holders<'a> {
    #[schema(value_type = String)]
    pub disclosure_id: &'a DisclosureId,
    pub holders: Vec<Holder>,
    pub partial: bool,
    #[schema(value_type = Vec<AgencyReport>)]
    pub agencies: &'a [AgencyReport],
    /// Categories that could not be granted now, with why (as for a request).
    pub refused: Vec<RefusedView>,
    pub policy: &'a str,
}

/// A decided discovery and each asked agency's answer.
pub struct Discovery<'a> {
    pub id: DisclosureId,
    pub requester: &'a Identity,
    pub subject: &'a Subject,
    pub reason: &'a Narrative,
    pub authorized: &'a Authorized,
    pub answers: Vec<(AgencyName, Result<Held, NodeFault>)>,
}

/// A discovery's answer and entry, typed like a request's: only what the decision granted is asked of the nodes,
/// and the answer goes only once its entry is written.
pub async fn commit_discovery(log: &LogWriter, discovery: Discovery<'_>) -> Result<Disclosed, ApiError> {
    let authorized = discovery.authorized;
    let decision = authorized.decision();
    let granted_any = decision.granted().next().is_some();
    let refused = refused_views(authorized);
    let mut holders = Vec::new();
    let mut agencies = Vec::new();
    for (agency, answer) in discovery.answers {
        match answer {
            Ok(held) => {
                if !held.categories.is_empty() {
                    holders.push(Holder {
                        agency: agency.to_string(),
                        categories: held.categories.iter().map(ToString::to_string).collect(),
                    });
                }
                agencies.push(AgencyReport::answered(agency, held.records));
            }
            Err(fault) => agencies.push(crate::redaction::fault_report(agency, &fault)),
        }
    }
    let partial = agencies.iter().any(AgencyReport::incomplete);
    let (status, body) = if granted_any {
        let answer = Holders {
            disclosure_id: &discovery.id,
            holders,
            partial,
            agencies: &agencies,
            refused: refused.clone(),
            policy: &decision.policy_hash,
        };
        (StatusCode::OK, serde_json::to_vec(&answer).map_err(ApiError::internal)?)
    } else {
        let answer = Refusal { disclosure_id: &discovery.id, refused: refused.clone() };
        (StatusCode::FORBIDDEN, serde_json::to_vec(&answer).map_err(ApiError::internal)?)
    };
    let outcome = match (granted_any, refused.is_empty() && !partial) {
        (false, _) => Outcome::Refused,
        (true, true) => Outcome::Granted,
        (true, false) => Outcome::Partial,
    };
    let decided = Decided {
        id: &discovery.id,
        requester: discovery.requester,
        subject: discovery.subject,
        reason: discovery.reason,
        authorized,
    };
    let mut entry = decided_entry(Kind::Discovery, decided, &agencies, outcome);
    entry.response_digest = digest(&body);
    write(log, entry).await?;
    Ok(Disclosed { id: discovery.id, status, body })
}

/// A read that discloses something about a child without deciding categories — a subject-index lookup, a meeting
/// read: logged before its answer like any disclosure, with who, whom and why.
pub async fn commit_read(
    log: &LogWriter,
    id: DisclosureId,
    kind: Kind,
    requester: &Identity,
    subject: &SubjectId,
    why: ReadWhy,
    body: Vec<u8>,
) -> Result<Disclosed, ApiError> {
    let entry = Entry {
        id: id.clone(),
        at: Utc::now().trunc_subsecs(6),
        kind,
        requester: Actor::from(requester),
        subject: subject.clone(),
        purpose: why.purpose,
        lawful_basis: why.lawful_basis,
        reason: why.reason,
        meeting: why.meeting,
        policy_hash: why.policy_hash,
        asked: Vec::new(),
        given: Vec::new(),
        refused: Vec::new(),
        agencies: Vec::new(),
        records: Vec::new(),
        outcome: Outcome::Granted,
        response_digest: digest(&body),
        review: None,
    };
    write(log, entry).await?;
    Ok(Disclosed { id, status: StatusCode::OK, body })
}

/// Why a read was made, as its entry keeps it.
pub struct ReadWhy {
    pub purpose: sharegate_core::domain::Purpose,
    pub lawful_basis: sharegate_core::domain::LawfulBasis,
    pub reason: Narrative,
    pub meeting: Option<sharegate_core::domain::MeetingId>,
    /// The policy in force (not consulted by a read, but named, as in every entry).
    pub policy_hash: String,
}

/// Appends a whole entry; the caller answers only if this succeeds.
pub async fn write(log: &LogWriter, entry: Entry) -> Result<(), ApiError> {
    match log.append(entry).await {
        Ok(_) => Ok(()),
        Err(AppendError::Unavailable(e)) => Err(ApiError::store_unavailable(e)),
        Err(refused @ AppendError::AlreadyReviewed { .. }) => {
            Err(ApiError::new(ErrorKind::Duplicate, refused.to_string()))
        }
    }
}

/// Writes an entry for an answer built elsewhere (discovery), and hands the answer back only once it is written.
pub async fn commit_built(
    log: &LogWriter,
    mut entry: Entry,
    status: StatusCode,
    body: Vec<u8>,
) -> Result<Disclosed, ApiError> {
    entry.response_digest = digest(&body);
    let id = entry.id.clone();
    write(log, entry).await?;
    Ok(Disclosed { id, status, body })
}

impl From<&Ground> for entry::GroundRef {
    fn from(ground: &Ground) -> Self {
        match ground {
            Ground::Consent(id, _) => Self::Consent(id.clone()),
            Ground::Decision(id) => Self::Decision(id.clone()),
            Ground::Meeting(id) => Self::Meeting(id.clone()),
        }
    }
}
